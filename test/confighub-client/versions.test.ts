// Server versions at the client: select fallback, release selection without ReleaseNum, SkippedUnits.
import { describe, expect, it } from 'vitest';
import { ConfigHubClient, InvalidFilterError } from '../../src/confighub/index.ts';
import { startEmulator } from '../../testkit/confighub-emulator/index.ts';
import { failure, useHarness } from './harness.ts';

const h = useHarness();

const unitLists = () => h.emulator.requests.filter((r) => /\/api\/space\/[^/]+\/unit$/.test(r.path));

describe('unit select', () => {
  it('asks for whole units once the server refuses the select, and keeps doing so', async () => {
    h.emulator.clearRequests();
    h.emulator.injectFault({ route: /\/unit$/, kind: 'status', status: 400, times: 1 });
    const client = h.client();
    const listing = await client.list({ space: 'shop-prod' });
    expect(listing.units.length).toBeGreaterThan(0);
    await client.list({ space: 'shop-prod' });
    expect(unitLists().map((r) => [r.status, r.query['select'] !== undefined])).toEqual([
      [400, true],
      [200, false],
      [200, false],
    ]);
  });

  it('still reports a where the server refuses with and without select', async () => {
    h.emulator.clearRequests();
    const error = await failure(h.client().list({ space: 'shop-prod', where: 'Nope = 1' }));
    expect(error).toBeInstanceOf(InvalidFilterError);
    expect(unitLists().map((r) => r.status)).toEqual([400, 400]);
  });

  it('carries validation errors and apply gates of head units', async () => {
    h.emulator.setUnitValidationErrors('shop-prod', 'web', { 'vet-schemas': true });
    h.emulator.setUnitApplyGates('shop-prod', 'web', { 'vet-schemas': true, pending: true });
    const listing = await h.client().list({ space: 'shop-prod' });
    const web = listing.units.find((u) => u.slug === 'web')!;
    expect(web).toMatchObject({ validationErrors: ['vet-schemas'], applyGates: ['pending', 'vet-schemas'] });
    expect(listing.serverVersion).toBe('v0.8.12');
    h.emulator.setUnitValidationErrors('shop-prod', 'web', {});
    h.emulator.setUnitApplyGates('shop-prod', 'web', {});
  });
});

describe('release selection', () => {
  it('works on a server that refuses ReleaseNum in a release where', async () => {
    const older = await startEmulator({ olderServer: true });
    const client = new ConfigHubClient({
      server: older.url,
      credentials: { kind: 'token', token: older.fixture.token },
      timeoutMs: 5000,
    });
    try {
      const listing = await client.list({ space: 'shop-prod', ref: { mode: 'release', release: 1 } });
      expect(listing.refId).toBe('release-1');
      expect(listing.serverVersion).toBe('v0.8.3');
      expect(listing.skippedUnits).toBeUndefined();
    } finally {
      await client.close();
      await older.close();
    }
  });

  it('leaves out and reports the units a release skipped', async () => {
    const release = h.emulator.publishRelease('shop-prod', { skip: ['web-svc'] });
    const listing = await h
      .client()
      .list({ space: 'shop-prod', ref: { mode: 'release', release: 'latest' } });
    expect(listing.refId).toBe(`release-${release.ReleaseNum}`);
    expect(listing.units.map((u) => u.slug)).not.toContain('web-svc');
    expect(listing.skippedUnits).toEqual([
      { unitID: h.emulator.getUnit('shop-prod', 'web-svc').UnitID, slug: 'web-svc' },
    ]);
  });
});
