// The CRD in crds/ and its copy in the Helm chart are generated from src/api: they must be exactly what
// the generator writes now, and document every field for `kubectl explain`.
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { buildCrd, CRD_FILES, GENERATE_COMMAND, REPO_ROOT, renderCrd } from '../../scripts/crd/render.ts';
import { CHART_CRD, PROJECT_CRD } from './support/paths.ts';

type Schema = { [key: string]: unknown };

/** Every named property under `schema`, with its path, items and map values included. */
function* properties(schema: Schema, path: string): Generator<[string, Schema]> {
  for (const [name, sub] of Object.entries((schema['properties'] ?? {}) as Record<string, Schema>)) {
    yield [`${path}.${name}`, sub];
    yield* properties(sub, `${path}.${name}`);
  }
  const items = schema['items'] as Schema | undefined;
  if (items !== undefined) yield* properties(items, `${path}[]`);
  const values = schema['additionalProperties'];
  if (typeof values === 'object' && values !== null) yield* properties(values as Schema, `${path}.*`);
}

const openApi = (crd: Record<string, unknown>): Schema =>
  (crd as { spec: { versions: Array<{ schema: { openAPIV3Schema: Schema } }> } }).spec.versions[0]!.schema
    .openAPIV3Schema;

describe('the generated CRD', () => {
  const generated = renderCrd();

  it.each(CRD_FILES.map((file) => [relative(REPO_ROOT, file), file]))('%s is current', (_name, file) => {
    const onDisk = readFileSync(file, 'utf8');
    expect(
      onDisk === generated,
      `${relative(REPO_ROOT, file)} differs from what src/api generates: run \`${GENERATE_COMMAND}\``,
    ).toBe(true);
  });

  it('is written to the places the kustomize configuration and the chart read it from', () => {
    expect(CRD_FILES).toEqual([PROJECT_CRD, CHART_CRD]);
  });

  it('parses back to what the generator built', () => {
    expect(parse(generated)).toEqual(buildCrd());
  });

  const schema = openApi(buildCrd());
  const all = [...properties(schema, '')];

  it('has a description on the object and on every field', () => {
    expect(all.length).toBeGreaterThan(100);
    expect(String(schema['description'] ?? '').trim()).not.toBe('');
    const undocumented = all
      .filter(([, sub]) => typeof sub['description'] !== 'string' || sub['description'].trim() === '')
      .map(([path]) => path);
    expect(undocumented).toEqual([]);
  });

  it('states every default in the description of its field', () => {
    const defaulted = all.filter(([, sub]) => 'default' in sub);
    expect(defaulted.map(([path]) => path)).toEqual(
      expect.arrayContaining(['.spec.timeout', '.spec.url', '.spec.toolchains', '.spec.drift.mode']),
    );
    for (const [path, sub] of defaulted) {
      const value = sub['default'];
      const text = Array.isArray(value) ? `[${value.join(', ')}]` : String(value);
      expect(sub['description'], path).toContain(`Defaults to ${text}`);
    }
  });
});
