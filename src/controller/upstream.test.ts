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

describe('UpstreamClients clients', () => {
  it('shares one client among repositories with the same server, timeout and Secret version', async () => {
    const upstream = new UpstreamClients({ maxUnits: 10, maxUnitSizeBytes: 1 << 20 });
    try {
      const a = upstream.get('ns/a', 'https://hub.example', 1000, credentials);
      const b = upstream.get('ns/b', 'https://hub.example', 1000, credentials);
      const rotated = upstream.get('ns/c', 'https://hub.example', 1000, { ...credentials, version: 'v2' });
      const slower = upstream.get('ns/d', 'https://hub.example', 2000, credentials);
      expect(a.client).toBe(b.client);
      expect(rotated.client).not.toBe(a.client);
      expect(slower.client).not.toBe(a.client);
      expect(upstream.clients).toBe(3);
      // The Secret of ns/a changes: it moves to the client of that version; b keeps the old one.
      const moved = upstream.get('ns/a', 'https://hub.example', 1000, { ...credentials, version: 'v2' });
      expect(moved.client).toBe(rotated.client);
      expect(upstream.get('ns/b', 'https://hub.example', 1000, credentials).client).toBe(b.client);
      expect(upstream.clients).toBe(3);
      // The last user of a client closes it.
      await upstream.forget('ns/b');
      expect(upstream.clients).toBe(2);
      await upstream.forget('ns/a');
      await upstream.forget('ns/c');
      await upstream.forget('ns/d');
      expect(upstream.clients).toBe(0);
    } finally {
      await upstream.closeAll();
    }
  });
});
