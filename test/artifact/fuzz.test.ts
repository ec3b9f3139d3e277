// Seeded fuzzing of every place a name becomes a path: path validation, the unit layout, the tar
// builder and the HTTP server. Whatever the name, nothing may land or be served outside the root.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve, sep } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildTar,
  relativePathProblem,
  Storage,
  type StoreResult,
  UnsafeNameError,
  UnsafePathError,
  unitsToFiles,
} from '../../src/artifact/index.ts';
import { createArtifactHandler } from '../../src/server/artifact-server.ts';
import { type RunningServer, startHttpServer } from '../../src/server/listen.ts';
import { ESCAPE_FRAGMENTS } from '../support/path-fragments.ts';
import { prng } from '../support/prng.ts';
import { rawRequest } from './helpers/raw-http.ts';
import { fluxTree, readTar } from './helpers/tar-reader.ts';

const FRAGMENTS = [
  ...ESCAPE_FRAGMENTS,
  '%2f',
  '%5c',
  '%00',
  '%25',
  'a',
  'B',
  '-',
  '_',
  ' ',
  'secret',
  'confighubrepository',
  'ns',
  '\uff0e',
  '\u2215',
  '\u00e9',
  '\ud800',
  'x'.repeat(60),
  '~',
  ':',
  '*',
];

function randomName(next: () => number): string {
  const parts = 1 + Math.floor(next() * 8);
  let name = '';
  for (let i = 0; i < parts; i++) name += FRAGMENTS[Math.floor(next() * FRAGMENTS.length)];
  return name;
}

const ITERATIONS = 400;
const ROOT = resolve('/fuzz-root');
const inside = (path: string) => {
  const absolute = resolve(ROOT, path);
  return absolute === ROOT || absolute.startsWith(ROOT + sep);
};

describe('fuzz: names never escape', () => {
  it('accepted relative paths always resolve inside the root', () => {
    const next = prng(1);
    let accepted = 0;
    for (let i = 0; i < ITERATIONS * 5; i++) {
      const name = randomName(next);
      if (relativePathProblem(name) !== undefined) continue;
      accepted++;
      expect(inside(name), JSON.stringify(name)).toBe(true);
      expect(name.split('/')).not.toContain('..');
    }
    expect(accepted).toBeGreaterThan(50);
  });

  it('the tar builder either refuses a name or writes entries Flux extracts inside the root', () => {
    const next = prng(2);
    let built = 0;
    for (let i = 0; i < ITERATIONS; i++) {
      const paths = [randomName(next), randomName(next)];
      let tar: Buffer;
      try {
        tar = buildTar(paths.map((path) => ({ path, data: Buffer.from(path) })));
      } catch (error) {
        expect(error).toBeInstanceOf(UnsafePathError);
        continue;
      }
      built++;
      const tree = fluxTree(readTar(tar).entries);
      for (const path of tree.keys()) expect(inside(path), JSON.stringify(path)).toBe(true);
      for (const path of paths) expect(tree.get(path)?.equals(Buffer.from(path))).toBe(true);
    }
    expect(built).toBeGreaterThan(20);
  });

  it('the layout either refuses a slug or writes one top-level file for it', () => {
    const next = prng(3);
    let accepted = 0;
    for (let i = 0; i < ITERATIONS; i++) {
      const slug = randomName(next);
      const yaml = 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n';
      let files: ReturnType<typeof unitsToFiles>;
      try {
        files = unitsToFiles([{ slug, toolchainType: 'Kubernetes/YAML', data: Buffer.from(yaml) }]);
      } catch (error) {
        expect(error).toBeInstanceOf(UnsafeNameError);
        expect((error as Error).message).toMatch(/^[\u0020-\u007e]*$/);
        continue;
      }
      accepted++;
      expect(files.map((f) => f.path)).toEqual([`${slug}.yaml`, 'kustomization.yaml']);
      expect(slug).toMatch(/^[A-Za-z0-9_][A-Za-z0-9._-]*$/);
    }
    expect(accepted).toBeGreaterThan(10);
  });
});

describe('fuzz: the server never serves outside the root', () => {
  const SECRET = 'FUZZ-SECRET-OUTSIDE';
  let base: string;
  let server: RunningServer;
  let stored: StoreResult;

  beforeAll(async () => {
    base = await mkdtemp(join(tmpdir(), 'fuzz-server-'));
    await writeFile(join(base, 'secret'), SECRET);
    const storage = new Storage({ root: join(base, 'data'), advertisedAddress: 'unused' });
    await storage.init();
    stored = await storage.store('ns', 'repo', Buffer.from('inside'));
    server = await startHttpServer(createArtifactHandler({ storage, isLeader: () => true }), '127.0.0.1:0');
  });
  afterAll(async () => {
    await server?.close();
    await rm(base, { recursive: true, force: true });
  });

  it('answers random paths with 400/404, or 200 only for the stored file', async () => {
    const next = prng(4);
    // Printable ASCII without spaces, so each request line stays a single HTTP request.
    const urlSafe = (name: string) =>
      [...Buffer.from(name, 'utf8')]
        .map((byte) =>
          byte > 0x20 && byte < 0x7f ? String.fromCharCode(byte) : `%${byte.toString(16).padStart(2, '0')}`,
        )
        .join('');
    const statuses = new Map<number, number>();
    for (let i = 0; i < 150; i++) {
      const path = `/${urlSafe(randomName(next))}${next() < 0.3 ? `/${stored.path}` : ''}`;
      const response = await rawRequest(server.url, path);
      statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
      expect(response.body.toString()).not.toContain(SECRET);
      if (response.status === 200) expect(response.body.toString()).toBe('inside');
      else expect([400, 404], path).toContain(response.status);
    }
    expect(statuses.get(404)).toBeGreaterThan(0);
  });
});
