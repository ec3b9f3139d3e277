import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { VerifiedFiles } from './verified-files.ts';

let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'verified-files-'));
});
afterEach(() => rm(root, { recursive: true, force: true }));

async function stored(relativePath: string, content: string) {
  const absolute = join(root, relativePath);
  await mkdir(join(absolute, '..'), { recursive: true });
  await writeFile(absolute, content);
  const hex = createHash('sha256').update(content).digest('hex');
  return { absolute, relativePath, hex, digest: `sha256:${hex}` };
}

describe('VerifiedFiles', () => {
  it('remembers a hashed file, and forgets a file or a whole directory', async () => {
    const files = new VerifiedFiles();
    const a = await stored('kind/ns/a/1.tar.gz', 'one');
    const a2 = await stored('kind/ns/a/2.tar.gz', 'two');
    const b = await stored('kind/ns/b/1.tar.gz', 'three');
    for (const f of [a, a2, b]) {
      expect((await files.check(f.absolute, f.relativePath, f.digest, f.hex)).result).toBe('ok');
    }
    expect(files.size).toBe(3);
    files.forget(a.relativePath, 'file');
    expect(files.size).toBe(2);
    files.forget('kind/ns/a', 'directory');
    expect(files.size).toBe(1);
    // A directory whose name starts like another's is a different directory.
    files.forget('kind/ns/b/1', 'directory');
    expect(files.size).toBe(1);
  });

  it('hashes again a file changed behind its back, and refuses it when the digest differs', async () => {
    const files = new VerifiedFiles();
    const a = await stored('kind/ns/a/1.tar.gz', 'one');
    expect((await files.check(a.absolute, a.relativePath, a.digest, a.hex)).result).toBe('ok');
    await writeFile(a.absolute, 'tampered, and longer');
    expect((await files.check(a.absolute, a.relativePath, a.digest, a.hex)).result).toBe('mismatch');
  });
});
