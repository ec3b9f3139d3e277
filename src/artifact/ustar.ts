// POSIX ustar header encoding, and its decoding for reading our own artifacts back.
//
// We write the 512-byte headers ourselves instead of using the `tar` package's packer: that packer
// reads attributes from the filesystem and switches to PAX extended headers on its own (long names,
// large or fractional times), so byte-exact output would depend on its internals. A ustar header is a
// fixed record of a few fields; owning it keeps every byte of the artifact explained in this file.

import { quoteName } from './quote.ts';

export const BLOCK_SIZE = 512;
const NAME_SIZE = 100;
const PREFIX_SIZE = 155;

/** Offset and width of each header field, as the writer and the reader use them. */
const FIELD = {
  name: [0, NAME_SIZE],
  mode: [100, 8],
  uid: [108, 8],
  gid: [116, 8],
  size: [124, 12],
  mtime: [136, 12],
  checksum: [148, 8],
  type: [156, 1],
  magic: [257, 8],
  devmajor: [329, 8],
  devminor: [337, 8],
  prefix: [345, PREFIX_SIZE],
} as const;
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
function writeOctal(block: Buffer, [offset, width]: readonly [number, number], value: number): void {
  const digits = value.toString(8).padStart(width - 1, '0');
  if (digits.length > width - 1) throw new RangeError(`value ${value} does not fit a ${width}-byte field`);
  block.write(digits, offset, 'ascii');
  block[offset + width - 1] = 0;
}

/** Sum of the header's bytes with the checksum field counted as spaces (how ustar defines it). */
function checksumOf(block: Uint8Array): number {
  const [offset, width] = FIELD.checksum;
  let sum = 0;
  for (let i = 0; i < BLOCK_SIZE; i++) sum += i >= offset && i < offset + width ? 0x20 : block[i]!;
  return sum;
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
  split.name.copy(block, FIELD.name[0]);
  writeOctal(block, FIELD.mode, entry.mode);
  writeOctal(block, FIELD.uid, 0);
  writeOctal(block, FIELD.gid, 0);
  writeOctal(block, FIELD.size, entry.size);
  writeOctal(block, FIELD.mtime, 0);
  block.write(entry.type, FIELD.type[0], 'ascii');
  block.write('ustar\u000000', FIELD.magic[0], 'ascii'); // magic "ustar\0" + version "00"
  writeOctal(block, FIELD.devmajor, 0);
  writeOctal(block, FIELD.devminor, 0);
  split.prefix.copy(block, FIELD.prefix[0]);
  // The checksum is written as 6 octal digits, NUL and a space (the form GNU tar and Go both produce).
  const at = FIELD.checksum[0];
  block.write(checksumOf(block).toString(8).padStart(6, '0'), at, 'ascii');
  block[at + 6] = 0;
  block[at + 7] = 0x20;
  return block;
}

/** A header as read back: `name` has the prefix joined on, as the entry's full path. */
export type DecodedHeader = {
  name: string;
  /** The type flag as written; `\0` is an old-style regular file. */
  type: string;
  mode: number;
  size: number;
};

function field(block: Uint8Array, [offset, width]: readonly [number, number]): Uint8Array {
  return block.subarray(offset, offset + width);
}

/** A NUL-terminated text field. */
function readText(bytes: Uint8Array): string {
  const end = bytes.indexOf(0);
  return Buffer.from(end === -1 ? bytes : bytes.subarray(0, end)).toString('utf8');
}

/** An octal numeric field, padded by NULs or spaces on either side; undefined when it is not octal. */
function readOctal(bytes: Uint8Array): number | undefined {
  const digits = Buffer.from(bytes)
    .toString('latin1')
    .replace(/^[\0 ]+|[\0 ]+$/g, '');
  return /^[0-7]+$/.test(digits) ? Number.parseInt(digits, 8) : undefined;
}

/** True for the all-zero blocks that end an archive. */
export function isEndBlock(block: Uint8Array): boolean {
  return block.every((byte) => byte === 0);
}

/** Decodes one 512-byte header; throws a RangeError on a bad checksum or numeric field. */
export function decodeHeader(block: Uint8Array): DecodedHeader {
  if (block.length !== BLOCK_SIZE)
    throw new RangeError(`a header is ${BLOCK_SIZE} bytes, not ${block.length}`);
  const name = readText(field(block, FIELD.name));
  const prefix = readText(field(block, FIELD.prefix));
  const path = prefix ? `${prefix}/${name}` : name;
  if (readOctal(field(block, FIELD.checksum)) !== checksumOf(block)) {
    throw new RangeError(`header checksum of ${quoteName(path)} does not match`);
  }
  const mode = readOctal(field(block, FIELD.mode));
  const size = readOctal(field(block, FIELD.size));
  if (mode === undefined || size === undefined) {
    throw new RangeError(`header of ${quoteName(path)} has a field that is not octal`);
  }
  return { name: path, type: String.fromCharCode(block[FIELD.type[0]]!), mode, size };
}
