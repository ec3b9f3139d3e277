// The CRD's schema of status.drift, generated from the zod schema in src/api/drift-report.ts, accepts
// every report the detector writes and agrees with the code's enumerations.
import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { toStructural } from '../../scripts/crd/structural.ts';
import {
  Cause,
  Classification,
  DetectionMethod,
  type DriftReport,
  driftReportSchema,
  Severity,
} from '../../src/drift/index.ts';
import { KubeApiServer } from '../../testkit/kube-api-server/index.ts';

const CRD = parse(
  readFileSync(
    new URL('../../crds/source.confighub.com_confighubrepositories.yaml', import.meta.url),
    'utf8',
  ),
);
const crdDrift = CRD.spec.versions[0].schema.openAPIV3Schema.properties.status.properties.drift;
const driftSchema = crdDrift;

function toJsonSchema(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(toJsonSchema);
  if (schema === null || typeof schema !== 'object') return schema;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key.startsWith('x-kubernetes-')) continue;
    out[key] = toJsonSchema(value);
  }
  return out;
}

const validate = new Ajv({ allErrors: true, strict: false }).compile(toJsonSchema(driftSchema) as object);
const itemSchema = driftSchema.properties.items.items;

const item = {
  id: 'Deployment/shop/web#/spec/template/spec/containers/0/resources',
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  namespace: 'shop',
  name: 'web',
  path: '/spec/template/spec/containers/0/resources',
  desired: { limits: { cpu: '1' } },
  live: [1, 'two', null],
  classification: 'resources',
  severity: 'warning',
  cause: 'controller',
  manager: 'vpa-recommender',
  method: 'server-side-dry-run',
  firstObserved: '2026-04-01T10:00:00.000Z',
  lastObserved: '2026-04-01T10:00:00.000Z',
} as const;

describe('the status.drift schema', () => {
  it('is generated from the zod schema the controller parses with', () => {
    const { description: _, ...generated } = toStructural(driftReportSchema);
    const { description: __, ...declared } = crdDrift;
    expect(declared).toEqual(generated);
  });

  it('accepts a full report with values of any JSON type', () => {
    const report: DriftReport = {
      mode: 'report',
      source: 'artifact',
      checkedAt: '2026-04-01T10:00:00.000Z',
      summary: { objects: 1, drifted: 1, missing: 0, excluded: 0, errors: 1, items: 1 },
      items: [item],
      truncated: 3,
      resolved: [{ ...item, resolvedAt: '2026-04-01T11:00:00.000Z' }],
      errors: [{ object: 'Widget/shop/w', message: 'example.com/v1 Widget is not served' }],
    };
    expect(validate(report), JSON.stringify(validate.errors)).toBe(true);
  });

  it('declares the same enumerations as the code', () => {
    expect(itemSchema.properties.classification.enum).toEqual(Object.values(Classification));
    expect(itemSchema.properties.severity.enum).toEqual(Object.values(Severity));
    expect(itemSchema.properties.cause.enum).toEqual(Object.values(Cause));
    expect(itemSchema.properties.method.enum).toEqual(Object.values(DetectionMethod));
    expect(itemSchema.properties.desired['x-kubernetes-preserve-unknown-fields']).toBe(true);
  });

  it('rejects an unknown classification', () => {
    const bad = {
      mode: 'report',
      source: 'artifact',
      checkedAt: 'x',
      summary: { objects: 0, drifted: 0, missing: 0, excluded: 0, errors: 0, items: 0 },
      items: [{ ...item, classification: 'vibes' }],
    };
    expect(validate(bad)).toBe(false);
  });

  it('survives an API server serving the CRD with it: values of any type are kept, not pruned', async () => {
    const crd = structuredClone(CRD);
    crd.spec.versions[0].schema.openAPIV3Schema.properties.status.properties.drift = driftSchema;
    const server = await new KubeApiServer({ namespaces: ['flux-system'] }).listen();
    try {
      server.registerCrd(crd);
      const ref = { group: 'source.confighub.com', plural: 'confighubrepositories' };
      server.create({
        apiVersion: 'source.confighub.com/v1beta1',
        kind: 'ConfigHubRepository',
        metadata: { name: 'shop', namespace: 'flux-system' },
        spec: { interval: '5m', space: 'shop-prod', secretRef: { name: 'token' } },
      });
      const report = {
        mode: 'report',
        source: 'artifact',
        checkedAt: '2026-04-01T10:00:00.000Z',
        summary: { objects: 1, drifted: 1, missing: 0, excluded: 0, errors: 0, items: 1 },
        items: [item],
      };
      server.patch(ref, 'flux-system', 'shop', { status: { drift: report } }, { subresource: 'status' });
      expect(server.get(ref, 'flux-system', 'shop')?.['status']).toMatchObject({ drift: report });
      expect(() =>
        server.patch(
          ref,
          'flux-system',
          'shop',
          { status: { drift: { ...report, items: [{ ...item, severity: 'dire' }] } } },
          { subresource: 'status' },
        ),
      ).toThrow(/severity/);
    } finally {
      await server.close();
    }
  });
});
