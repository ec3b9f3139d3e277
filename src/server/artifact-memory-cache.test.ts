import { describe, expect, it } from 'vitest';
import { ArtifactMemoryCache } from './artifact-memory-cache.ts';

const entry = (size: number) => ({ body: Buffer.alloc(size), lastModified: 'x', etag: '"e"' });

describe('ArtifactMemoryCache', () => {
  it('stays within its byte bound, evicting the least recently used', () => {
    const cache = new ArtifactMemoryCache(400, 1000);
    for (let i = 0; i < 3; i++) cache.set(`a/${i}`, entry(300));
    cache.get('a/0');
    cache.set('a/3', entry(300));
    expect(cache.bytes).toBe(900);
    expect(cache.get('a/1')).toBeUndefined();
    expect(cache.get('a/0')).toBeDefined();
    cache.set('big', entry(401));
    expect(cache.get('big')).toBeUndefined();
    expect(cache.bytes).toBeLessThanOrEqual(1000);
  });

  it('drops a file or a whole directory on invalidation', () => {
    const cache = new ArtifactMemoryCache(400, 1000);
    cache.set('d/x/1', entry(10));
    cache.set('d/x/2', entry(10));
    cache.set('d/xy/3', entry(10));
    cache.invalidate('d/x/1', 'file');
    expect(cache.count).toBe(2);
    cache.invalidate('d/x', 'directory');
    expect([cache.count, cache.bytes, cache.directories]).toEqual([1, 10, 1]);
    expect(cache.get('d/xy/3')).toBeDefined();
  });

  it('keeps no index entry for a file it evicted or refused', () => {
    const cache = new ArtifactMemoryCache(400, 1000);
    for (let i = 0; i < 100; i++) cache.set(`ns/repo-${i}/a.tar.gz`, entry(300));
    cache.set('ns/too-big/a.tar.gz', entry(401));
    // Three entries fit; the 97 evicted ones leave no directory behind.
    expect([cache.count, cache.directories]).toEqual([3, 3]);
    for (let i = 97; i < 100; i++) cache.invalidate(`ns/repo-${i}`, 'directory');
    expect([cache.count, cache.bytes, cache.directories]).toEqual([0, 0, 0]);
  });
});
