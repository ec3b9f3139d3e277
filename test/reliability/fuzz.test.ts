// Seeded fuzzing of the whole path a unit name and a request path travel: the layout and tar builder
// (checked by extracting with the system's GNU tar into a jail), and the running controller's artifact
// server with symlinks planted in its storage (only the published file may ever answer 200).
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTarGz, UnsafeNameError, unitsToFiles } from '../../src/artifact/index.ts';
import { rawRequest } from '../artifact/helpers/raw-http.ts';
import { useLocalStack } from '../support/local-stack.ts';
import { ESCAPE_FRAGMENTS } from '../support/path-fragments.ts';
import { prng } from '../support/prng.ts';
import { type Repo, sha256 } from '../support/repositories.ts';
import { walk } from './support/storage-walk.ts';

const FRAGMENTS = [
  ...ESCAPE_FRAGMENTS,
  '%2E',
  '%2f',
  '%5c',
  '%00',
  '%252e',
  '%c0%ae',
  '..%2f',
  '%2e%2e%2f',
  ';',
  '?',
  '#',
  'a',
  'web',
  '-',
  '_',
  ' ',
  '\uff0e',
  '\u2215',
  '\u0435',
  '~',
  ':',
  'confighubrepository',
  'fuzz',
  'shop',
  'x'.repeat(90),
  'kustomization',
  '.tar.gz',
  'outside.txt',
];
/** Benign pieces too, so that a fair share of names is accepted and really extracted. */
const SAFE = ['a', 'web', 'svc', '-', '_', '.', '0', 'Z', 'config'];
const pick = (next: () => number) =>
  next() < 0.6 ? SAFE[Math.floor(next() * SAFE.length)]! : FRAGMENTS[Math.floor(next() * FRAGMENTS.length)]!;
const randomName = (next: () => number) => {
  let name = '';
  for (let i = 1 + Math.floor(next() * 6); i > 0; i--) name += pick(next);
  return name;
};

const hasGnuTar = (() => {
  try {
    return execFileSync('tar', ['--version'], { encoding: 'utf8' }).includes('GNU tar');
  } catch {
    return false;
  }
})();

describe('fuzz: unit names through layout, tar builder and GNU tar', () => {
  let jail: string;
  beforeAll(async () => {
    jail = await mkdtemp(join(tmpdir(), 'fuzz-jail-'));
  });
  afterAll(async () => {
    await rm(jail, { recursive: true, force: true });
  });

  it.skipIf(!hasGnuTar)(
    'every accepted name extracts to exactly its file inside the jail (GNU tar needed)',
    async () => {
      const next = prng(8);
      const yaml = (slug: string) =>
        Buffer.from(`apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${JSON.stringify(slug)}\n`);
      let accepted = 0;
      for (let i = 0; i < 150; i++) {
        const slugs = [randomName(next), randomName(next), 'web'];
        let bytes: Buffer;
        try {
          bytes = await buildTarGz(
            unitsToFiles(slugs.map((slug) => ({ slug, toolchainType: 'Kubernetes/YAML', data: yaml(slug) }))),
          );
        } catch (error) {
          expect(error, JSON.stringify(slugs)).toBeInstanceOf(UnsafeNameError);
          continue;
        }
        accepted++;
        const dir = join(jail, String(i), 'root');
        await mkdir(dir, { recursive: true });
        await writeFile(join(jail, String(i), 'a.tar.gz'), bytes);
        execFileSync('tar', ['-xzf', join(jail, String(i), 'a.tar.gz'), '-C', dir]);
        // Nothing next to the root, nothing but regular files in it.
        expect(await walk(join(jail, String(i)))).toEqual(
          ['a.tar.gz', ...[...new Set(slugs)].map((s) => `root/${s}.yaml`), 'root/kustomization.yaml'].sort(),
        );
      }
      expect(accepted).toBeGreaterThan(5);
    },
  );
});

describe('fuzz: request paths against the running controller', () => {
  const stack = useLocalStack();
  let artifact: NonNullable<NonNullable<Repo['status']>['artifact']>;
  beforeAll(async () => {
    await stack.createRepository('fuzz', 'shop');
    artifact = (await stack.waitForReady('fuzz', 'shop')).status!.artifact!;
    const outside = join(stack.storagePath, '..', 'outside.txt');
    await writeFile(outside, 'FUZZ-OUTSIDE-SECRET');
    const objectDir = join(stack.storagePath, 'confighubrepository', 'fuzz', 'shop');
    await symlink(outside, join(objectDir, 'outside.txt'));
    await symlink(join(stack.storagePath, '..'), join(objectDir, 'up'));
    await symlink(outside, join(stack.storagePath, 'outside.txt'));
  });
  afterAll(async () => {
    await rm(join(stack.storagePath, '..', 'outside.txt'), { force: true });
  });

  it('answers 400/404 to every random path; 200 only for the published file, with its bytes', async () => {
    const next = prng(9);
    const base = stack.controller!.servers.artifacts.url;
    const published = `/${artifact.path}`;
    const statuses = new Map<number, number>();
    for (let i = 0; i < 400; i++) {
      const prefix = next() < 0.5 ? '/confighubrepository/fuzz/shop/' : '/';
      const path = next() < 0.05 ? published : `${prefix}${randomName(next)}`;
      const response = await rawRequest(base, path);
      statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
      expect(response.body.toString('latin1'), path).not.toContain('FUZZ-OUTSIDE-SECRET');
      const probe = /^\/(\?.*)?$/.test(path); // `GET /` (and `/?…`) is the readiness probe
      if (response.status === 200 && probe) {
        expect(response.body.toString('utf8')).toBe('ok\n');
      } else if (response.status === 200) {
        expect(path).toBe(published);
        expect(sha256(response.body), path).toBe(artifact.digest);
      } else {
        expect([400, 404], path).toContain(response.status);
      }
    }
    expect(statuses.get(200) ?? 0).toBeGreaterThan(0);
    expect((statuses.get(404) ?? 0) + (statuses.get(400) ?? 0)).toBeGreaterThan(300);
  });
});
