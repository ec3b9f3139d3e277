// POSIX ustar header encoding.
//
// We write the 512-byte headers ourselves instead of using the `tar` package's packer: that packer
// reads attributes from the filesystem and switches to PAX extended headers on its own (long names,
// large or fractional times), so byte-exact output would depend on its internals. A ustar header is a
// fixed record of a few fields; owning it keeps every byte of the artifact explained in this file.

export const BLOCK_SIZE = 512;
const NAME_SIZE = 100;
const PREFIX_SIZE = 155;
/** Largest size an 11-digit octal field can hold (8 GiB - 1). */
export const MAX_USTAR_SIZE = 0o77777777777;

export const EntryType = {
  File: '0',
  Directory: '5',
} as const;
export type EntryType = (typeof EntryType)[keyof typeof EntryType];

export type UstarEntry = {
  /** Entry name as written; directories carry the conventional trailing `/`. */
  name: string;
  type: EntryType;
  mode: number;
  size: number;
};

/**
 * Splits `name` into ustar `prefix` and `name` fields, or returns `undefined` when it cannot be stored
 * without a PAX/GNU long-name extension (which Flux's untar does not handle and which we never emit).
 * Like Go's archive/tar, the prefix is made as long as possible.
 */
export function splitUstarName(name: string): { prefix: Buffer; name: Buffer } | undefined {
  const bytes = Buffer.from(name, 'utf8');
  if (bytes.length <= NAME_SIZE) return { prefix: Buffer.alloc(0), name: bytes };
  const last = Math.min(PREFIX_SIZE, bytes.length - 2);
  for (let i = last; i > 0; i--) {
    if (bytes[i] !== 0x2f) continue;
    const rest = bytes.length - i - 1;
    if (rest > NAME_SIZE) return undefined;
    return { prefix: bytes.subarray(0, i), name: bytes.subarray(i + 1) };
  }
  return undefined;
}

/** `width - 1` zero-padded octal digits followed by NUL, as ustar numeric fields are written. */
function writeOctal(block: Buffer, offset: number, width: number, value: number): void {
  const digits = value.toString(8).padStart(width - 1, '0');
  if (digits.length > width - 1) throw new RangeError(`value ${value} does not fit a ${width}-byte field`);
  block.write(digits, offset, 'ascii');
  block[offset + width - 1] = 0;
}

/**
 * Encodes one header with the normalised owner and time every entry gets: uid = gid = 0, empty
 * uname/gname, mtime 0, device numbers 0, no link name.
 */
export function encodeHeader(entry: UstarEntry): Buffer {
  const split = splitUstarName(entry.name);
  if (!split) throw new RangeError(`name of ${Buffer.byteLength(entry.name)} bytes does not fit ustar`);
  if (!Number.isSafeInteger(entry.size) || entry.size < 0 || entry.size > MAX_USTAR_SIZE) {
    throw new RangeError(`size ${entry.size} does not fit ustar`);
  }
  const block = Buffer.alloc(BLOCK_SIZE);
  split.name.copy(block, 0);
  writeOctal(block, 100, 8, entry.mode);
  writeOctal(block, 108, 8, 0); // uid
  writeOctal(block, 116, 8, 0); // gid
  writeOctal(block, 124, 12, entry.size);
  writeOctal(block, 136, 12, 0); // mtime
  block.write(entry.type, 156, 'ascii');
  block.write('ustar\u000000', 257, 'ascii'); // magic "ustar\0" + version "00"
  writeOctal(block, 329, 8, 0); // devmajor
  writeOctal(block, 337, 8, 0); // devminor
  split.prefix.copy(block, 345);
  // The checksum is computed with its own field filled with spaces, then written as 6 octal digits,
  // NUL and a space (the form GNU tar and Go both produce).
  block.fill(0x20, 148, 156);
  let sum = 0;
  for (const byte of block) sum += byte;
  block.write(sum.toString(8).padStart(6, '0'), 148, 'ascii');
  block[154] = 0;
  block[155] = 0x20;
  return block;
}
