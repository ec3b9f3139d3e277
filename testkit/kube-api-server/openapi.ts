// A minimal OpenAPI v3 publication: per group-version paths with their PATCH operations and
// query parameters, so kubectl detects server-side field validation, plus CRD schemas for explain.

import { createHash } from 'node:crypto';
import type { JsonObject, ResourceDef } from './types.ts';

const gvPath = (group: string, version: string): string =>
  group ? `apis/${group}/${version}` : `api/${version}`;

const hash = (value: unknown): string =>
  createHash('sha512').update(JSON.stringify(value)).digest('hex').slice(0, 128).toUpperCase();

const schemaName = (d: ResourceDef): string =>
  `${(d.group || 'io.k8s.api.core').split('.').reverse().join('.')}.${d.version}.${d.kind}`;

const QUERY_PARAMS = ['dryRun', 'fieldManager', 'fieldValidation', 'force', 'pretty'].map((name) => ({
  name,
  in: 'query',
  schema: { type: name === 'force' ? 'boolean' : 'string', uniqueItems: true },
}));

const gvk = (d: ResourceDef) => ({ group: d.group, version: d.version, kind: d.kind });

const docFor = (defs: ResourceDef[], group: string, version: string): JsonObject => {
  const paths: JsonObject = {};
  const schemas: JsonObject = {};
  for (const d of defs.filter((x) => x.group === group && x.version === version)) {
    const base = `/${gvPath(group, version)}${d.namespaced ? '/namespaces/{namespace}' : ''}/${d.plural}`;
    const ref = { $ref: `#/components/schemas/${schemaName(d)}` };
    const body = (types: string[]) => ({
      content: Object.fromEntries(types.map((t) => [t, { schema: { type: 'object' } }])),
      required: true,
    });
    // Strategic merge is not offered, so kubectl computes client-side apply patches from its own scheme.
    const patchTypes = [
      'application/json-patch+json',
      'application/merge-patch+json',
      'application/apply-patch+yaml',
    ];
    const op = (verb: string, extra: JsonObject = {}) => ({
      operationId: `${verb}${d.kind}`,
      'x-kubernetes-action': verb,
      'x-kubernetes-group-version-kind': gvk(d),
      parameters: QUERY_PARAMS,
      responses: { '200': { description: 'OK', content: { 'application/json': { schema: ref } } } },
      ...extra,
    });
    paths[`${base}/{name}`] = {
      get: op('get'),
      put: op('put', { requestBody: body(['application/json']) }),
      patch: op('patch', { requestBody: body(patchTypes) }),
      delete: op('delete'),
    };
    paths[base] = { get: op('list'), post: op('post', { requestBody: body(['application/json']) }) };
    schemas[schemaName(d)] = {
      ...(d.schema ?? { type: 'object', 'x-kubernetes-preserve-unknown-fields': true }),
      'x-kubernetes-group-version-kind': [gvk(d)],
    };
  }
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes', version: 'v1.32.0' },
    paths,
    components: { schemas },
  };
};

/** `/openapi/v3`: one entry per group-version, each pointing at its document with a content hash. */
export const openApiIndex = (defs: ResourceDef[]) => {
  const gvs = new Map<string, [string, string]>();
  for (const d of defs) gvs.set(gvPath(d.group, d.version), [d.group, d.version]);
  const paths: JsonObject = {};
  for (const [path, [group, version]] of gvs) {
    paths[path] = { serverRelativeURL: `/openapi/v3/${path}?hash=${hash(docFor(defs, group, version))}` };
  }
  return { paths };
};

/** `/openapi/v3/apis/<group>/<version>` or `/openapi/v3/api/v1`. */
export const openApiDocument = (defs: ResourceDef[], segments: string[]): JsonObject | undefined => {
  const [root, a, b] = segments;
  const [group, version] = root === 'api' && a && !b ? ['', a] : root === 'apis' && a && b ? [a, b] : [];
  if (version === undefined || group === undefined) return undefined;
  if (!defs.some((d) => d.group === group && d.version === version)) return undefined;
  return docFor(defs, group, version);
};
