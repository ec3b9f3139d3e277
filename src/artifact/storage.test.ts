import { mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sha256Hex } from '../util/hash.ts';
import { sha256Digest } from './digest.ts';
import { DigestError, StorageError } from './errors.ts';
import { formatTime, Storage, type StorageOptions, toArtifact } from './storage.ts';

let base: string;
let root: string;
let clock: Date;

function makeStorage(options: Partial<StorageOptions> = {}): Storage {
  return new Storage({
    root,
    advertisedAddress: 'source.flux-system.svc.cluster.local.',
    now: () => clock,
    ...options,
  });
}

async function ready(options: Partial<StorageOptions> = {}): Promise<Storage> {
  const storage = makeStorage(options);
  await storage.init();
  return storage;
}

function expectStorageError(reason: string) {
  return (error: unknown) => error instanceof StorageError && error.reason === reason;
}

beforeEach(async () => {
  base = await mkdtemp(join(tmpdir(), 'storage-test-'));
  root = join(base, 'data');
  clock = new Date('2026-01-02T03:04:05.678Z');
});
afterEach(async () => {
  await rm(base, { recursive: true, force: true });
});

describe('Storage setup and paths', () => {
  it('is ready only after init created a writable root', async () => {
    const storage = makeStorage();
    expect(storage.isReady()).toBe(false);
    await expect(storage.store('ns', 'a', Buffer.from('x'))).rejects.toSatisfy(
      expectStorageError('DirectoryCreationFailed'),
    );
    await storage.init();
    expect(storage.isReady()).toBe(true);
    expect((await stat(root)).isDirectory()).toBe(true);
    expect(await readdir(root)).toEqual([]);
  });

  it('fails init with DirectoryCreationFailed when the root cannot be created', async () => {
    await writeFile(join(base, 'file'), 'x');
    const storage = makeStorage({ root: join(base, 'file', 'data') });
    await expect(storage.init()).rejects.toSatisfy(expectStorageError('DirectoryCreationFailed'));
    expect(storage.isReady()).toBe(false);
  });

  it('builds Flux-style relative paths and URLs', () => {
    const storage = makeStorage();
    const hex = 'a'.repeat(64);
    const path = storage.relativePath('flux-system', 'shop.prod', hex);
    expect(path).toBe(`confighubrepository/flux-system/shop.prod/${hex}.tar.gz`);
    expect(storage.urlFor(path)).toBe(`http://source.flux-system.svc.cluster.local./${path}`);
    expect(makeStorage({ advertisedAddress: 'https://cdn.example.com/base/' }).urlFor(path)).toBe(
      `https://cdn.example.com/base/${path}`,
    );
    expect(makeStorage({ advertisedAddress: 'localhost:9090' }).urlFor(path)).toBe(
      `http://localhost:9090/${path}`,
    );
  });

  it.each([
    ['Flux-System', 'a', 'a'.repeat(64)],
    ['ns', '../etc', 'a'.repeat(64)],
    ['ns', 'a..b', 'a'.repeat(64)],
    ['ns', 'a/b', 'a'.repeat(64)],
    ['', 'a', 'a'.repeat(64)],
    ['ns', 'a', 'A'.repeat(64)],
    ['ns', 'a', '../../x'],
    ['n'.repeat(64), 'a', 'a'.repeat(64)],
  ])('refuses unsafe key %j/%j/%j', (namespace, name, hex) => {
    expect(() => makeStorage().relativePath(namespace, name, hex)).toThrow(StorageError);
  });

  it('refuses absolute paths that leave the root, lexically or through symlinks', async () => {
    const storage = await ready();
    const outside = join(base, 'outside');
    await mkdir(outside);
    await writeFile(join(outside, 'secret'), 'x');
    await mkdir(join(root, 'confighubrepository'), { recursive: true });
    await symlink(outside, join(root, 'confighubrepository', 'escape'));
    await mkdir(join(root, 'inside'));
    await symlink(join(root, 'inside'), join(root, 'confighubrepository', 'ok'));
    for (const path of [
      '../outside/secret',
      '/etc/passwd',
      'a/../../outside',
      'a\\b',
      'confighubrepository/escape/secret',
    ]) {
      await expect(storage.absolutePath(path), path).rejects.toSatisfy(expectStorageError('InvalidPath'));
    }
    expect(await storage.absolutePath('confighubrepository/ok/new-file')).toBe(
      join(root, 'confighubrepository/ok/new-file'),
    );
    expect(await storage.absolutePath('missing/deeper/file')).toBe(join(root, 'missing/deeper/file'));
  });

  it('still refuses symlinks out of directories it has already resolved, and after they are removed', async () => {
    const storage = await ready();
    const outside = join(base, 'outside');
    await mkdir(outside);
    await writeFile(join(outside, 'secret'), 'x');
    const stored = await storage.store('ns', 'repo', Buffer.from('abc'));
    expect(await storage.absolutePath(stored.path)).toBe(join(root, stored.path));
    const dir = join(root, 'confighubrepository/ns/repo');
    await symlink(join(outside, 'secret'), join(dir, 'escape.tar.gz'));
    await expect(storage.absolutePath('confighubrepository/ns/repo/escape.tar.gz')).rejects.toSatisfy(
      expectStorageError('InvalidPath'),
    );
    await storage.removeObjectDir('ns', 'repo');
    await mkdir(join(root, 'confighubrepository/ns'), { recursive: true });
    await symlink(outside, dir);
    await expect(storage.absolutePath('confighubrepository/ns/repo/secret')).rejects.toSatisfy(
      expectStorageError('InvalidPath'),
    );
  });
});

describe('Storage.store', () => {
  it('publishes a content-addressed file with its digest, size, URL and time', async () => {
    const storage = await ready();
    const bytes = Buffer.from('artifact bytes');
    const stored = await storage.store('ns', 'repo', bytes);
    const hex = sha256Hex(bytes);
    expect(stored).toEqual({
      path: `confighubrepository/ns/repo/${hex}.tar.gz`,
      url: `http://source.flux-system.svc.cluster.local./confighubrepository/ns/repo/${hex}.tar.gz`,
      digest: sha256Digest(bytes),
      size: bytes.length,
      lastUpdateTime: '2026-01-02T03:04:05Z',
      outcome: 'created',
    });
    const absolute = join(root, stored.path);
    expect((await readFile(absolute)).equals(bytes)).toBe(true);
    const info = await stat(absolute);
    expect(info.mode & 0o777).toBe(0o600);
    expect(Math.floor(info.mtimeMs / 1000)).toBe(Math.floor(clock.getTime() / 1000));
    expect(await readdir(join(root, 'confighubrepository/ns/repo'))).toEqual([`${hex}.tar.gz`]);
    expect(toArtifact(stored, `head@${stored.digest}`)).toEqual({
      path: stored.path,
      url: stored.url,
      revision: `head@${stored.digest}`,
      digest: stored.digest,
      lastUpdateTime: stored.lastUpdateTime,
      size: stored.size,
    });
  });

  it('reuses an identical published file without rewriting it', async () => {
    const storage = await ready();
    const first = await storage.store('ns', 'repo', Buffer.from('same'));
    const before = await stat(join(root, first.path));
    clock = new Date('2026-01-02T04:00:00Z');
    const second = await storage.store('ns', 'repo', Buffer.from('same'));
    const after = await stat(join(root, first.path));
    expect(second.outcome).toBe('reused');
    expect(second.lastUpdateTime).toBe(first.lastUpdateTime);
    expect(after.ino).toBe(before.ino);
    expect(after.mtimeMs).toBe(before.mtimeMs);
  });

  it('repairs a corrupted file through a new file and rename', async () => {
    const storage = await ready();
    const bytes = Buffer.from('good content');
    const first = await storage.store('ns', 'repo', bytes);
    const absolute = join(root, first.path);
    await writeFile(absolute, 'tampered');
    const inode = (await stat(absolute)).ino;
    expect(await storage.verify(first.path, first.digest)).toBe('mismatch');
    clock = new Date('2026-01-02T05:00:00Z');
    const repaired = await storage.store('ns', 'repo', bytes);
    expect(repaired.outcome).toBe('repaired');
    expect(repaired.lastUpdateTime).toBe('2026-01-02T05:00:00Z');
    expect((await readFile(absolute)).equals(bytes)).toBe(true);
    expect((await stat(absolute)).ino).not.toBe(inode);
    expect(await storage.verify(first.path, first.digest)).toBe('ok');
  });

  it('serialises concurrent stores of the same object', async () => {
    const storage = await ready();
    const results = await Promise.all([1, 2, 3].map(() => storage.store('ns', 'repo', Buffer.from('x'))));
    expect(results.map((r) => r.outcome).sort()).toEqual(['created', 'reused', 'reused']);
  });

  it('never exposes a partially written file at the published path', async () => {
    const storage = await ready();
    const bytes = Buffer.alloc(48 * 1024 * 1024, 7);
    const dir = join(root, 'confighubrepository/ns/big');
    const final = `${sha256Hex(bytes)}.tar.gz`;
    const seen = new Set<string>();
    let partialFinal = false;
    let done = false;
    const poll = (async () => {
      while (!done) {
        const names = await readdir(dir).catch(() => [] as string[]);
        for (const name of names) {
          seen.add(name.startsWith('.') ? 'temp' : name);
          if (name === final) {
            const size = (await stat(join(dir, name)).catch(() => undefined))?.size;
            if (size !== undefined && size !== bytes.length) partialFinal = true;
          }
        }
        await new Promise((resolve) => setImmediate(resolve));
      }
    })();
    const stored = await storage.store('ns', 'big', bytes);
    done = true;
    await poll;
    expect(stored.size).toBe(bytes.length);
    expect(seen.has('temp')).toBe(true);
    expect(partialFinal).toBe(false);
    expect(await readdir(dir)).toEqual([final]);
  });
});

describe('Storage.verify', () => {
  it('reports ok, missing and mismatch', async () => {
    const storage = await ready();
    const stored = await storage.store('ns', 'repo', Buffer.from('abc'));
    expect(await storage.verify(stored.path, stored.digest)).toBe('ok');
    expect(await storage.verify(stored.path, sha256Digest(Buffer.from('abd')))).toBe('mismatch');
    const missing = storage.relativePath('ns', 'repo', 'b'.repeat(64));
    expect(await storage.verify(missing, stored.digest)).toBe('missing');
    expect(await storage.verify('confighubrepository/none/x/y.tar.gz', stored.digest)).toBe('missing');
    await expect(storage.verify(stored.path, 'md5:abc')).rejects.toBeInstanceOf(DigestError);
    await expect(storage.verify('../x', stored.digest)).rejects.toSatisfy(expectStorageError('InvalidPath'));
  });

  it('notices a file changed in place even with its size and mtime kept', async () => {
    const storage = await ready();
    const stored = await storage.store('ns', 'repo', Buffer.from('abc'));
    expect(await storage.verify(stored.path, stored.digest)).toBe('ok');
    const absolute = join(root, stored.path);
    const before = await stat(absolute);
    await writeFile(absolute, 'abd');
    await utimes(absolute, before.atime, before.mtime);
    expect(await storage.verify(stored.path, stored.digest)).toBe('mismatch');
    // A fresh process (no record yet) hashes the file.
    expect(await (await ready()).verify(stored.path, stored.digest)).toBe('mismatch');
  });

  it('tells listeners which files were rewritten or deleted', async () => {
    const storage = await ready();
    const changed: string[] = [];
    storage.onChange((path) => changed.push(path));
    const stored = await storage.store('ns', 'repo', Buffer.from('abc'));
    await storage.store('ns', 'repo', Buffer.from('abc'));
    expect(changed).toEqual([stored.path]);
    await storage.removeObjectDir('ns', 'repo');
    expect(changed).toEqual([stored.path, 'confighubrepository/ns/repo']);
  });
});

describe('Storage.gc', () => {
  async function storeAt(storage: Storage, content: string, at: string) {
    clock = new Date(at);
    return storage.store('ns', 'repo', Buffer.from(content));
  }

  it('keeps at most retentionRecords files, current included, and removes their locks', async () => {
    const storage = await ready({ retentionTtlMs: 3_600_000 });
    const a = await storeAt(storage, 'a', '2026-01-02T10:00:00Z');
    const b = await storeAt(storage, 'b', '2026-01-02T10:00:10Z');
    const c = await storeAt(storage, 'c', '2026-01-02T10:00:20Z');
    const d = await storeAt(storage, 'd', '2026-01-02T10:00:30Z');
    const dir = join(root, 'confighubrepository/ns/repo');
    await writeFile(join(root, `${a.path}.lock`), '');
    await writeFile(join(root, `${c.path}.lock`), '');
    await mkdir(join(dir, 'subdir'));
    await symlink(join(root, a.path), join(dir, 'latest.tar.gz'));
    // The current artifact is the oldest one: it is kept, the next oldest go.
    const { deleted } = await storage.gc('ns', 'repo', a.path);
    expect(deleted.sort()).toEqual([b.path, c.path].sort());
    const left = (await readdir(dir)).sort();
    expect(left).toEqual(
      [a.path, `${a.path}.lock`, d.path]
        .map((p) => p.split('/').pop()!)
        .concat(['latest.tar.gz', 'subdir'])
        .sort(),
    );
  });

  it('deletes non-current files older than the TTL by mtime', async () => {
    const storage = await ready({ retentionRecords: 5 });
    const a = await storeAt(storage, 'a', '2026-01-02T10:00:00Z');
    const b = await storeAt(storage, 'b', '2026-01-02T10:00:00Z');
    const c = await storeAt(storage, 'c', '2026-01-02T10:00:00Z');
    // Age b with utimes: it is past the 60 s TTL, a and c are not.
    await utimes(join(root, b.path), new Date('2026-01-02T09:58:00Z'), new Date('2026-01-02T09:58:00Z'));
    clock = new Date('2026-01-02T10:00:30Z');
    expect((await storage.gc('ns', 'repo', c.path)).deleted).toEqual([b.path]);
    clock = new Date('2026-01-02T10:02:00Z');
    expect((await storage.gc('ns', 'repo', c.path)).deleted).toEqual([a.path]);
    expect(await storage.verify(c.path, c.digest)).toBe('ok');
  });

  it('removes stale temp files and ignores a missing directory', async () => {
    const storage = await ready();
    const a = await storeAt(storage, 'a', '2026-01-02T10:00:00Z');
    const dir = join(root, 'confighubrepository/ns/repo');
    await writeFile(join(dir, '.deadbeef.tmp'), 'partial');
    await writeFile(join(dir, '.fresh.tmp'), 'partial');
    await utimes(
      join(dir, '.deadbeef.tmp'),
      new Date('2026-01-02T09:00:00Z'),
      new Date('2026-01-02T09:00:00Z'),
    );
    await utimes(join(dir, '.fresh.tmp'), clock, clock);
    expect((await storage.gc('ns', 'repo', a.path)).deleted).toEqual([
      'confighubrepository/ns/repo/.deadbeef.tmp',
    ]);
    expect(await storage.gc('ns', 'other', undefined)).toEqual({ deleted: [] });
  });

  it('skips the directory walk until a kept file can pass the TTL or the directory changes', async () => {
    const storage = await ready({ retentionRecords: 5 });
    const a = await storeAt(storage, 'a', '2026-01-02T10:00:00Z');
    const b = await storeAt(storage, 'b', '2026-01-02T10:00:30Z');
    expect((await storage.gc('ns', 'repo', b.path)).deleted).toEqual([]);
    // Written behind Storage's back: a quiet pass does not look, so it is not seen yet.
    const dir = join(root, 'confighubrepository/ns/repo');
    await writeFile(join(dir, '.stale.tmp'), 'partial');
    await utimes(join(dir, '.stale.tmp'), new Date('2026-01-02T09:00:00Z'), new Date('2026-01-02T09:00:00Z'));
    clock = new Date('2026-01-02T10:01:00Z');
    expect((await storage.gc('ns', 'repo', b.path)).deleted).toEqual([]);
    // a (10:00:00) passes the 60 s TTL: the walk runs again and sees everything.
    clock = new Date('2026-01-02T10:01:01Z');
    expect((await storage.gc('ns', 'repo', b.path)).deleted).toEqual([
      a.path,
      'confighubrepository/ns/repo/.stale.tmp',
    ]);
    // A new current file: the previous one is now a candidate, so the walk runs at once.
    await writeFile(join(dir, '.stale2.tmp'), 'partial');
    await utimes(
      join(dir, '.stale2.tmp'),
      new Date('2026-01-02T09:00:00Z'),
      new Date('2026-01-02T09:00:00Z'),
    );
    const c = await storeAt(storage, 'c', '2026-01-02T10:01:02Z');
    expect((await storage.gc('ns', 'repo', c.path)).deleted).toEqual([
      'confighubrepository/ns/repo/.stale2.tmp',
    ]);
  });

  it('refuses a current path that is not in the object directory', async () => {
    const storage = await ready();
    const other = storage.relativePath('ns', 'other', 'a'.repeat(64));
    await expect(storage.gc('ns', 'repo', other)).rejects.toSatisfy(expectStorageError('InvalidPath'));
  });
});

describe('object directories', () => {
  it('lists object directories and removes one without touching others', async () => {
    const storage = await ready();
    await storage.store('ns', 'a', Buffer.from('1'));
    await storage.store('ns', 'b', Buffer.from('2'));
    await storage.store('other', 'c.d', Buffer.from('3'));
    await mkdir(join(root, 'confighubrepository/BAD_NS/x'), { recursive: true });
    expect((await storage.listObjectDirs()).map((d) => `${d.namespace}/${d.name}`)).toEqual([
      'ns/a',
      'ns/b',
      'other/c.d',
    ]);
    await storage.removeObjectDir('ns', 'a');
    await storage.removeObjectDir('other', 'c.d');
    await storage.removeObjectDir('ns', 'never-existed');
    expect((await storage.listObjectDirs()).map((d) => d.path)).toEqual(['confighubrepository/ns/b']);
    expect(await readdir(join(root, 'confighubrepository'))).not.toContain('other');
  });
});

describe('formatTime', () => {
  it('formats RFC 3339 UTC with second precision', () => {
    expect(formatTime(new Date('2026-03-04T05:06:07.999Z'))).toBe('2026-03-04T05:06:07Z');
  });
});
