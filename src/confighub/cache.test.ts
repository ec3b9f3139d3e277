import { describe, expect, it } from 'vitest';
import { createLruDataCache } from './cache.ts';

describe('createLruDataCache', () => {
  it('evicts the least recently used entries beyond the byte bound', () => {
    const cache = createLruDataCache(10);
    cache.set('a', Buffer.from('aaaa'));
    cache.set('b', Buffer.from('bbbb'));
    expect(cache.get('a')?.toString()).toBe('aaaa'); // a is now the most recent
    cache.set('c', Buffer.from('cccc'));
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')?.toString()).toBe('aaaa');
    expect(cache.get('c')?.toString()).toBe('cccc');
    expect(cache.size).toBe(8);
    expect(cache.count).toBe(2);
  });

  it('replaces an entry without double counting and skips entries larger than the bound', () => {
    const cache = createLruDataCache(6);
    cache.set('a', Buffer.from('12'));
    cache.set('a', Buffer.from('1234'));
    expect(cache.size).toBe(4);
    cache.set('big', Buffer.from('1234567'));
    expect(cache.get('big')).toBeUndefined();
    expect(cache.size).toBe(4);
  });

  it('rejects a negative bound', () => {
    expect(() => createLruDataCache(-1)).toThrow(RangeError);
  });
});

describe('createLruDataCache memory', () => {
  it('keeps its own copy of a small pooled Buffer so the pool block is not pinned', () => {
    const pooled = Buffer.from('apiVersion: v1\nkind: ConfigMap\n', 'utf8');
    expect(pooled.buffer.byteLength).toBeGreaterThan(pooled.length);
    const cache = createLruDataCache(1 << 20);
    cache.set('h', pooled);
    const kept = cache.get('h')!;
    expect(kept.equals(pooled)).toBe(true);
    expect(kept.buffer.byteLength).toBe(kept.length);
  });
});
