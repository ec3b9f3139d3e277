// The served contract (crds/…yaml) and the zod schemas the controller parses with must agree:
// same spec fields, same printer columns as Flux sources, and the same verdict on valid/invalid specs.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
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

/** Kubernetes extensions and formats ajv does not know are dropped; everything else is checked as is. */
function toJsonSchema(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(toJsonSchema);
  if (schema === null || typeof schema !== 'object') return schema;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key.startsWith('x-kubernetes-') || key === 'format') continue;
    out[key] = toJsonSchema(value);
  }
  return out;
}

const ajv = new Ajv({ allErrors: true, strict: false, useDefaults: true });
const validateSpec = ajv.compile(toJsonSchema(openApi.properties!['spec']) as object);

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
    expect(crd.spec.names.categories).toEqual(expect.arrayContaining(['all', 'fluxcd-sources']));
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

  it('declares every status field the zod schema knows', () => {
    const crdStatus = Object.keys(openApi.properties!['status']!.properties!).sort();
    for (const key of Object.keys(repositoryStatusSchema.shape)) expect(crdStatus).toContain(key);
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
});
