// startEmulator options: fixture as object or path, defaults, validation, and an idempotent close().
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_FIXTURE_PATH,
  FixtureError,
  type FixtureInput,
  loadFixture,
  startEmulator,
} from '../../testkit/confighub-emulator/index.ts';
import { call } from './support.ts';

const tiny: FixtureInput = {
  epoch: '2026-10-01T00:00:00Z',
  organization: { id: '00000000-0000-4000-8000-000000000001', slug: 'tiny', displayName: 'Tiny' },
  users: [{ id: '00000000-0000-4000-8000-0000000000a1', username: 'dev', email: 'dev@example.test' }],
  tokens: [{ token: 'tiny-token-1', user: 'dev' }],
  workers: [{ id: '00000000-0000-4000-8000-0000000000c1', secret: 'tiny-secret-1', user: 'dev' }],
  spaces: [
    {
      id: '00000000-0000-4000-8000-000000000010',
      slug: 'tiny-space',
      units: [
        {
          id: '00000000-0000-4000-8000-000000000011',
          slug: 'cm',
          revisions: [{ data: 'kind: ConfigMap\n' }],
        },
      ],
    },
  ],
};

describe('startEmulator options', () => {
  it('accepts a fixture object; the only token is both token and restrictedToken', async () => {
    const emu = await startEmulator({ fixture: tiny });
    try {
      expect(emu.fixture).toEqual({
        token: 'tiny-token-1',
        restrictedToken: 'tiny-token-1',
        workerID: '00000000-0000-4000-8000-0000000000c1',
        workerSecret: 'tiny-secret-1',
        orgID: '00000000-0000-4000-8000-000000000001',
      });
      const answer = await call(emu, '/api/unit');
      expect((answer.json as { Unit: { Slug: string } }[]).map((u) => u.Unit.Slug)).toEqual(['cm']);
      expect(emu.getSpace('tiny-space').SpaceID).toBe('00000000-0000-4000-8000-000000000010');
    } finally {
      await emu.close();
    }
  });

  it('accepts an already loaded fixture and a fixture path, with the default version', async () => {
    for (const fixture of [loadFixture(), DEFAULT_FIXTURE_PATH]) {
      const emu = await startEmulator({ fixture, host: '127.0.0.1', port: 0 });
      try {
        expect(emu.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
        const info = await call(emu, '/api/info', { token: null });
        expect(info.headers.get('confighub-version')).toBe('v0.8.12');
        expect(emu.getSpace('shop-staging').Labels).toEqual({ env: 'staging' });
      } finally {
        await emu.close();
      }
    }
  });

  it('rejects invalid fixtures and token lifetimes before listening', async () => {
    await expect(startEmulator({ fixture: { ...tiny, users: [] } })).rejects.toThrow(FixtureError);
    await expect(startEmulator({ fixture: '/nonexistent.yaml' })).rejects.toThrow(FixtureError);
    await expect(startEmulator({ tokenTtlSeconds: 0 })).rejects.toThrow(RangeError);
  });

  it('closes idempotently and refuses connections afterwards', async () => {
    const emu = await startEmulator();
    await Promise.all([emu.close(), emu.close()]);
    await emu.close();
    await expect(fetch(`${emu.url}/api/info`)).rejects.toThrow();
  });
});
