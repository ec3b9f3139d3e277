// The served contract (crds/…yaml, generated from the zod schemas) and the zod schemas the controller
// parses with must agree: same fields, same printer columns as Flux sources, and the same verdict on
// valid and invalid specs and statuses.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import ajvFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { GROUP, KIND, PLURAL, SHORT_NAME, VERSION } from './constants.ts';
import { repositorySpecSchema, repositoryStatusSchema } from './v1beta1.ts';

const CRD_PATH = fileURLToPath(
  new URL('../../crds/source.confighub.com_confighubrepositories.yaml', import.meta.url),
);
type Schema = { properties?: Record<string, Schema>; [key: string]: unknown };
const crd = parse(readFileSync(CRD_PATH, 'utf8'));
const version = crd.spec.versions.find((v: { name: string }) => v.name === VERSION);
const openApi: Schema = version.schema.openAPIV3Schema;

/** Kubernetes extensions and formats other than date-time are dropped; everything else is checked as is. */
function toJsonSchema(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(toJsonSchema);
  if (schema === null || typeof schema !== 'object') return schema;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key.startsWith('x-kubernetes-') || (key === 'format' && value !== 'date-time')) continue;
    out[key] = toJsonSchema(value);
  }
  return out;
}

const ajv = new Ajv({ allErrors: true, strict: false, useDefaults: true });
// ajv-formats is CommonJS: its plugin is the module's `default` export.
ajvFormats.default(ajv, ['date-time']);
const validateSpec = ajv.compile(toJsonSchema(openApi.properties!['spec']) as object);
const validateStatus = ajv.compile(toJsonSchema(openApi.properties!['status']) as object);

const base = {
  interval: '5m',
  space: 'shop-prod',
  secretRef: { name: 'confighub-token' },
};

describe('CRD', () => {
  it('names the kind as Flux users expect', () => {
    expect(crd.metadata.name).toBe(`${PLURAL}.${GROUP}`);
    expect(crd.metadata.annotations['kustomize.toolkit.fluxcd.io/substitute']).toBe('disabled');
    expect(crd.spec.names).toMatchObject({ kind: KIND, plural: PLURAL, shortNames: [SHORT_NAME] });
    expect(crd.spec.names.categories).toEqual(expect.arrayContaining(['all', 'fluxcd', 'fluxcd-sources']));
    expect(crd.spec.scope).toBe('Namespaced');
    expect(version.subresources).toEqual({ status: {} });
  });

  it('has the Flux source printer columns', () => {
    const columns = Object.fromEntries(
      version.additionalPrinterColumns.map((c: { name: string; jsonPath: string; type: string }) => [
        c.name,
        c,
      ]),
    );
    expect(columns['URL']).toMatchObject({ jsonPath: '.spec.url', type: 'string' });
    expect(columns['Age']).toMatchObject({ jsonPath: '.metadata.creationTimestamp', type: 'date' });
    expect(columns['Ready']).toMatchObject({ jsonPath: '.status.conditions[?(@.type=="Ready")].status' });
    expect(columns['Status']).toMatchObject({ jsonPath: '.status.conditions[?(@.type=="Ready")].message' });
  });

  it('declares exactly the spec fields the zod schema knows', () => {
    expect(Object.keys(openApi.properties!['spec']!.properties!).sort()).toEqual(
      Object.keys(repositorySpecSchema.shape).sort(),
    );
  });

  it('declares exactly the status fields the zod schema knows', () => {
    expect(Object.keys(openApi.properties!['status']!.properties!).sort()).toEqual(
      Object.keys(repositoryStatusSchema.shape).sort(),
    );
  });

  it('applies the same defaults', () => {
    const viaCrd = structuredClone(base);
    validateSpec(viaCrd);
    const viaZod = repositorySpecSchema.parse(base);
    expect(viaCrd).toMatchObject({ timeout: viaZod.timeout, url: viaZod.url, toolchains: viaZod.toolchains });
  });

  const cases: Array<[string, Record<string, unknown>, boolean]> = [
    ['minimal', {}, true],
    ['UUID space', { space: '11111111-1111-4111-8111-111111111111' }, true],
    ['tag ref', { ref: { tag: 'v1' } }, true],
    ['release latest', { ref: { release: 'latest' } }, true],
    ['release number', { ref: { release: '12' } }, true],
    [
      'everything',
      {
        timeout: '2m',
        suspend: true,
        url: 'http://confighub.local:8080',
        insecure: true,
        where: "Labels.app = 'web'",
        toolchains: ['Kubernetes/YAML', 'AppConfig/YAML'],
        certSecretRef: { name: 'ca' },
        drift: { mode: 'report', ignore: [{ paths: ['/spec/replicas'] }] },
      },
      true,
    ],
    ['interval with days', { interval: '1d' }, false],
    ['interval empty', { interval: '' }, false],
    ['timeout in hours', { timeout: '1h' }, false],
    ['timeout 0s', { timeout: '0s' }, false],
    ['timeout 0m0.0s', { timeout: '0m0.0s' }, false],
    ['timeout 0s500ms', { timeout: '0s500ms' }, true],
    ['timeout 40000m', { timeout: '40000m' }, true],
    ['interval 10000h', { interval: '10000h' }, true],
    ['interval longer than a duration string may be', { interval: `${'1'.repeat(30)}ms1s` }, false],
    ['space with a slash', { space: 'a/b' }, false],
    ['space with spaces', { space: 'a b' }, false],
    ['release zero', { ref: { release: '0' } }, false],
    ['release word', { ref: { release: 'newest' } }, false],
    ['tag with a slash', { ref: { tag: 'v1/x' } }, false],
    ['url without scheme', { url: 'hub.confighub.com' }, false],
    ['ftp url', { url: 'ftp://hub' }, false],
    ['empty secret name', { secretRef: { name: '' } }, false],
    ['no toolchains', { toolchains: [] }, false],
    ['unknown drift mode', { drift: { mode: 'correct' } }, false],
    ['suspend as string', { suspend: 'yes' }, false],
  ];

  it.each(cases)('agrees with zod on %s', (_name, patch, valid) => {
    const spec = { ...structuredClone(base), ...patch };
    expect(validateSpec(structuredClone(spec))).toBe(valid);
    expect(repositorySpecSchema.safeParse(spec).success).toBe(valid);
  });

  it('requires interval, space and secretRef in both', () => {
    for (const key of ['interval', 'space', 'secretRef'] as const) {
      const spec: Record<string, unknown> = { ...base };
      delete spec[key];
      expect(validateSpec(spec)).toBe(false);
      expect(repositorySpecSchema.safeParse(spec).success).toBe(false);
    }
  });

  // The maximum is a CEL rule (a pattern cannot bound a sum of parts); the API server evaluates it, the
  // controller's schema repeats it so an object admitted by an older CRD is refused with the same words.
  it.each([
    ['interval', '87601h', 'must be at most 87600h'],
    ['timeout', '5256001m', 'must be at most 87600h'],
  ])('refuses %s %s past the maximum, in the CRD (CEL) and in zod', (field, value, message) => {
    const rules = (openApi.properties!['spec'] as { properties: Record<string, Record<string, unknown>> })
      .properties[field]!['x-kubernetes-validations'] as { rule: string; message: string }[];
    expect(rules).toContainEqual({ rule: "duration(self) <= duration('87600h')", message });
    const parsed = repositorySpecSchema.safeParse({ ...structuredClone(base), [field]: value });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((issue) => issue.message)).toContain(message);
  });

  it('refuses a backslash in where, in the CRD (CEL) and in zod, with the same words', () => {
    const message = 'must not contain a backslash (ConfigHub has no escape in literals)';
    const rules = (openApi.properties!['spec'] as { properties: Record<string, Record<string, unknown>> })
      .properties['where']!['x-kubernetes-validations'];
    expect(rules).toEqual([{ rule: "!self.contains('\\\\')", message }]);
    const parsed = repositorySpecSchema.safeParse({ ...structuredClone(base), where: "Labels.a = 'x\\y'" });
    expect(parsed.error?.issues.map((issue) => issue.message)).toEqual([message]);
  });

  const condition = {
    type: 'Ready',
    status: 'True',
    observedGeneration: 3,
    lastTransitionTime: '2026-04-01T10:00:00Z',
    reason: 'Succeeded',
    message: 'stored artifact for revision head@sha256:abc',
  };
  const status = {
    observedGeneration: 3,
    conditions: [condition],
    artifact: {
      path: 'confighubrepository/ns/name/abc.tar.gz',
      url: 'http://source.flux-system.svc/confighubrepository/ns/name/abc.tar.gz',
      revision: 'head@sha256:abc',
      digest: 'sha256:abc',
      lastUpdateTime: '2026-04-01T10:00:00.123Z',
      size: 1024,
      metadata: { 'org.opencontainers.image.revision': 'head@sha256:def' },
    },
    lastHandledReconcileAt: '2026-04-01T09:59:00Z',
    fetched: {
      spaceID: '11111111-1111-4111-8111-111111111111',
      ref: 'head',
      unitCount: 1,
      units: [{ slug: 'web', unitID: 'u', revisionNum: 4, dataHash: 'h' }],
    },
    consumers: [{ kind: 'Kustomization', namespace: 'ns', name: 'web', drifted: false }],
    drift: {
      mode: 'report',
      source: 'pending',
      checkedAt: '2026-04-01T10:00:00Z',
      summary: { objects: 0, drifted: 0, missing: 0, excluded: 0, errors: 0, items: 0 },
      items: [],
    },
  };
  const statusCases: Array<[string, (s: typeof status) => unknown, boolean]> = [
    ['a full status', (s) => s, true],
    ['an empty status', () => ({}), true],
    [
      'a condition status that is not True, False or Unknown',
      (s) => ({ ...s, conditions: [{ ...condition, status: 'Yes' }] }),
      false,
    ],
    ['an empty condition reason', (s) => ({ ...s, conditions: [{ ...condition, reason: '' }] }), false],
    [
      'a negative condition generation',
      (s) => ({ ...s, conditions: [{ ...condition, observedGeneration: -1 }] }),
      false,
    ],
    [
      'a transition time that is not a date-time',
      (s) => ({ ...s, conditions: [{ ...condition, lastTransitionTime: 'now' }] }),
      false,
    ],
    ['a digest without algorithm', (s) => ({ ...s, artifact: { ...s.artifact, digest: 'abc' } }), false],
    ['an artifact without url', (s) => ({ ...s, artifact: { ...s.artifact, url: undefined } }), false],
    ['a drift report in another mode', (s) => ({ ...s, drift: { ...s.drift, mode: 'correct' } }), false],
    ['more consumers than the bound', (s) => ({ ...s, consumers: Array(51).fill(s.consumers[0]) }), false],
  ];

  it.each(statusCases)('agrees with zod on %s', (_name, make, valid) => {
    const value = JSON.parse(JSON.stringify(make(structuredClone(status))));
    expect(validateStatus(structuredClone(value)), JSON.stringify(validateStatus.errors)).toBe(valid);
    expect(repositoryStatusSchema.safeParse(value).success).toBe(valid);
  });

  // ajv cannot read x-kubernetes-list-type; the API server refuses two entries with one key, and so does zod.
  it('keeps one condition per type, in the CRD (list map) and in zod', () => {
    const conditions = (
      openApi.properties!['status'] as { properties: Record<string, Record<string, unknown>> }
    ).properties['conditions']!;
    expect(conditions).toMatchObject({
      'x-kubernetes-list-type': 'map',
      'x-kubernetes-list-map-keys': ['type'],
    });
    const twice = { ...status, conditions: [condition, { ...condition, status: 'False' }] };
    expect(repositoryStatusSchema.safeParse(twice).error?.issues[0]?.message).toBe(
      'must hold at most one entry per type',
    );
    expect(repositoryStatusSchema.safeParse({ ...twice, conditions: [condition] }).success).toBe(true);
  });
});
