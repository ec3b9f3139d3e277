// The release bundle is a valid tar.gz (read back with the tar package) and byte-for-byte deterministic.
import { describe, expect, it } from 'vitest';
import { buildBundle } from './bundle.ts';
import { readBundle } from './read-bundle.ts';

describe('buildBundle', () => {
  it('writes one sorted entry per file with fixed metadata', async () => {
    const gz = buildBundle([
      { name: 'web.yaml', data: Buffer.from('kind: Deployment\n') },
      { name: 'namespace.yaml', data: Buffer.from('kind: Namespace\n') },
      { name: 'empty.yaml', data: Buffer.alloc(0) },
      { name: 'big.yaml', data: Buffer.alloc(1500, 'x') },
    ]);
    const entries = await readBundle(gz);
    expect(entries.map((e) => e.path)).toEqual(['big.yaml', 'empty.yaml', 'namespace.yaml', 'web.yaml']);
    expect(entries.map((e) => e.data.byteLength)).toEqual([1500, 0, 16, 17]);
    expect(entries[3]!.data.toString()).toBe('kind: Deployment\n');
    for (const entry of entries) {
      expect(entry.mode).toBe(0o644);
      expect(entry.mtime?.getTime()).toBe(0);
    }
  });

  it('gives identical bytes for identical content regardless of input order', () => {
    const a = buildBundle([
      { name: 'a.yaml', data: Buffer.from('a') },
      { name: 'b.yaml', data: Buffer.from('b') },
    ]);
    const b = buildBundle([
      { name: 'b.yaml', data: Buffer.from('b') },
      { name: 'a.yaml', data: Buffer.from('a') },
    ]);
    expect(a.equals(b)).toBe(true);
    expect(
      a.equals(
        buildBundle([
          { name: 'a.yaml', data: Buffer.from('A') },
          { name: 'b.yaml', data: Buffer.from('b') },
        ]),
      ),
    ).toBe(false);
  });

  it('refuses names that do not fit a ustar header', () => {
    expect(() => buildBundle([{ name: `${'x'.repeat(101)}.yaml`, data: Buffer.alloc(0) }])).toThrow(
      /too long/,
    );
  });
});
