import { describe, expect, it } from 'vitest';
import { ByteLru } from './byte-lru.ts';

const byLength = (_key: string, value: string) => value.length;

describe('ByteLru', () => {
  it('evicts the least recently used entries until the total fits', () => {
    const lru = new ByteLru(10, byLength);
    lru.set('a', 'aaaa');
    lru.set('b', 'bbbb');
    expect(lru.get('a')).toBe('aaaa'); // a is now the most recently used
    lru.set('c', 'cccc');
    expect(lru.keys()).toEqual(['a', 'c']);
    expect(lru.get('b')).toBeUndefined();
    expect(lru.bytes).toBe(8);
    expect(lru.count).toBe(2);
  });

  it('keeps nothing costlier than the whole bound, and drops what it replaced', () => {
    const lru = new ByteLru(10, byLength);
    lru.set('a', 'aaaa');
    expect(lru.set('a', 'x'.repeat(11))).toBe(false);
    expect(lru.get('a')).toBeUndefined();
    expect(lru.bytes).toBe(0);
    expect(lru.set('b', 'x'.repeat(10))).toBe(true);
    expect(lru.bytes).toBe(10);
  });

  it('counts a replaced value once, and forgets deleted and cleared entries', () => {
    const lru = new ByteLru(100, byLength);
    lru.set('a', 'aaaa');
    lru.set('a', 'aa');
    expect(lru.bytes).toBe(2);
    lru.set('b', 'bbb');
    lru.delete('a');
    lru.delete('missing');
    expect(lru.bytes).toBe(3);
    lru.clear();
    expect([lru.bytes, lru.count]).toEqual([0, 0]);
  });

  it('charges what the cost function says, key included', () => {
    const lru = new ByteLru(20, (key: string, value: string) => key.length + value.length);
    lru.set('key', 'value');
    expect(lru.bytes).toBe(8);
  });

  it('refuses a negative or NaN bound', () => {
    expect(() => new ByteLru(-1, byLength)).toThrow(RangeError);
    expect(() => new ByteLru(Number.NaN, byLength)).toThrow(RangeError);
  });
});
