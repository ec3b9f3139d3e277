// The product's folders form layers, and imports only go down: a change in a lower layer can be made
// without reading the ones above it. Also: src/ never reaches into the test kit, tests or benchmarks.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SRC = join(ROOT, 'src');

/** Lower numbers are lower layers; a folder may import its own layer and those below. */
const LAYER: Record<string, number> = {
  util: 0,
  api: 1,
  config: 2,
  telemetry: 2,
  kube: 3,
  confighub: 3,
  artifact: 3,
  drift: 4,
  delivery: 4,
  server: 5,
  controller: 5,
  cli: 6,
};

function productFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return productFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [path] : [];
  });
}

function relativeImports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/(?:\bfrom|\bimport)\s*\(?\s*'(\.{1,2}\/[^']+)'/g)].map((m) =>
    normalize(join(dirname(file), m[1]!)),
  );
}

describe('layers of src/', () => {
  const files = productFiles(SRC);

  it('every folder of src/ has a layer', () => {
    const folders = new Set(
      files
        .map((f) => relative(SRC, f).split('/'))
        .filter((p) => p.length > 1)
        .map((p) => p[0]!),
    );
    expect([...folders].filter((f) => !(f in LAYER))).toEqual([]);
  });

  it('imports never go up a layer', () => {
    const upward: string[] = [];
    for (const file of files) {
      const from = relative(SRC, file).split('/')[0]!;
      for (const target of relativeImports(file)) {
        const to = relative(SRC, target).split('/')[0]!;
        if (to in LAYER && from in LAYER && LAYER[to]! > LAYER[from]!) {
          upward.push(`${relative(ROOT, file)} imports ${relative(ROOT, target)}`);
        }
      }
    }
    expect(upward).toEqual([]);
  });

  it('the product never imports the test kit, the tests or the benchmarks', () => {
    const outside = files.flatMap((file) =>
      relativeImports(file)
        .filter((target) => !target.startsWith(SRC) || target.startsWith(join(ROOT, 'node_modules')))
        .filter((target) => !target.endsWith('package.json'))
        .map((target) => `${relative(ROOT, file)} imports ${relative(ROOT, target)}`),
    );
    expect(outside).toEqual([]);
  });
});
