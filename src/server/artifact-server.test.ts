import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawRequest } from '../../test/artifact/helpers/raw-http.ts';
import { type ChangeListener, Storage, type StoreResult } from '../artifact/storage.ts';
import { buildTarGz } from '../artifact/tarball.ts';
import { createArtifactHandler } from './artifact-server.ts';
import { type RunningServer, startHttpServer } from './listen.ts';

const SECRET = 'TOP-SECRET-OUTSIDE-ROOT';
let base: string;
let storage: Storage;
let server: RunningServer;
let stored: StoreResult;
let leader = true;

beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'artifact-server-'));
  await writeFile(join(base, 'secret'), SECRET);
  storage = new Storage({ root: join(base, 'data'), advertisedAddress: 'unused' });
  await storage.init();
  stored = await storage.store(
    'ns',
    'repo',
    await buildTarGz([{ path: 'a.yaml', data: Buffer.from('x'.repeat(5000)) }]),
  );
  const dir = join(base, 'data', 'confighubrepository/ns/repo');
  await writeFile(join(dir, `${stored.path.split('/').pop()}.lock`), 'lock');
  await writeFile(join(dir, '.0123.tmp'), 'partial');
  await symlink(join(base, 'secret'), join(dir, 'escape.tar.gz'));
  await symlink(join(base, 'data', stored.path), join(dir, 'latest.tar.gz'));
  await symlink(base, join(base, 'data', 'confighubrepository', 'up'));
  await mkdir(join(base, 'data', 'plain'));
  await writeFile(join(base, 'data', 'plain', 'file.txt'), 'plain');
  server = await startHttpServer(createArtifactHandler({ storage, isLeader: () => leader }), '127.0.0.1:0');
});

afterAll(async () => {
  await server?.close();
  await rm(base, { recursive: true, force: true });
});

const sha256 = (bytes: Uint8Array) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

describe('artifact server: memory cache', () => {
  it('serves a small artifact from memory until Storage rewrites or deletes it', async () => {
    let lookups = 0;
    const counted = {
      isReady: () => storage.isReady(),
      absolutePath: (path: string) => {
        lookups++;
        return storage.absolutePath(path);
      },
      onChange: (listener: ChangeListener) => storage.onChange(listener),
    };
    const cached = await storage.store('ns', 'cached', Buffer.from('small artifact'));
    const own = await startHttpServer(
      createArtifactHandler({ storage: counted, isLeader: () => true }),
      '127.0.0.1:0',
    );
    try {
      for (let i = 0; i < 5; i++) {
        const response = await fetch(`${own.url}/${cached.path}`);
        expect(Buffer.from(await response.arrayBuffer()).toString()).toBe('small artifact');
        expect(response.headers.get('content-length')).toBe(String(cached.size));
      }
      const head = await fetch(`${own.url}/${cached.path}`, { method: 'HEAD' });
      expect([head.status, head.headers.get('content-length')]).toEqual([200, String(cached.size)]);
      expect(lookups).toBe(1);
      await storage.removeObjectDir('ns', 'cached');
      expect((await fetch(`${own.url}/${cached.path}`)).status).toBe(404);
      expect(lookups).toBe(2);
    } finally {
      await own.close();
    }
  });
});

describe('artifact server: files', () => {
  it('serves the exact bytes whose sha256 is the published digest', async () => {
    const response = await fetch(`${server.url}/${stored.path}`);
    expect(response.status).toBe(200);
    const body = Buffer.from(await response.arrayBuffer());
    expect(sha256(body)).toBe(stored.digest);
    expect(body.length).toBe(stored.size);
    expect(response.headers.get('content-type')).toBe('application/gzip');
    expect(response.headers.get('content-length')).toBe(String(stored.size));
    expect(response.headers.get('last-modified')).toBeTruthy();
  });

  it('never sets Content-Encoding, even when gzip is accepted', async () => {
    const response = await rawRequest(server.url, `/${stored.path}`, {
      headers: { 'Accept-Encoding': 'gzip' },
    });
    expect(response.status).toBe(200);
    expect(response.headers.has('content-encoding')).toBe(false);
    expect(response.headers.has('transfer-encoding')).toBe(false);
    expect(sha256(response.body)).toBe(stored.digest);
  });

  it('answers HEAD with headers only', async () => {
    const response = await rawRequest(server.url, `/${stored.path}`, { method: 'HEAD' });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-length')).toBe(String(stored.size));
    expect(response.body.length).toBe(0);
  });

  it('ignores a query string', async () => {
    expect((await fetch(`${server.url}/${stored.path}?x=1`)).status).toBe(200);
  });

  it('serves other regular files and rejects other methods', async () => {
    const plain = await fetch(`${server.url}/plain/file.txt`);
    expect(plain.status).toBe(200);
    expect(plain.headers.get('content-type')).toBe('application/octet-stream');
    const post = await fetch(`${server.url}/${stored.path}`, { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
  });

  it.each([
    ['a missing file', 'confighubrepository/ns/repo/0000.tar.gz'],
    ['a directory', 'confighubrepository/ns/repo'],
    ['a lock file', '<stored artifact>.lock'],
    ['a temp file', 'confighubrepository/ns/repo/.0123.tmp'],
    ['a symlink leaving the root', 'confighubrepository/ns/repo/escape.tar.gz'],
    ['a symlink inside the root', 'confighubrepository/ns/repo/latest.tar.gz'],
    ['a path through a symlinked directory leaving the root', 'confighubrepository/up/secret'],
  ])('returns 404 for %s', async (_label, path) => {
    const target = path.replace('<stored artifact>', stored.path);
    const response = await rawRequest(server.url, `/${target}`);
    expect(response.status).toBe(404);
    expect(response.body.toString()).not.toContain(SECRET);
  });
});

describe('artifact server: traversal', () => {
  const attempts = [
    '/../secret',
    '/../../secret',
    '/confighubrepository/../../secret',
    '/%2e%2e/secret',
    '/%2E%2E/secret',
    '/..%2fsecret',
    '/%2e%2e%2fsecret',
    '/confighubrepository/ns/%2e%2e%2f%2e%2e%2f%2e%2e%2fsecret',
    '/%252e%252e/secret',
    '/%252e%252e%252fsecret',
    '/..\\secret',
    '/%5c..%5csecret',
    '/..%5csecret',
    '/%00',
    '/secret%00.tar.gz',
    '/%c0%ae%c0%ae/secret',
    '/%',
    '//secret',
    '/./secret',
    '/confighubrepository/up/secret',
    `/${'../'.repeat(20)}etc/passwd`,
    'http://evil/../secret',
    '*',
  ];
  it.each(attempts)('%s never returns a file outside the root', async (path) => {
    const response = await rawRequest(server.url, path);
    expect([400, 404]).toContain(response.status);
    expect(response.body.toString()).not.toContain(SECRET);
    expect(response.body.toString()).not.toContain('root:');
  });
});

describe('artifact server: readiness', () => {
  it('GET / is 200 only when storage is ready and this replica leads', async () => {
    leader = true;
    const ok = await fetch(`${server.url}/`);
    expect(ok.status).toBe(200);
    expect(await ok.text()).toBe('ok\n');
    leader = false;
    const follower = await fetch(`${server.url}/`);
    expect(follower.status).toBe(503);
    expect(await follower.text()).toContain('not the leader');
    // Files stay served on a follower: the Service only routes to ready pods anyway.
    expect((await fetch(`${server.url}/${stored.path}`)).status).toBe(200);
    leader = true;

    const cold = new Storage({ root: join(base, 'cold'), advertisedAddress: 'unused' });
    const coldServer = await startHttpServer(
      createArtifactHandler({ storage: cold, isLeader: () => true }),
      '127.0.0.1:0',
    );
    try {
      const notReady = await fetch(`${coldServer.url}/`);
      expect(notReady.status).toBe(503);
      expect(await notReady.text()).toContain('storage not initialised');
      expect((await fetch(`${coldServer.url}/${stored.path}`)).status).toBe(404);
      await cold.init();
      expect((await fetch(`${coldServer.url}/`)).status).toBe(200);
    } finally {
      await coldServer.close();
    }
  });
});
