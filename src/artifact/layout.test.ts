import { describe, expect, it } from 'vitest';
import { InvalidUnitError, UnsafeNameError } from './errors.ts';
import { type UnitInput, unitsToFiles } from './layout.ts';

const k8s = (slug: string, yaml: string): UnitInput => ({
  slug,
  toolchainType: 'Kubernetes/YAML',
  data: Buffer.from(yaml),
});
const configMap = (name: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n`;
const text = (data: Uint8Array) => Buffer.from(data).toString('utf8');

describe('unitsToFiles', () => {
  it('writes one file per unit and a sorted kustomization.yaml', () => {
    const files = unitsToFiles([
      k8s('web', configMap('web')),
      k8s('api', configMap('api')),
      k8s('DB', configMap('db')),
    ]);
    expect(files.map((f) => f.path)).toEqual(['web.yaml', 'api.yaml', 'DB.yaml', 'kustomization.yaml']);
    expect(text(files[0]!.data)).toBe(configMap('web'));
    expect(text(files[3]!.data)).toBe(
      'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n- DB.yaml\n- api.yaml\n- web.yaml\n',
    );
  });

  it('keeps unit bytes exactly as received', () => {
    const yaml = '# comment\r\napiVersion: v1\r\nkind: ConfigMap\r\nmetadata: {name: crlf}\r\n';
    const [file] = unitsToFiles([k8s('crlf', yaml)]);
    expect(Buffer.from(file!.data).equals(Buffer.from(yaml))).toBe(true);
  });

  it('allows multi-document units with empty documents', () => {
    const yaml = `---\n${configMap('a')}---\n---\n# only a comment\n---\n${configMap('b')}`;
    expect(unitsToFiles([k8s('multi', yaml)]).map((f) => f.path)).toEqual([
      'multi.yaml',
      'kustomization.yaml',
    ]);
  });

  it('writes an empty resources list when nothing is selected', () => {
    const files = unitsToFiles([]);
    expect(files).toHaveLength(1);
    expect(text(files[0]!.data)).toContain('resources: []');
  });

  it('leaves out toolchains that are not selected, and names other toolchains by extension', () => {
    const units: UnitInput[] = [
      k8s('web', configMap('web')),
      { slug: 'settings', toolchainType: 'AppConfig/Properties', data: Buffer.from('a=b\n') },
      { slug: 'env', toolchainType: 'AppConfig/Env', data: Buffer.from('not yaml: [') },
    ];
    expect(unitsToFiles(units).map((f) => f.path)).toEqual(['web.yaml', 'kustomization.yaml']);
    const all = unitsToFiles(units, {
      toolchains: ['Kubernetes/YAML', 'AppConfig/Properties', 'AppConfig/Env'],
    });
    expect(all.map((f) => f.path)).toEqual([
      'web.yaml',
      'settings.properties',
      'env.env',
      'kustomization.yaml',
    ]);
    expect(text(all[3]!.data)).toContain('resources:\n- web.yaml\n');
    expect(text(all[3]!.data)).not.toContain('settings');
  });

  it('uses a unit named kustomization instead of generating one', () => {
    const own = 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n- web.yaml\n';
    const files = unitsToFiles([k8s('web', configMap('web')), k8s('kustomization', own)]);
    expect(files.map((f) => f.path)).toEqual(['web.yaml', 'kustomization.yaml']);
    expect(text(files[1]!.data)).toBe(own);
    expect(() => unitsToFiles([k8s('kustomization', configMap('x'))])).toThrow(InvalidUnitError);
  });

  const unsafe: Array<[string, RegExp]> = [
    ['', /empty/],
    ['.', /relative directory/],
    ['..', /relative directory/],
    ['../x', /path separator/],
    ['a/b', /path separator/],
    ['a\\b', /path separator/],
    ['a\u0000b', /control character/],
    ['tab\there', /control character/],
    ['-rf', /starts with "-"/],
    ['.hidden', /starts with "\."/],
    ['\uff57eb', /non-ASCII/],
    ['caf\u00e9', /non-ASCII/],
    ['x'.repeat(201), /longer than 200 bytes/],
    ['x'.repeat(96), /a tar header holds 100/],
    ['has space', /contains " "/],
    ['semi;colon', /contains ";"/],
  ];
  it.each(unsafe)('rejects slug %j', (slug, problem) => {
    const run = () => unitsToFiles([k8s(slug, configMap('x'))]);
    expect(run).toThrow(UnsafeNameError);
    expect(run).toThrow(problem);
  });

  it('checks the file name of toolchains without an extension, and ignores prototype keys', () => {
    const unit = (slug: string, toolchainType: string) => ({ slug, toolchainType, data: Buffer.from('x') });
    expect(() => unitsToFiles([unit('x..', 'Custom/Thing')], { toolchains: ['Custom/Thing'] })).toThrow(
      /its file name has a segment ending in "\.\."/,
    );
    const files = unitsToFiles([unit('data', 'constructor')], { toolchains: ['constructor'] });
    expect(files.map((f) => f.path)).toEqual(['data', 'kustomization.yaml']);
  });

  it('accepts ordinary slugs, including CON and 95-byte names', () => {
    for (const slug of ['CON', 'web-1', 'a_b.c', 'x'.repeat(95)]) {
      expect(unitsToFiles([k8s(slug, configMap('x'))])[0]!.path).toBe(`${slug}.yaml`);
    }
  });

  it('names the slug safely escaped in the error', () => {
    try {
      unitsToFiles([k8s('\uff57eb\u001b[31m', configMap('x'))]);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(UnsafeNameError);
      expect((error as UnsafeNameError).slug).toBe('\uff57eb\u001b[31m');
      expect((error as Error).message).toContain('"\\uff57eb\\u001b[31m"');
      expect((error as Error).message).toMatch(/^[\u0020-\u007e]*$/);
    }
  });

  it('rejects names that collide after case folding, including with kustomization.yaml', () => {
    expect(() => unitsToFiles([k8s('Web', configMap('a')), k8s('web', configMap('b'))])).toThrow(
      /collides with unit "Web"/,
    );
    expect(() => unitsToFiles([k8s('Kustomization', configMap('a'))])).toThrow(/kustomization.yaml/);
    const appConfig: UnitInput = {
      slug: 'kustomization',
      toolchainType: 'AppConfig/YAML',
      data: Buffer.from('a: 1'),
    };
    expect(() => unitsToFiles([appConfig], { toolchains: ['AppConfig/YAML'] })).toThrow(UnsafeNameError);
  });

  it('refuses the whole revision when a unit is not valid YAML, naming the unit and position', () => {
    const bad =
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  key: [unclosed\n  password: hunter2\n';
    try {
      unitsToFiles([k8s('good', configMap('good')), k8s('broken', bad)]);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(InvalidUnitError);
      const invalid = error as InvalidUnitError;
      expect(invalid.unit).toBe('broken');
      expect(invalid.reason).toBe('InvalidUnit');
      expect(invalid.message).toMatch(
        /^unit "broken" is not valid Kubernetes YAML at line \d+, column \d+: YAML: /,
      );
      expect(invalid.line).toBeGreaterThanOrEqual(6);
      // Unit data may be a Secret: the message must not quote it.
      expect(invalid.message).not.toContain('hunter2');
    }
  });

  const invalid: Array<[string, string, RegExp]> = [
    ['not an object', '- a\n- b\n', /at line 1, column 1: document 1 is not a mapping/],
    ['scalar', 'hello\n', /not a mapping/],
    ['no kind', 'apiVersion: v1\nmetadata: {name: x}\n', /has no kind/],
    [
      'no name',
      `${configMap('a')}---\napiVersion: v1\nkind: ConfigMap\nmetadata: {}\n`,
      /at line 6, column 1: document 2 has no metadata.name/,
    ],
    ['empty name', 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ""}\n', /metadata.name/],
    ['nothing', 'foo: bar\n', /has no apiVersion, kind, metadata.name/],
    [
      'duplicate keys',
      'apiVersion: v1\napiVersion: v2\nkind: A\nmetadata: {name: x}\n',
      /line 2, column 1: duplicated mapping key "apiVersion"/,
    ],
  ];
  it.each(invalid)('rejects a unit with %s', (_label, yaml, problem) => {
    expect(() => unitsToFiles([k8s('u', yaml)])).toThrow(InvalidUnitError);
    expect(() => unitsToFiles([k8s('u', yaml)])).toThrow(problem);
  });

  it('rejects data that is not UTF-8', () => {
    const unit = { ...k8s('u', ''), data: Uint8Array.of(0xff, 0xfe, 0x41) };
    expect(() => unitsToFiles([unit])).toThrow(
      /unit "u" is not valid Kubernetes YAML: data is not valid UTF-8/,
    );
  });

  it('bounds alias expansion', () => {
    const lol = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 8; i++)
      lol.push(
        `${'b'.repeat(i)}: &${'b'.repeat(i)} [${Array(10)
          .fill(i === 1 ? '*a' : `*${'b'.repeat(i - 1)}`)
          .join(', ')}]`,
      );
    const yaml = `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata:\n${lol.map((l) => `  ${l}`).join('\n')}\n`;
    expect(() => unitsToFiles([k8s('bomb', yaml)])).toThrow(InvalidUnitError);
    expect(() => unitsToFiles([k8s('bomb', yaml)])).toThrow(/alias/i);
  });
});

describe('unitsToFiles on rebuilds', () => {
  it('refuses invalid content every time and keeps the check per role for validated content', () => {
    const broken = k8s('broken', 'kind: [unclosed\n');
    expect(() => unitsToFiles([broken])).toThrow(InvalidUnitError);
    expect(() => unitsToFiles([broken])).toThrow(InvalidUnitError);
    // Valid as a resource, so seen before; still refused where a Kustomization is required.
    const valid = configMap('shared');
    expect(unitsToFiles([k8s('a', valid)])).toHaveLength(2);
    expect(unitsToFiles([k8s('b', valid)])).toHaveLength(2);
    expect(() => unitsToFiles([k8s('kustomization', valid)])).toThrow(/Kustomization/);
  });
});
