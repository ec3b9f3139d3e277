import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { ArtifactFetchError, untar, verifyDigest } from './fetch-artifact.ts';

/** A ustar entry, written by hand so unsafe names and types can be tested. */
function entry(name: string, type: string, body = '', linkname = ''): Buffer {
  const header = Buffer.alloc(512);
  header.write(name, 0);
  header.write('0000644\0', 100);
  header.write(`${Buffer.byteLength(body).toString(8).padStart(11, '0')}\0`, 124);
  header.write('00000000000\0', 136);
  header.write(type, 156);
  header.write(linkname, 157);
  header.write('ustar\0' + '00', 257);
  header.fill(' ', 148, 156);
  const sum = header.reduce((a, b) => a + b, 0);
  header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  const data = Buffer.alloc(Math.ceil(Buffer.byteLength(body) / 512) * 512);
  data.write(body);
  return Buffer.concat([header, data]);
}
const archive = (...entries: Buffer[]) => gzipSync(Buffer.concat([...entries, Buffer.alloc(1024)]));

describe('artifact download rules (fluxcd/pkg fetch + untar)', () => {
  let dir: string | undefined;
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('extracts files and directories and skips symlinks', async () => {
    dir = await mkdtemp(join(tmpdir(), 'untar-'));
    await untar(
      archive(
        entry('apps/', '5'),
        entry('apps/a.yaml', '0', 'kind: A\n'),
        entry('link', '2', '', '/etc/passwd'),
      ),
      dir,
    );
    expect(await readFile(join(dir, 'apps/a.yaml'), 'utf8')).toBe('kind: A\n');
    expect(existsSync(join(dir, 'link'))).toBe(false);
  });

  it.each(['../escape.yaml', '/abs.yaml', 'a\\b.yaml'])('refuses the entry name %s', async (name) => {
    dir = await mkdtemp(join(tmpdir(), 'untar-'));
    await expect(untar(archive(entry(name, '0', 'x')), dir)).rejects.toThrow(ArtifactFetchError);
  });

  it('refuses device files and non-gzip bodies', async () => {
    dir = await mkdtemp(join(tmpdir(), 'untar-'));
    await expect(untar(archive(entry('dev', '3')), dir)).rejects.toThrow(/unsupported file type/);
    await expect(untar(Buffer.from('plain tar'), dir)).rejects.toThrow(/gzip/);
  });

  it('checks the digest of the bytes received', () => {
    const bytes = Buffer.from('artifact');
    const hex = createHash('sha256').update(bytes).digest('hex');
    expect(() => verifyDigest(bytes, `sha256:${hex}`)).not.toThrow();
    expect(() => verifyDigest(bytes, hex)).not.toThrow();
    expect(() => verifyDigest(bytes, `sha256:${'0'.repeat(64)}`)).toThrow(/computed digest doesn't match/);
    expect(() => verifyDigest(bytes, `sha256:${hex.toUpperCase()}`)).toThrow(/invalid digest/);
  });
});
