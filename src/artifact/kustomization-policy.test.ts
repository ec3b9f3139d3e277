import { describe, expect, it } from 'vitest';
import { InvalidUnitError } from './errors.ts';
import { type UnitInput, unitsToFiles } from './layout.ts';

const k8s = (slug: string, yaml: string): UnitInput => ({
  slug,
  toolchainType: 'Kubernetes/YAML',
  data: Buffer.from(yaml),
});
const HEAD = 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n';
const units = [
  k8s('web', 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: web}\n'),
  k8s(
    'labels',
    'apiVersion: builtin\nkind: LabelTransformer\nmetadata: {name: l}\nlabels: {a: b}\nfieldSpecs: []\n',
  ),
  k8s(
    'fn',
    'apiVersion: builtin\nkind: LabelTransformer\nmetadata:\n  name: f\n  annotations:\n    config.kubernetes.io/function: "exec: {path: /bin/sh}"\n',
  ),
  k8s('patch', 'apiVersion: builtin\nkind: PatchTransformer\nmetadata: {name: p}\npath: /etc/passwd\n'),
  k8s('empty', '# nothing\n'),
  { slug: 'settings', toolchainType: 'AppConfig/Properties', data: Buffer.from('a=b\n') },
];
const build = (body: string) =>
  unitsToFiles([...units, k8s('kustomization', HEAD + body)], {
    toolchains: ['Kubernetes/YAML', 'AppConfig/Properties'],
  });

function refusal(body: string): string {
  try {
    build(body);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidUnitError);
    return (error as Error).message;
  }
  throw new Error('the kustomization was accepted');
}

describe('kustomization policy', () => {
  it('accepts files of the artifact, generators reading artifact files and fileless builtins', () => {
    const files = build(
      'resources:\n- ./web.yaml\ntransformers:\n- labels.yaml\nconfigMapGenerator:\n- name: s\n  files: [key=settings.properties]\n  envs: [settings.properties]\npatches:\n- path: web.yaml\n',
    );
    expect(files.map((f) => f.path)).toContain('kustomization.yaml');
  });

  it.each([
    [
      'remote base',
      'resources:\n- https://github.com/org/repo//deploy?ref=main\n',
      /resources entry "https:\/\/github.com\/org\/repo\/\/deploy\?…" is a remote location/,
    ],
    [
      'remote base with userinfo',
      'resources:\n- https://bob:Secr3tTokenValue@example.com/x\n',
      /resources entry "https:\/\/example.com\/x" is a remote location/,
    ],
    ['scp-like git', 'resources:\n- git@github.com:org/repo.git\n', /is a remote location/],
    ['host path', 'resources:\n- github.com/org/repo/deploy\n', /is a remote location/],
    [
      'parent escape',
      'resources:\n- ../../../../etc\n',
      /resources entry "..\/..\/..\/..\/etc" leaves the artifact/,
    ],
    ['absolute path', 'resources:\n- /etc/kubernetes\n', /is an absolute path/],
    [
      'missing file',
      'resources:\n- nope.yaml\n',
      /resources entry "nope.yaml" is not a file of the artifact/,
    ],
    [
      'non-Kubernetes file as resource',
      'resources:\n- settings.properties\n',
      /is not a Kubernetes\/YAML unit/,
    ],
    ['itself', 'resources:\n- kustomization.yaml\n', /is this kustomization itself/],
    ['root', 'resources:\n- .\n', /is the artifact's root/],
    [
      'component',
      'resources: [web.yaml]\ncomponents:\n- web.yaml\n',
      /components entry "web.yaml" is not a directory/,
    ],
    [
      'token file generator',
      'resources: [web.yaml]\nconfigMapGenerator:\n- name: t\n  files:\n  - token=/var/run/secrets/kubernetes.io/serviceaccount/token\n',
      /configMapGenerator\[0\]\.files entry .* is an absolute path/,
    ],
    [
      'env outside',
      'resources: [web.yaml]\nsecretGenerator:\n- name: t\n  env: ../.env\n',
      /secretGenerator\[0\]\.env entry "..\/.env" leaves the artifact/,
    ],
    [
      'helmCharts',
      'resources: [web.yaml]\nhelmCharts:\n- name: x\n  repo: https://charts.example.com\n',
      /helmCharts is not allowed/,
    ],
    ['helmGlobals', 'resources: [web.yaml]\nhelmGlobals: {chartHome: /tmp}\n', /helmGlobals is not allowed/],
    [
      'inline exec generator',
      'resources: [web.yaml]\ngenerators:\n- |\n  apiVersion: x\n  kind: Gen\n',
      /generators has an inline plugin configuration/,
    ],
    [
      'plugin file with a function annotation',
      'resources: [web.yaml]\ntransformers: [fn.yaml]\n',
      /transformers entry "fn.yaml" carries the annotation config.kubernetes.io\/function/,
    ],
    [
      'file-reading builtin',
      'resources: [web.yaml]\ntransformers: [patch.yaml]\n',
      /transformers entry "patch.yaml" is not a builtin plugin configuration/,
    ],
    [
      'validator that is a resource',
      'resources: [web.yaml]\nvalidators: [web.yaml]\n',
      /validators entry "web.yaml" is not a builtin/,
    ],
    [
      'function annotation in the kustomization',
      'resources: [web.yaml]\nmetadata:\n  annotations:\n    config.kubernetes.io/function: x\n',
      /annotation config.kubernetes.io\/function is not allowed/,
    ],
    [
      'openapi outside',
      'resources: [web.yaml]\nopenapi: {path: /schema.json}\n',
      /openapi.path entry "\/schema.json" is an absolute path/,
    ],
    [
      'crds outside',
      'resources: [web.yaml]\ncrds: [../crd.yaml]\n',
      /crds entry "..\/crd.yaml" leaves the artifact/,
    ],
    [
      'patch file outside',
      'resources: [web.yaml]\npatches:\n- path: /etc/passwd\n',
      /patches\[0\]\.path entry "\/etc\/passwd" is an absolute path/,
    ],
    ['empty resources', 'resources: []\n', /selects no objects/],
    ['no resources', 'namePrefix: x-\n', /selects no objects/],
    [
      'resources without objects',
      'resources: [empty.yaml]\n',
      /selects no objects \(its resources hold none/,
    ],
  ])('%s is refused naming the field and entry', (_label, body, pattern) => {
    const message = refusal(body);
    expect(message).toMatch(/^unit "kustomization" is refused by the kustomization policy: /);
    expect(message).toMatch(pattern);
    expect(message).not.toContain('Secr3tTokenValue');
  });
});
