import { describe, expect, it } from 'vitest';
import { BLOCK_SIZE, decodeHeader, EntryType, encodeHeader, isEndBlock } from './ustar.ts';

describe('ustar headers', () => {
  it('decodes what it encodes, prefix joined back onto long names', () => {
    const long = `${'p'.repeat(120)}/${'n'.repeat(90)}`;
    const entries = [
      { name: 'dir/', type: EntryType.Directory, mode: 0o750, size: 0 },
      { name: 'dir/file.yaml', type: EntryType.File, mode: 0o600, size: 12345 },
      { name: long, type: EntryType.File, mode: 0o700, size: 0 },
    ];
    for (const entry of entries) expect(decodeHeader(encodeHeader(entry))).toEqual(entry);
  });

  it('refuses a header with a wrong checksum or a non-octal size', () => {
    const block = encodeHeader({ name: 'a', type: EntryType.File, mode: 0o600, size: 1 });
    const badSum = Buffer.from(block);
    badSum[100] = 0x37; // mode digit changed, checksum not
    expect(() => decodeHeader(badSum)).toThrow(/checksum/);

    const badSize = Buffer.from(block);
    badSize.write('0000000001z', 124, 'ascii');
    badSize.fill(0x20, 148, 156);
    const sum = badSize.reduce((a, b) => a + b, 0);
    badSize.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'ascii');
    expect(() => decodeHeader(badSize)).toThrow(/not octal/);

    expect(() => decodeHeader(block.subarray(0, 100))).toThrow(RangeError);
  });

  it('knows the all-zero end block', () => {
    expect(isEndBlock(Buffer.alloc(BLOCK_SIZE))).toBe(true);
    expect(isEndBlock(encodeHeader({ name: 'a', type: EntryType.File, mode: 0o600, size: 0 }))).toBe(false);
  });
});
