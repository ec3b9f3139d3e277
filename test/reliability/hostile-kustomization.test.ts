// Hostile `kustomization` units over real HTTP: the unit becomes the artifact's kustomization.yaml, which
// kustomize-controller builds with cluster-wide rights. A conforming one is published and builds with
// `kubectl kustomize`; each refused one is InvalidUnit naming the field and entry, never reaches storage,
// and the last good artifact stays served with its digest.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { x as extract } from 'tar';
import { beforeAll, describe, expect, it } from 'vitest';
import { useLocalStack } from '../support/local-stack.ts';
import { CHR, condition, download, EA, type Repo, sha256 } from '../support/repositories.ts';
import { walk } from './support/storage-walk.ts';

const KUBECTL = '/usr/bin/kubectl';
const SPACE = 'shop-prod';
const HEAD = 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n';
/** A credential placed in a remote base's userinfo: it must appear nowhere. */
const PASSWORD = 'kpolicyPassw0rdNeverEchoed';

const stack = useLocalStack();

describe('a kustomization unit', () => {
  let good: NonNullable<NonNullable<Repo['status']>['artifact']>;
  let stored: string[];

  beforeAll(async () => {
    stack.emulator.createUnit(SPACE, {
      slug: 'kustomization',
      data: `${HEAD}namePrefix: prod-\nresources:\n- web.yaml\n- ./web-svc.yaml\nconfigMapGenerator:\n- name: props\n  files: [web-properties.properties]\n`,
    });
    await stack.createRepository('kpolicy', 'shop', {
      toolchains: ['Kubernetes/YAML', 'AppConfig/Properties'],
    });
    good = (await stack.waitForReady('kpolicy', 'shop')).status!.artifact!;
    stored = await walk(stack.storagePath);
  });

  it.skipIf(!existsSync(KUBECTL))(
    'that conforms is published and builds with kubectl kustomize',
    async () => {
      const dir = await mkdtemp(join(tmpdir(), 'kpolicy-'));
      try {
        const served = await download(good.url);
        expect(served.status).toBe(200);
        await writeFile(join(dir, 'a.tar.gz'), served.bytes);
        await extract({ file: join(dir, 'a.tar.gz'), cwd: dir, strict: true });
        const { stdout } = await promisify(execFile)(KUBECTL, ['kustomize', dir], { timeout: 30_000 });
        expect(stdout).toMatch(/name: prod-web\n/);
        expect(stdout).toMatch(/name: prod-props-/);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
  );

  const hostile: [string, string, RegExp][] = [
    [
      'remote base with a password',
      `resources:\n- https://alice:${PASSWORD}@github.com/org/repo//deploy?ref=main\n`,
      /resources entry "https:\/\/github.com\/org\/repo\/\/deploy\?…" is a remote location/,
    ],
    [
      'parent escape',
      'resources:\n- ../../../../etc\n',
      /resources entry "..\/..\/..\/..\/etc" leaves the artifact/,
    ],
    [
      'service account token read by a generator',
      'resources: [web.yaml]\nconfigMapGenerator:\n- name: t\n  files: [/var/run/secrets/kubernetes.io/serviceaccount/token]\n',
      /configMapGenerator\[0\]\.files entry "\/var\/run\/secrets\/kubernetes.io\/serviceaccount\/token" is an absolute path/,
    ],
    [
      'helmCharts',
      'resources: [web.yaml]\nhelmCharts:\n- name: evil\n  repo: https://charts.example.com\n',
      /helmCharts is not allowed/,
    ],
    [
      'exec generator',
      'resources: [web.yaml]\ngenerators:\n- |\n  apiVersion: x\n  kind: G\n  metadata:\n    annotations:\n      config.kubernetes.io/function: "exec: {path: /bin/sh}"\n',
      /config.kubernetes.io\/function is not allowed|generators has an inline plugin configuration/,
    ],
    ['empty resources', 'resources: []\n', /selects no objects/],
    ['missing file', 'resources: [gone.yaml]\n', /resources entry "gone.yaml" is not a file of the artifact/],
  ];

  hostile.forEach(([label, body, pattern], i) => {
    it(`${label}: InvalidUnit naming the field and entry, the last artifact stays`, async () => {
      stack.emulator.setUnitData(SPACE, 'kustomization', HEAD + body);
      const repo = await stack.reconcileNow('kpolicy', 'shop', `hostile-${i}`);
      const ready = condition(repo, 'Ready')!;
      expect(ready).toMatchObject({ status: 'False', reason: 'InvalidUnit' });
      expect(ready.message).toContain('unit "kustomization" is refused by the kustomization policy: ');
      expect(ready.message).toMatch(pattern);
      expect(ready.message).toContain('the last artifact stays published');
      expect(repo.status!.artifact).toEqual(good);
      const served = await download(good.url);
      expect(served.status).toBe(200);
      expect(sha256(served.bytes)).toBe(good.digest);
      // The refused tree never reached storage.
      expect(await walk(stack.storagePath)).toEqual(stored);
    });
  });

  it('the password of a refused remote base appears in no status, Event or ExternalArtifact', () => {
    const outputs = JSON.stringify([
      stack.kube.list('events'),
      ...stack.kube.list(CHR).map((o) => o.status),
      ...stack.kube.list(EA),
    ]);
    expect(outputs).toContain('remote location');
    for (let i = 0; i + 12 <= PASSWORD.length; i++) expect(outputs).not.toContain(PASSWORD.slice(i, i + 12));
  });
});
