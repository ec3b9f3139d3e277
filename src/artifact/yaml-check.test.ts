import { describe, expect, it } from 'vitest';
import { allowedAliasRatio, checkKubernetesYaml, MAX_NESTING_DEPTH, YamlCheckError } from './yaml-check.ts';

const refusal = (text: string, kustomization = false) => {
  try {
    checkKubernetesYaml(text, kustomization);
  } catch (error) {
    if (error instanceof YamlCheckError) return { problem: error.problem, position: error.position };
    throw error;
  }
  throw new Error('expected a refusal');
};

describe('checkKubernetesYaml', () => {
  it('returns each object header with its position; empty documents are allowed', () => {
    const text =
      '# comment\n---\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  namespace: shop\n---\n~\n';
    expect(checkKubernetesYaml(text, false)).toEqual([
      { apiVersion: 'v1', kind: 'ConfigMap', name: 'a', namespace: 'shop', position: { line: 4, column: 1 } },
    ]);
    expect(checkKubernetesYaml('', false)).toEqual([]);
  });

  it.each([
    ['a sequence document', '- a\n', 'document 1 is not a mapping', 1],
    ['a scalar document', 'hello\n', 'document 1 is not a mapping', 1],
    [
      'a number as name',
      'apiVersion: v1\nkind: A\nmetadata: {name: 12}\n',
      'document 1 has no metadata.name',
      1,
    ],
    ['true as kind', 'apiVersion: v1\nkind: true\nmetadata: {name: x}\n', 'document 1 has no kind', 1],
    [
      'an empty name',
      'apiVersion: v1\nkind: A\nmetadata: {name: ""}\n',
      'document 1 has no metadata.name',
      1,
    ],
    ['a duplicate key', 'apiVersion: v1\nkind: A\nkind: B\n', 'duplicated mapping key "kind"', 3],
    [
      'a duplicate deep key',
      'apiVersion: v1\nkind: A\nmetadata: {name: x}\nspec:\n  a:\n    b: 1\n    b: 2\n',
      'duplicated mapping key "b"',
      7,
    ],
    ['a key that is a list', '? [a, b]\n: c\n', 'a mapping key must be a scalar', 1],
    ['an unknown alias', 'apiVersion: v1\nkind: *k\n', 'unidentified alias "k"', 2],
    ['a syntax error', 'a: [1, 2\nb: 3\n', 'YAML: deficient indentation', 2],
  ])('refuses %s with a message and the line', (_label, text, problem, line) => {
    const { problem: got, position } = refusal(text);
    expect(got).toBe(problem);
    expect(position?.line).toBe(line);
  });

  it('reads quoted and tagged scalars as the YAML 1.2 core schema does', () => {
    expect(checkKubernetesYaml('apiVersion: v1\nkind: A\nmetadata: {name: "12"}\n', false)[0]!.name).toBe(
      '12',
    );
    expect(checkKubernetesYaml('apiVersion: v1\nkind: A\nmetadata: {name: !!str 12}\n', false)[0]!.name).toBe(
      '12',
    );
    expect(refusal('apiVersion: v1\nkind: A\nmetadata: {name: !!int "12"}\n').problem).toMatch(
      /metadata.name/,
    );
    // YAML 1.1 words are strings in 1.2, as kubectl reads them.
    expect(checkKubernetesYaml('apiVersion: v1\nkind: A\nmetadata: {name: yes}\n', false)[0]!.name).toBe(
      'yes',
    );
  });

  it('follows aliases for fields and metadata, and counts their expansion', () => {
    const text =
      'x: &meta {name: web, namespace: shop}\napiVersion: &v v1\nkind: A\nmetadata: *meta\ny: *v\n';
    expect(checkKubernetesYaml(text, false)).toMatchObject([
      { apiVersion: 'v1', name: 'web', namespace: 'shop' },
    ]);
  });

  it('refuses nesting past the limit with its position, whatever the style', () => {
    let block = '';
    for (let i = 0; i < MAX_NESTING_DEPTH + 5; i++) block += `${'  '.repeat(i)}k:\n`;
    expect(refusal(block).problem).toBe(`nesting is deeper than ${MAX_NESTING_DEPTH} levels`);
    const flow = `a: ${'['.repeat(3000)}${']'.repeat(3000)}\n`;
    expect(refusal(flow)).toMatchObject({ problem: /nesting is deeper/, position: { line: 1 } });
    const within = `a: ${'['.repeat(MAX_NESTING_DEPTH - 2)}${']'.repeat(MAX_NESTING_DEPTH - 2)}\napiVersion: v1\nkind: A\nmetadata: {name: x}\n`;
    expect(checkKubernetesYaml(within, false)).toHaveLength(1);
  });

  it('refuses a billion laughs as kustomize would, and allows modest reuse of anchors', () => {
    const lines = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 9; i++)
      lines.push(
        `l${i}: &l${i} [${Array(10)
          .fill(i === 1 ? '*a' : `*l${i - 1}`)
          .join(', ')}]`,
      );
    expect(refusal(lines.join('\n')).problem).toMatch(/excessive aliasing/);
    const reuse = ['env: &env [{name: A, value: "1"}, {name: B, value: "2"}]'];
    for (let i = 0; i < 50; i++) reuse.push(`c${i}: *env`);
    reuse.push('apiVersion: v1', 'kind: A', 'metadata: {name: x}');
    expect(checkKubernetesYaml(reuse.join('\n'), false)).toHaveLength(1);
  });

  it('requires a kustomize Kustomization in a kustomization unit', () => {
    const kustomization =
      'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [a.yaml]\n';
    expect(checkKubernetesYaml(kustomization, true)).toHaveLength(1);
    expect(refusal('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n', true).problem).toBe(
      'document 1 must be a kustomize.config.k8s.io Kustomization',
    );
  });

  it('never echoes values into messages, and strips control characters from what it quotes', () => {
    const { problem } = refusal(
      'apiVersion: v1\nkind: Secret\nmetadata: {name: s}\nstringData:\n  password: hunter2\n  password: hunter3\n',
    );
    expect(problem).not.toMatch(/hunter/);
    expect(refusal('"a\\u0007b": 1\n"a\\u0007b": 2\n').problem).toBe('duplicated mapping key "a b"');
  });
});

describe('allowedAliasRatio', () => {
  it('is go-yaml v3’s: 99% up to 400k nodes, 10% from 4M, linear between', () => {
    expect(allowedAliasRatio(1000)).toBe(0.99);
    expect(allowedAliasRatio(4_000_000)).toBe(0.1);
    expect(allowedAliasRatio(2_200_000)).toBeCloseTo(0.545, 3);
  });
});
