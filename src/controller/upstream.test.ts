import { describe, expect, it } from 'vitest';
import { UpstreamClients } from './upstream.ts';

const credentials = { credentials: { kind: 'token' as const, token: 't' }, tls: undefined, version: 'v1' };

describe('UpstreamClients data cache', () => {
  it('is one cache for all repositories, bounded in bytes', async () => {
    const upstream = new UpstreamClients({ maxUnits: 10, maxUnitSizeBytes: 1 << 20 }, 1000);
    try {
      const a = upstream.get('ns/a', 'https://hub.example', 1000, credentials);
      const b = upstream.get('ns/b', 'https://hub.example', 1000, credentials);
      expect(a.cache).toBe(b.cache);
      for (let i = 0; i < 10; i++) a.cache.set(`hash-${i}`, Buffer.alloc(300, i));
      b.cache.set('hash-b', Buffer.alloc(300));
      expect(upstream.dataCache.size).toBeLessThanOrEqual(1000);
      expect(upstream.dataCache.count).toBe(3);
      expect(a.cache.get('hash-b')).toBeDefined();
      expect(a.cache.get('hash-0')).toBeUndefined();
    } finally {
      await upstream.closeAll();
    }
  });
});
