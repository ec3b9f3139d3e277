// The verbs on a resource path: get, list, watch, create, update, patch, delete, deletecollection.

import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import { applyRequest } from './apply-request.ts';
import { encodeObject } from './encoding.ts';
import { ApiError, badRequest, gone, invalid, methodNotAllowed, unsupportedMediaType } from './errors.ts';
import { decodeJson, decodeYaml, mediaType, sendJson } from './http.ts';
import { type DeleteOptions, type ObjectService, renderAs, resourceOf } from './objects.ts';
import { jsonPatch, mergePatch } from './patch.ts';
import { decodeProtobuf, PROTOBUF } from './protobuf.ts';
import { fromScale, hasScale, toScale } from './scale.ts';
import { extraFields, parseFieldSelector, parseLabelSelector } from './selectors.ts';
import type { Store } from './storage.ts';
import { strategicMergePatch } from './strategic-merge.ts';
import { type IncludeObject, tableVersionFromAccept, toTable } from './table.ts';
import { apiVersionOf, type Json, type JsonObject, type KubeObject, type ResourceDef } from './types.ts';
import type { FieldValidation } from './validation.ts';
import type { WatchHub } from './watch.ts';

export interface ResourceRequest {
  def: ResourceDef;
  namespace: string | undefined;
  name: string | undefined;
  subresource: string | undefined;
  method: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: string;
  /** The body's bytes (protobuf requests are binary). */
  raw?: Buffer;
}

const PATCH_TYPES = {
  json: 'application/json-patch+json',
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  apply: 'application/apply-patch+yaml',
} as const;

interface ContinueToken {
  rv: number;
  after: string;
}

const encodeContinue = (token: ContinueToken): string =>
  Buffer.from(JSON.stringify(token)).toString('base64url');
const decodeContinue = (text: string): ContinueToken => {
  try {
    const token = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as ContinueToken;
    if (typeof token.rv === 'number' && typeof token.after === 'string') return token;
  } catch {
    // fall through to the error below
  }
  throw badRequest(
    'continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)',
  );
};

const objectKey = (o: KubeObject): string => `${o.metadata.namespace ?? ''}/${o.metadata.name}`;

/** Field manager for non-apply writes: the query parameter, else the user agent's program name. */
const managerFor = (query: URLSearchParams, headers: IncomingHttpHeaders): string => {
  const explicit = query.get('fieldManager');
  if (explicit) return explicit;
  const agent = headers['user-agent'] ?? '';
  return agent.split('/')[0] || 'unknown';
};

export class ResourceHandlers {
  readonly #store: Store;
  readonly #objects: ObjectService;
  readonly #watches: WatchHub;
  /** Whether custom resources go out with sorted keys, as kube-apiserver sends them. */
  readonly #sortedKeys: () => boolean;

  constructor(
    store: Store,
    objects: ObjectService,
    watches: WatchHub,
    sortedKeys: () => boolean = () => true,
  ) {
    this.#store = store;
    this.#objects = objects;
    this.#watches = watches;
    this.#sortedKeys = sortedKeys;
  }

  #encode(def: ResourceDef, obj: KubeObject): KubeObject {
    return encodeObject(def, obj, this.#sortedKeys());
  }

  handle(r: ResourceRequest, res: ServerResponse): void {
    const { method, name, subresource } = r;
    if (subresource === 'scale' && name && hasScale(r.def)) {
      this.#scale(r, res, name);
      return;
    }
    if (subresource !== undefined && (subresource !== 'status' || !r.def.statusSubresource || !name)) {
      throw new ApiError(404, 'NotFound', 'the server could not find the requested resource', {});
    }
    const watching = r.query.get('watch') === 'true' || r.query.get('watch') === '1';
    if (method === 'GET' && !name) {
      if (watching) this.#watch(r, res);
      else this.#list(r, res);
    } else if (method === 'GET' && name) {
      // The deprecated watch on a named path is a watch with a metadata.name field selector.
      if (watching) this.#watch(r, res, name);
      else this.#get(r, res, name);
    } else if (method === 'POST' && !name) this.#create(r, res);
    else if (method === 'PUT' && name) this.#update(r, res, name);
    else if (method === 'PATCH' && name) this.#patch(r, res, name);
    else if (method === 'DELETE' && name) this.#delete(r, res, name);
    else if (method === 'DELETE' && !name) this.#deleteCollection(r, res);
    else throw methodNotAllowed();
  }

  #dryRun(r: ResourceRequest): boolean {
    const values = r.query.getAll('dryRun');
    for (const v of values) if (v !== 'All') throw badRequest(`Invalid dry run value: ${v}`);
    return values.includes('All');
  }

  #fieldValidation(r: ResourceRequest): FieldValidation {
    const mode = r.query.get('fieldValidation') ?? 'Warn';
    if (mode !== 'Strict' && mode !== 'Warn' && mode !== 'Ignore') {
      throw badRequest(`fieldValidation must be one of "Ignore", "Warn", or "Strict", got "${mode}"`);
    }
    return { mode, warnings: [] };
  }

  /** Unknown-field warnings travel as `Warning: 299 - "..."` headers, as the real server sends them. */
  #warn(res: ServerResponse, fields: FieldValidation): void {
    if (!fields.warnings?.length) return;
    res.setHeader(
      'Warning',
      fields.warnings.map((w) => `299 - ${JSON.stringify(w)}`),
    );
  }

  #respond(r: ResourceRequest, res: ServerResponse, status: number, obj: KubeObject): void {
    const table = tableVersionFromAccept(r.headers.accept);
    if (table) {
      const include = (r.query.get('includeObject') ?? 'Metadata') as IncludeObject;
      sendJson(
        res,
        status,
        toTable(r.def, [obj], table, include, { resourceVersion: obj.metadata.resourceVersion }),
      );
      return;
    }
    sendJson(res, status, this.#encode(r.def, obj));
  }

  /** GET, PUT and PATCH of `/scale`: a Scale view of spec.replicas. */
  #scale(r: ResourceRequest, res: ServerResponse, name: string): void {
    const current = this.#objects.get(r.def, r.namespace, name);
    if (r.method === 'GET') {
      sendJson(res, 200, toScale(current));
      return;
    }
    let scale: unknown;
    if (r.method === 'PUT') scale = this.#decodeObject(r);
    else if (r.method === 'PATCH') {
      const type = mediaType(r.headers['content-type']);
      const patch = decodeJson(r.body) as Json;
      const view = toScale(current) as JsonObject;
      scale =
        type === PATCH_TYPES.json
          ? jsonPatch(view, patch)
          : type === PATCH_TYPES.strategic
            ? strategicMergePatch('Scale', view, patch)
            : type === PATCH_TYPES.merge
              ? mergePatch(view, patch)
              : (() => {
                  throw unsupportedMediaType(type, [
                    PATCH_TYPES.json,
                    PATCH_TYPES.merge,
                    PATCH_TYPES.strategic,
                  ]);
                })();
    } else throw methodNotAllowed();
    const updated = this.#objects.update(r.def, r.namespace, name, fromScale(current, scale), {
      dryRun: this.#dryRun(r),
      manager: managerFor(r.query, r.headers),
    });
    sendJson(res, 200, toScale(updated));
  }

  #get(r: ResourceRequest, res: ServerResponse, name: string): void {
    this.#respond(r, res, 200, this.#objects.get(r.def, r.namespace, name));
  }

  #selected(r: ResourceRequest): KubeObject[] {
    const labels = parseLabelSelector(r.query.get('labelSelector') ?? undefined);
    const fields = parseFieldSelector(r.query.get('fieldSelector') ?? undefined, extraFields(r.def));
    return this.#store
      .list(resourceOf(r.def), r.def.namespaced ? r.namespace : undefined)
      .filter((o) => labels(o.metadata.labels ?? {}) && fields(r.def.conversion ? renderAs(r.def, o) : o));
  }

  #list(r: ResourceRequest, res: ServerResponse): void {
    const limit = Number(r.query.get('limit') ?? 0);
    const continueText = r.query.get('continue');
    let listRv = this.#store.currentRv;
    let items = this.#selected(r);
    if (continueText) {
      const token = decodeContinue(continueText);
      if (this.#store.isCompacted(token.rv)) {
        throw gone(
          'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.',
        );
      }
      listRv = token.rv;
      items = items.filter((o) => objectKey(o) > token.after);
    }
    const meta: Record<string, unknown> = { resourceVersion: String(listRv) };
    if (limit > 0 && items.length > limit) {
      const remaining = items.length - limit;
      items = items.slice(0, limit);
      meta['continue'] = encodeContinue({ rv: listRv, after: objectKey(items.at(-1)!) });
      if (!r.query.get('labelSelector') && !r.query.get('fieldSelector'))
        meta['remainingItemCount'] = remaining;
    }
    const rendered = items.map((o) => renderAs(r.def, o));
    const table = tableVersionFromAccept(r.headers.accept);
    if (table) {
      const include = (r.query.get('includeObject') ?? 'Metadata') as IncludeObject;
      sendJson(res, 200, toTable(r.def, rendered, table, include, meta));
      return;
    }
    // A list of custom resources is a map too on the real server: its envelope's keys come sorted as well.
    const list = {
      kind: r.def.listKind,
      apiVersion: apiVersionOf(r.def.group, r.def.version),
      metadata: meta,
      items: rendered,
    } as unknown as KubeObject;
    sendJson(res, 200, this.#encode(r.def, list));
  }

  #watch(r: ResourceRequest, res: ServerResponse, name?: string): void {
    const timeout = r.query.get('timeoutSeconds');
    const fieldSelector = [r.query.get('fieldSelector'), name ? `metadata.name=${name}` : undefined]
      .filter(Boolean)
      .join(',');
    const sendInitialEvents = r.query.get('sendInitialEvents') === 'true';
    if (sendInitialEvents && r.query.get('allowWatchBookmarks') !== 'true') {
      throw invalid('ListOptions', 'meta.k8s.io', '', [
        {
          reason: 'FieldValueForbidden',
          field: 'allowWatchBookmarks',
          message: 'Forbidden: sendInitialEvents requires setting allowWatchBookmarks to true',
        },
      ]);
    }
    // `kubectl get -w` asks for Table events: each event then carries a one-row Table.
    const table = tableVersionFromAccept(r.headers.accept);
    const include = (r.query.get('includeObject') ?? 'Metadata') as IncludeObject;
    this.#watches.serve(
      {
        resource: resourceOf(r.def),
        namespace: r.def.namespaced ? r.namespace : undefined,
        labelSelector: parseLabelSelector(r.query.get('labelSelector') ?? undefined),
        fieldSelector: parseFieldSelector(fieldSelector || undefined, extraFields(r.def)),
        resourceVersion: r.query.get('resourceVersion') ?? undefined,
        bookmarks: r.query.get('allowWatchBookmarks') === 'true',
        sendInitialEvents,
        timeoutSeconds: timeout ? Number(timeout) : undefined,
        view: (o) => (r.def.conversion ? renderAs(r.def, o) : o),
        render: (o) => {
          const rendered = renderAs(r.def, o);
          return table
            ? toTable(r.def, [rendered], table, include, {
                resourceVersion: rendered.metadata.resourceVersion,
              })
            : this.#encode(r.def, rendered);
        },
        apiVersion: apiVersionOf(r.def.group, r.def.version),
        kind: r.def.kind,
      },
      res,
    );
  }

  #decodeObject(r: ResourceRequest): unknown {
    const type = mediaType(r.headers['content-type']);
    if (type === 'application/yaml') return decodeYaml(r.body);
    if (type === PROTOBUF && !r.def.custom) return decodeProtobuf(r.raw ?? Buffer.from(r.body));
    if (type !== 'application/json' && type !== '') {
      throw unsupportedMediaType(type, ['application/json', 'application/yaml']);
    }
    return decodeJson(r.body);
  }

  #create(r: ResourceRequest, res: ServerResponse): void {
    const fieldValidation = this.#fieldValidation(r);
    const obj = this.#objects.create(r.def, r.namespace, this.#decodeObject(r), {
      dryRun: this.#dryRun(r),
      manager: managerFor(r.query, r.headers),
      fieldValidation,
    });
    this.#warn(res, fieldValidation);
    this.#respond(r, res, 201, obj);
  }

  #update(r: ResourceRequest, res: ServerResponse, name: string): void {
    const fieldValidation = this.#fieldValidation(r);
    const obj = this.#objects.update(r.def, r.namespace, name, this.#decodeObject(r), {
      dryRun: this.#dryRun(r),
      subresource: r.subresource,
      manager: managerFor(r.query, r.headers),
      fieldValidation,
    });
    this.#warn(res, fieldValidation);
    this.#respond(r, res, 200, obj);
  }

  #patch(r: ResourceRequest, res: ServerResponse, name: string): void {
    const type = mediaType(r.headers['content-type']);
    const accepted = r.def.custom
      ? [PATCH_TYPES.json, PATCH_TYPES.merge, PATCH_TYPES.apply]
      : [PATCH_TYPES.json, PATCH_TYPES.merge, PATCH_TYPES.strategic, PATCH_TYPES.apply];
    if (!accepted.includes(type as (typeof accepted)[number])) throw unsupportedMediaType(type, accepted);
    const dryRun = this.#dryRun(r);
    const force = r.query.get('force');
    if (type === PATCH_TYPES.apply) {
      this.#apply(r, res, name, dryRun, force === 'true');
      return;
    }
    if (force !== null) {
      throw invalid('PatchOptions', 'meta.k8s.io', '', [
        {
          reason: 'FieldValueForbidden',
          field: 'force',
          message: 'Forbidden: may not be specified for non-apply patch',
        },
      ]);
    }
    const current = this.#objects.get(r.def, r.namespace, name) as unknown as JsonObject;
    const patch = decodeJson(r.body) as Json;
    const patched =
      type === PATCH_TYPES.json
        ? jsonPatch(current, patch)
        : type === PATCH_TYPES.strategic
          ? strategicMergePatch(r.def.kind, current, patch)
          : (mergePatch(current, patch) as JsonObject);
    const fieldValidation = this.#fieldValidation(r);
    const obj = this.#objects.update(r.def, r.namespace, name, patched, {
      dryRun,
      subresource: r.subresource,
      manager: managerFor(r.query, r.headers),
      fieldValidation,
    });
    this.#warn(res, fieldValidation);
    this.#respond(r, res, 200, obj);
  }

  #apply(r: ResourceRequest, res: ServerResponse, name: string, dryRun: boolean, force: boolean): void {
    const fieldValidation = this.#fieldValidation(r);
    const { status, object } = applyRequest(this.#objects, {
      def: r.def,
      namespace: r.namespace,
      name,
      subresource: r.subresource,
      body: r.body,
      manager: r.query.get('fieldManager'),
      force,
      dryRun,
      fieldValidation,
    });
    this.#warn(res, fieldValidation);
    this.#respond(r, res, status, object);
  }

  #deleteOptions(r: ResourceRequest): DeleteOptions {
    const body = r.body.trim() ? (decodeJson(r.body) as Record<string, unknown>) : {};
    const policy = (r.query.get('propagationPolicy') ??
      body['propagationPolicy']) as DeleteOptions['propagationPolicy'];
    if (policy !== undefined && !['Background', 'Foreground', 'Orphan'].includes(policy)) {
      throw invalid('DeleteOptions', 'meta.k8s.io', '', [
        {
          reason: 'FieldValueNotSupported',
          field: 'propagationPolicy',
          message: `Unsupported value: "${policy}": supported values: "Foreground", "Background", "Orphan", "nil"`,
        },
      ]);
    }
    const orphan = body['orphanDependents'];
    const dryRunBody = Array.isArray(body['dryRun']) && (body['dryRun'] as unknown[]).includes('All');
    return {
      propagationPolicy: policy ?? (orphan === true ? 'Orphan' : undefined),
      preconditions: body['preconditions'] as DeleteOptions['preconditions'],
      dryRun: this.#dryRun(r) || dryRunBody,
    };
  }

  #delete(r: ResourceRequest, res: ServerResponse, name: string): void {
    const { object, removed } = this.#objects.delete(r.def, r.namespace, name, this.#deleteOptions(r));
    if (removed && !r.def.custom) {
      sendJson(res, 200, {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Success',
        details: { name, group: r.def.group, kind: r.def.plural, uid: object.metadata.uid },
      });
      return;
    }
    this.#respond(r, res, 200, object);
  }

  #deleteCollection(r: ResourceRequest, res: ServerResponse): void {
    const options = this.#deleteOptions(r);
    const deleted = this.#selected(r).map(
      (o) => this.#objects.delete(r.def, o.metadata.namespace, o.metadata.name!, options).object,
    );
    sendJson(res, 200, {
      kind: r.def.listKind,
      apiVersion: apiVersionOf(r.def.group, r.def.version),
      metadata: { resourceVersion: this.#store.resourceVersion },
      items: deleted.map((o) => this.#encode(r.def, o)),
    });
  }
}
