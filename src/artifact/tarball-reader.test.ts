import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { ArtifactReadError } from './errors.ts';
import { type ArtifactFile, buildTar, buildTarGz, FILE_MODE } from './tarball.ts';
import { readTar, readTarGz } from './tarball-reader.ts';
import { BLOCK_SIZE, EntryType, encodeHeader } from './ustar.ts';

const longDir = `${'d'.repeat(90)}/${'e'.repeat(40)}`;
const files: ArtifactFile[] = [
  { path: 'kustomization.yaml', data: Buffer.from('resources:\n- web.yaml\n') },
  { path: 'web.yaml', data: Buffer.from('apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n') },
  { path: 'a/b/c.txt', data: Buffer.from('deep') },
  { path: 'empty', data: Buffer.alloc(0) },
  { path: 'one-block', data: Buffer.alloc(BLOCK_SIZE, 0x61) },
  { path: 'a/run.sh', data: Buffer.from('#!/bin/sh\n'), executable: true },
  // Longer than the 100-byte name field: stored with a ustar prefix.
  { path: `${longDir}/${'f'.repeat(95)}.yaml`, data: Buffer.from('x'.repeat(1000)) },
];

/** What a reader must give back: path → content and executable bit, whatever the archive order. */
function contents(list: readonly ArtifactFile[]): Map<string, { data: string; executable: boolean }> {
  return new Map(
    list.map((f) => [
      f.path,
      { data: Buffer.from(f.data).toString('latin1'), executable: f.executable === true },
    ]),
  );
}

describe('reading back what the tarball builder writes', () => {
  it('returns every file with its bytes and executable bit (tar.gz and plain tar)', async () => {
    const fromGz = readTarGz(await buildTarGz(files));
    expect(contents(fromGz)).toEqual(contents(files));
    expect(fromGz).toHaveLength(files.length);
    expect(contents(readTar(buildTar(files)))).toEqual(contents(files));
  });

  it('skips directory entries and keeps the archive order', async () => {
    const paths = readTarGz(await buildTarGz(files)).map((f) => f.path);
    expect(paths).not.toContain('a/');
    expect(paths.indexOf('a/b/c.txt')).toBeLessThan(paths.indexOf('a/run.sh'));
  });

  it('reads an empty archive as no files', async () => {
    expect(readTarGz(await buildTarGz([]))).toEqual([]);
  });
});

describe('refusing archives we did not write', () => {
  it('refuses bytes that are not gzip', () => {
    expect(() => readTarGz(Buffer.from('not gzip'))).toThrow(ArtifactReadError);
    expect(() => readTarGz(Buffer.from('not gzip'))).toThrow(/not gzip/);
  });

  it('refuses an entry whose data is cut short', () => {
    const header = encodeHeader({ name: 'a.yaml', type: EntryType.File, mode: FILE_MODE, size: 1000 });
    const tar = Buffer.concat([header, Buffer.alloc(10)]);
    expect(() => readTarGz(gzipSync(tar))).toThrow(/truncated tar entry "a\.yaml"/);
  });

  it('refuses a header whose checksum does not match', () => {
    const tar = buildTar([{ path: 'a.yaml', data: Buffer.from('x: 1\n') }]);
    tar[0] = 0x62; // 'a' → 'b' in the name, checksum left as it was
    expect(() => readTar(tar)).toThrow(ArtifactReadError);
    expect(() => readTar(tar)).toThrow(/checksum/);
  });
});
