import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { readTar, readTarGz } from '../../test/artifact/helpers/tar-reader.ts';
import { UnsafePathError } from './errors.ts';
import {
  type ArtifactFile,
  buildTar,
  buildTarGz,
  DIRECTORY_MODE,
  EXECUTABLE_MODE,
  FILE_MODE,
  GZIP_HEADER,
} from './tarball.ts';

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

const tree: ArtifactFile[] = [
  { path: 'web.yaml', data: Buffer.from('apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n') },
  { path: 'kustomization.yaml', data: Buffer.from('resources:\n- web.yaml\n') },
  { path: 'a/b/c.txt', data: Buffer.from('deep') },
  { path: 'a-b', data: Buffer.alloc(0) },
  { path: 'a/z.sh', data: Buffer.from('#!/bin/sh\n'), executable: true },
  { path: 'a.yaml', data: Buffer.from('x'.repeat(1000)) },
  { path: 'B/upper', data: Buffer.from('upper case sorts first') },
];

/** Go's filepath.Walk order: compare segment by segment, byte-wise; a directory precedes its contents. */
function walkOrder(a: string, b: string): number {
  const as = a.replace(/\/$/, '').split('/');
  const bs = b.replace(/\/$/, '').split('/');
  for (let i = 0; i < Math.min(as.length, bs.length); i++) {
    const c = Buffer.compare(Buffer.from(as[i]!), Buffer.from(bs[i]!));
    if (c !== 0) return c;
  }
  return as.length - bs.length;
}

describe('buildTarGz determinism', () => {
  it('produces identical bytes for the same files, in any input order', async () => {
    const first = await buildTarGz(tree);
    const second = await buildTarGz(tree);
    const reversed = await buildTarGz([...tree].reverse());
    const rotated = await buildTarGz([...tree.slice(3), ...tree.slice(0, 3)]);
    expect(second.equals(first)).toBe(true);
    expect(reversed.equals(first)).toBe(true);
    expect(rotated.equals(first)).toBe(true);
  });

  it('changes when any content, name or mode changes', async () => {
    const base = await buildTarGz(tree);
    const variants: ArtifactFile[][] = [
      tree.map((f) => (f.path === 'a-b' ? { ...f, data: Buffer.from('!') } : f)),
      tree.map((f) => (f.path === 'a-b' ? { ...f, path: 'a-c' } : f)),
      tree.map((f) => (f.path === 'a-b' ? { ...f, executable: true } : f)),
    ];
    for (const variant of variants) expect((await buildTarGz(variant)).equals(base)).toBe(false);
  });

  it('keeps a golden digest for a fixed input, so format changes are deliberate', async () => {
    const files: ArtifactFile[] = [
      { path: 'kustomization.yaml', data: Buffer.from('resources:\n- web.yaml\n') },
      { path: 'web.yaml', data: Buffer.from('apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\n') },
      { path: 'dir/tool.sh', data: Buffer.from('#!/bin/sh\necho ok\n'), executable: true },
    ];
    // The tar stream is fully ours and must never change.
    expect(sha256(buildTar(files))).toBe('bfe5c65316ca3ae79d1722c0ac7d81404c25be65af03b212bbe9b3b25c9c6b02');
    // The deflate stream is only as stable as the bundled zlib; the project pins Node for this.
    const gz = await buildTarGz(files);
    if (process.versions.zlib === '1.3.2.1-motley-8002e91')
      expect(sha256(gz)).toBe('808de5f86f116e4421352ae84a421448e5616fc612284e74da8d0c08cc028091');
    else console.warn(`gzip golden not checked: zlib ${process.versions.zlib} differs from the recorded one`);
  });
});

describe('buildTarGz format (checklist 22-27)', () => {
  it('writes the fixed Go-style gzip header: no name, mtime 0, OS unknown', async () => {
    const gz = await buildTarGz(tree);
    expect([...gz.subarray(0, 10)]).toEqual([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff]);
    expect(gz.subarray(0, 10).equals(GZIP_HEADER)).toBe(true);
    const tar = gunzipSync(gz);
    expect(tar.equals(buildTar(tree))).toBe(true);
    expect(gz.readUInt32LE(gz.length - 4)).toBe(tar.length);
  });

  it('emits only sanitised ustar files and directories in walk order', async () => {
    const { entries, trailingZeroBlocks } = readTarGz(await buildTarGz(tree));
    expect(trailingZeroBlocks).toBe(2);
    expect(entries.map((e) => e.name)).toEqual([
      'B/',
      'B/upper',
      'a/',
      'a/b/',
      'a/b/c.txt',
      'a/z.sh',
      'a-b',
      'a.yaml',
      'kustomization.yaml',
      'web.yaml',
    ]);
    const names = entries.map((e) => e.name);
    expect([...names].sort(walkOrder)).toEqual(names);
    expect(new Set(names).size).toBe(names.length);
    for (const entry of entries) {
      expect(['0', '5']).toContain(entry.type);
      expect(entry).toMatchObject({ uid: 0, gid: 0, uname: '', gname: '', mtime: 0, linkname: '' });
      expect(entry.magic).toBe('ustar\0');
      expect(entry.version).toBe('00');
      expect(entry.name.startsWith('/')).toBe(false);
      expect(entry.name).not.toMatch(/\\|(^|\/)\.\.?(\/|$)/);
      expect(entry.mode & 0o400).toBe(0o400);
      if (entry.type === '5') {
        expect(entry.name.endsWith('/')).toBe(true);
        expect(entry.mode).toBe(DIRECTORY_MODE);
        expect(entry.size).toBe(0);
      } else {
        expect(entry.mode).toBe(entry.name === 'a/z.sh' ? EXECUTABLE_MODE : FILE_MODE);
        const input = tree.find((f) => f.path === entry.name)!;
        expect(entry.data.equals(Buffer.from(input.data))).toBe(true);
      }
    }
    expect([FILE_MODE, EXECUTABLE_MODE, DIRECTORY_MODE]).toEqual([0o600, 0o700, 0o750]);
  });

  it('builds a valid empty archive', async () => {
    const tar = buildTar([]);
    expect(tar.length).toBe(1024);
    expect(tar.every((b) => b === 0)).toBe(true);
    expect(gunzipSync(await buildTarGz([])).equals(tar)).toBe(true);
  });

  it('uses the ustar prefix field for long paths and refuses what would need extensions', () => {
    const name100 = 'n'.repeat(100);
    const dir150 = `${'d'.repeat(70)}/${'e'.repeat(79)}`;
    const { entries } = readTar(
      buildTar([
        { path: name100, data: Buffer.from('a') },
        { path: `${dir150}/${name100}`, data: Buffer.from('b') },
      ]),
    );
    expect(entries.map((e) => [e.prefix, e.rawName])).toEqual([
      ['', `${'d'.repeat(70)}/`],
      ['d'.repeat(70), `${'e'.repeat(79)}/`],
      [dir150, name100],
      ['', name100],
    ]);
    const tooLong = [
      'n'.repeat(101),
      `${'d'.repeat(156)}/x`,
      `${'d'.repeat(10)}/${'n'.repeat(101)}`,
      // A directory entry carries a trailing '/', so a 100-byte directory name no longer fits.
      `${'d'.repeat(100)}/x`,
    ];
    for (const path of tooLong) {
      expect(() => buildTar([{ path, data: Buffer.from('x') }]), path).toThrow(UnsafePathError);
    }
  });
});

describe('buildTarGz path validation', () => {
  const unsafe: Array<[string, string]> = [
    ['../x', '".." segment'],
    ['a/../../x', '".." segment'],
    ['/abs', 'absolute'],
    ['a\\b', 'backslash'],
    ['a\u0000b', 'control character'],
    ['a\nb', 'control character'],
    ['', 'empty'],
    ['a//b', 'empty segment'],
    ['a/', 'ends with'],
    ['./a', '"." segment'],
    ['x../y', 'ending in ".."'],
    ['a/.', '"." segment'],
    ['bad\ud800', 'well-formed'],
    ['x'.repeat(300), 'too long'],
  ];
  it.each(unsafe)('refuses %j', (path, problem) => {
    expect(() => buildTar([{ path, data: Buffer.alloc(1) }])).toThrow(UnsafePathError);
    expect(() => buildTar([{ path, data: Buffer.alloc(1) }])).toThrow(problem);
  });

  it('refuses duplicates and file/directory conflicts', () => {
    const one = { path: 'a/b', data: Buffer.from('1') };
    expect(() => buildTar([one, { ...one }])).toThrow(/listed twice/);
    expect(() => buildTar([one, { path: 'a', data: Buffer.from('2') }])).toThrow(/directory of other files/);
    expect(() => buildTar([{ path: 'a', data: Buffer.from('2') }, one])).toThrow(/parent a is a file/);
  });

  it('names the path in the error without raw control characters', () => {
    try {
      buildTar([{ path: 'evil\u0000\u001b[2J', data: Buffer.alloc(0) }]);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(UnsafePathError);
      expect((error as Error).message).toContain('"evil\\u0000\\u001b[2J"');
      expect((error as Error).message).not.toMatch(/[\u0000-\u001f]/);
    }
  });
});
