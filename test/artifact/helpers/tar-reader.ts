// A small, strict ustar reader for tests: it exposes every header field so tests can check the
// determinism rules byte by byte, and it verifies each header checksum.
import { gunzipSync } from 'node:zlib';

export type TarEntry = {
  /** prefix + '/' + name when a prefix is present, exactly as stored (directories keep their '/'). */
  name: string;
  rawName: string;
  prefix: string;
  type: string;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtime: number;
  uname: string;
  gname: string;
  linkname: string;
  magic: string;
  version: string;
  data: Buffer;
};

function text(block: Buffer, offset: number, length: number): string {
  const field = block.subarray(offset, offset + length);
  const end = field.indexOf(0);
  return field.subarray(0, end < 0 ? length : end).toString('utf8');
}

function octal(block: Buffer, offset: number, length: number): number {
  const value = text(block, offset, length).trim();
  if (!/^[0-7]+$/.test(value)) throw new Error(`bad octal field at ${offset}: ${JSON.stringify(value)}`);
  return Number.parseInt(value, 8);
}

export function readTar(tar: Buffer): { entries: TarEntry[]; trailingZeroBlocks: number } {
  const entries: TarEntry[] = [];
  let offset = 0;
  while (offset + 512 <= tar.length) {
    const block = tar.subarray(offset, offset + 512);
    if (block.every((byte) => byte === 0)) break;
    const stored = octal(block, 148, 8);
    const copy = Buffer.from(block);
    copy.fill(0x20, 148, 156);
    const sum = copy.reduce((a, b) => a + b, 0);
    if (sum !== stored) throw new Error(`checksum mismatch at ${offset}: ${sum} != ${stored}`);
    const rawName = text(block, 0, 100);
    const prefix = text(block, 345, 155);
    const size = octal(block, 124, 12);
    const dataStart = offset + 512;
    entries.push({
      name: prefix ? `${prefix}/${rawName}` : rawName,
      rawName,
      prefix,
      type: String.fromCharCode(block[156]!),
      mode: octal(block, 100, 8),
      uid: octal(block, 108, 8),
      gid: octal(block, 116, 8),
      size,
      mtime: octal(block, 136, 12),
      uname: text(block, 265, 32),
      gname: text(block, 297, 32),
      linkname: text(block, 157, 100),
      magic: block.subarray(257, 263).toString('latin1'),
      version: block.subarray(263, 265).toString('latin1'),
      data: tar.subarray(dataStart, dataStart + size),
    });
    offset = dataStart + Math.ceil(size / 512) * 512;
  }
  let trailingZeroBlocks = 0;
  for (let at = offset; at + 512 <= tar.length; at += 512) {
    if (!tar.subarray(at, at + 512).every((byte) => byte === 0))
      throw new Error(`garbage after end at ${at}`);
    trailingZeroBlocks++;
  }
  return { entries, trailingZeroBlocks };
}

export function readTarGz(tarGz: Buffer): { entries: TarEntry[]; trailingZeroBlocks: number } {
  return readTar(gunzipSync(tarGz));
}

/**
 * Applies Flux's untar rules (fluxcd/pkg tar/untar.go with WithSkipSymlinks) to the entries and returns
 * the resulting tree as path → content (directories map to `null`). Throws where Flux would.
 */
export function fluxTree(entries: readonly TarEntry[]): Map<string, Buffer | null> {
  const tree = new Map<string, Buffer | null>();
  for (const entry of entries) {
    const name = entry.name;
    if (name === '' || name.includes('\\') || name.startsWith('/') || name.includes('../')) {
      throw new Error(`flux would reject entry name ${JSON.stringify(name)}`);
    }
    if (entry.type === '2') continue;
    const path = name.replace(/\/$/, '');
    if (entry.type === '5') tree.set(path, null);
    else if (entry.type === '0' || entry.type === '\0') tree.set(path, Buffer.from(entry.data));
    else throw new Error(`flux would reject entry type ${JSON.stringify(entry.type)} for ${name}`);
  }
  return tree;
}
