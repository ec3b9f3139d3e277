// Deterministic gzip tarball of a release: one `<unit-slug>.yaml` per bundled unit, sorted by name.
import { gzipSync } from 'node:zlib';

const BLOCK = 512;

function octal(value: number, width: number): string {
  return `${value.toString(8).padStart(width - 1, '0')}\0`;
}

function header(name: string, size: number): Buffer {
  const block = Buffer.alloc(BLOCK, 0);
  block.write(name, 0, 100, 'utf8');
  block.write(octal(0o644, 8), 100, 'ascii');
  block.write(octal(0, 8), 108, 'ascii'); // uid
  block.write(octal(0, 8), 116, 'ascii'); // gid
  block.write(octal(size, 12), 124, 'ascii');
  block.write(octal(0, 12), 136, 'ascii'); // mtime: fixed so equal content gives equal bytes
  block.write('        ', 148, 'ascii'); // checksum placeholder, counted as spaces
  block.write('0', 156, 'ascii'); // regular file
  block.write('ustar\0', 257, 'ascii');
  block.write('00', 263, 'ascii');
  let sum = 0;
  for (const byte of block) sum += byte;
  block.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'ascii');
  return block;
}

export interface BundleFile {
  name: string;
  data: Uint8Array;
}

/** Builds the tar.gz; the same files always give the same bytes. */
export function buildBundle(files: BundleFile[]): Buffer {
  const parts: Buffer[] = [];
  const sorted = [...files].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const file of sorted) {
    if (Buffer.byteLength(file.name) > 100) throw new Error(`bundle entry name too long: ${file.name}`);
    parts.push(header(file.name, file.data.byteLength), Buffer.from(file.data));
    const padding = (BLOCK - (file.data.byteLength % BLOCK)) % BLOCK;
    if (padding > 0) parts.push(Buffer.alloc(padding, 0));
  }
  parts.push(Buffer.alloc(BLOCK * 2, 0));
  return gzipSync(Buffer.concat(parts), { level: 9 });
}
