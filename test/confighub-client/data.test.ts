import { describe, expect, it } from 'vitest';
import {
  createLruDataCache,
  IntegrityError,
  LimitExceededError,
  UnitChangedError,
} from '../../src/confighub/index.ts';
import { WEB_V1, WEB_V2, WORKER } from './fixture.ts';
import { failure, useHarness } from './harness.ts';

const h = useHarness();

describe('cheap polling', () => {
  it('costs one space lookup and one unit page when nothing changed, and the fingerprint stays put', async () => {
    const client = h.client({ spaceCacheTtlMs: 0 });
    const first = await client.list({ space: 'shop-prod' });
    h.emulator.clearRequests();
    const second = await client.list({ space: 'shop-prod' });
    expect(second.fingerprint).toBe(first.fingerprint);
    expect(h.emulator.requests.map((r) => r.path)).toEqual([
      '/api/space',
      '/api/space/11111111-1111-4111-8111-111111111111/unit',
    ]);
  });

  it('reuses the space resolution within its TTL, so a poll is a single request', async () => {
    const client = h.client();
    await client.list({ space: 'shop-prod' });
    h.emulator.clearRequests();
    await client.list({ space: 'shop-prod' });
    expect(h.emulator.requests.map((r) => r.path)).toEqual([
      '/api/space/11111111-1111-4111-8111-111111111111/unit',
    ]);
  });

  it('changes the fingerprint when a unit changes', async () => {
    const client = h.client();
    const before = await client.list({ space: 'shop-staging' });
    h.emulator.setUnitData('shop-staging', 'web', WEB_V2);
    const after = await client.list({ space: 'shop-staging' });
    expect(after.fingerprint).not.toBe(before.fingerprint);
    expect(after.units[0]!.revisionNum).toBe(before.units[0]!.revisionNum + 1);
    h.emulator.setUnitData('shop-staging', 'web', WEB_V1);
  });
});

describe('data cache', () => {
  it('revalidates cached units with If-None-Match and uses the cached bytes on 304', async () => {
    const client = h.client();
    const cache = createLruDataCache(1024 * 1024);
    const listing = await client.list({ space: 'shop-prod' });
    const first = await client.fetch(listing, { cache });
    expect(cache.count).toBe(3);
    h.emulator.clearRequests();

    const second = await client.fetch(listing, { cache });
    expect(second.units.map((u) => u.data.toString())).toEqual(first.units.map((u) => u.data.toString()));
    const dataRequests = h.emulator.requests.filter((r) => r.path.endsWith('/data'));
    expect(dataRequests).toHaveLength(3);
    expect(dataRequests.every((r) => r.status === 304)).toBe(true);
    expect(h.count(/^\/api\/unit_data$/)).toBe(0);
  });

  it('trusts the content-addressed cache without requests when revalidation is off', async () => {
    const client = h.client();
    const cache = createLruDataCache(1024 * 1024);
    const listing = await client.list({ space: 'shop-prod' });
    await client.fetch(listing, { cache });
    h.emulator.clearRequests();
    const again = await client.fetch(listing, { cache, revalidate: false });
    expect(again.units).toHaveLength(3);
    expect(h.emulator.requests).toHaveLength(0);
  });

  it('serves immutable tagged revisions from the cache without asking again', async () => {
    const client = h.client();
    const cache = createLruDataCache(1024 * 1024);
    const listing = await client.list({ space: 'shop-prod', ref: { mode: 'tag', tag: 'stable' } });
    await client.fetch(listing, { cache });
    h.emulator.clearRequests();
    const again = await client.fetch(listing, { cache });
    expect(again.units.map((u) => u.slug)).toEqual(['web', 'web-svc']);
    expect(h.emulator.requests).toHaveLength(0);
  });

  it('downloads only the changed unit in bulk and revalidates the rest', async () => {
    const client = h.client();
    const cache = createLruDataCache(1024 * 1024);
    await client.fetch(await client.list({ space: 'shop-prod' }), { cache });
    h.emulator.setUnitData('shop-prod', 'worker', 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: w}\n');
    const listing = await client.list({ space: 'shop-prod' });
    h.emulator.clearRequests();
    const snapshot = await client.fetch(listing, { cache });
    expect(snapshot.units.find((u) => u.slug === 'worker')!.data.toString()).toContain('ConfigMap');
    const bulk = h.emulator.requests.filter((r) => r.path === '/api/unit_data');
    expect(bulk).toHaveLength(1);
    expect(bulk[0]!.query['where']).toBe(
      `SpaceID = '11111111-1111-4111-8111-111111111111' AND UnitID IN ('33333333-3333-4333-8333-333333333303')`,
    );
    expect(h.emulator.requests.filter((r) => r.status === 304)).toHaveLength(2);
    h.emulator.setUnitData('shop-prod', 'worker', WORKER);
  });
});

describe('integrity', () => {
  it('rejects bulk data whose sha256 differs from DataHash, naming the unit', async () => {
    const client = h.client();
    h.emulator.injectFault({ kind: 'wrongDataHash', route: '/api/unit_data', unitSlug: 'web-svc' });
    const error = await failure(client.fetch(await client.list({ space: 'shop-prod' })));
    expect(error).toBeInstanceOf(IntegrityError);
    expect(error.message).toMatch(
      /^unit 'web-svc': sha256 of the downloaded data is [0-9a-f]{64} but its DataHash is/,
    );
    expect(error).toMatchObject({ reason: 'IntegrityError', route: 'GET /api/unit_data' });
  });

  it('rejects per-unit data whose sha256 differs from DataHash and keeps it out of the cache', async () => {
    const client = h.client();
    const listing = await client.list({ space: 'shop-prod', ref: { mode: 'tag', tag: 'stable' } });
    const cache = createLruDataCache(1024 * 1024);
    h.emulator.injectFault({ kind: 'wrongDataHash', route: /\/revision\/.*\/data$/, unitSlug: 'web' });
    const error = await failure(client.fetch(listing, { cache }));
    expect(error).toBeInstanceOf(IntegrityError);
    expect(error.message).toContain("unit 'web'");
    expect(cache.get(listing.units.find((u) => u.slug === 'web')!.dataHash)).toBeUndefined();
  });

  it('tells a unit that moved after listing apart from corruption', async () => {
    const client = h.client();
    const listing = await client.list({ space: 'shop-staging' });
    h.emulator.setUnitData('shop-staging', 'web', WEB_V2);
    const moved = await failure(client.fetch(listing));
    expect(moved).toBeInstanceOf(UnitChangedError);
    expect(moved).toMatchObject({ retryable: true });
    expect(moved.message).toMatch(/unit 'web' changed after it was listed/);
    h.emulator.setUnitData('shop-staging', 'web', WEB_V1);
  });

  it('reports a unit deleted after listing', async () => {
    const client = h.client();
    h.emulator.createUnit('shop-staging', { slug: 'short-lived', data: 'kind: X\n' });
    const listing = await client.list({ space: 'shop-staging' });
    h.emulator.deleteUnit('shop-staging', 'short-lived');
    const error = await failure(client.fetch(listing));
    expect(error).toBeInstanceOf(UnitChangedError);
    expect(error.message).toBe(
      "unit 'short-lived' was deleted or moved after it was listed (ConfigHub v0.8.12)",
    );
  });
});

describe('limits', () => {
  it('refuses units above the per-unit limit before downloading', async () => {
    const client = h.client({ limits: { maxUnitDataBytes: 100 } });
    const listing = await client.list({ space: 'shop-prod' });
    h.emulator.clearRequests();
    const error = await failure(client.fetch(listing));
    expect(error).toBeInstanceOf(LimitExceededError);
    expect(error.message).toMatch(
      /^unit 'web' has \d+ bytes of data; the limit is 100 \(ConfigHub v0\.8\.12\)$/,
    );
    expect(h.emulator.requests).toHaveLength(0);
  });

  it('refuses a snapshot above the total limit and JSON bodies above theirs', async () => {
    const total = await failure(
      h.client({ limits: { maxTotalDataBytes: 600 } }).fetch(await h.client().list({ space: 'shop-prod' })),
    );
    expect(total).toBeInstanceOf(LimitExceededError);
    expect(total.message).toMatch(/the limit is 600$/);
    const json = await failure(h.client({ limits: { maxJsonBytes: 200 } }).list({ space: 'shop-prod' }));
    expect(json).toBeInstanceOf(LimitExceededError);
    expect(json.message).toMatch(/larger than 200 bytes/);
  });

  it('splits bulk downloads so each body stays inside the JSON limit', async () => {
    const big = (n: number) =>
      `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: big-${n}}\ndata: {x: ${'y'.repeat(950)}}\n`;
    for (const n of [1, 2, 3]) h.emulator.createUnit('shop-staging', { slug: `big-${n}`, data: big(n) });
    try {
      const client = h.client({ limits: { maxJsonBytes: 3000 } });
      const listing = await client.list({ space: 'shop-staging' });
      h.emulator.clearRequests();
      const snapshot = await client.fetch(listing);
      expect(snapshot.units.map((u) => u.slug)).toEqual(['big-1', 'big-2', 'big-3', 'web']);
      expect(snapshot.units[0]!.data.toString()).toBe(big(1));
      const bulk = h.emulator.requests.filter((r) => r.path === '/api/unit_data');
      expect(bulk.length).toBe(3);
      expect(bulk.every((r) => r.status === 200)).toBe(true);
    } finally {
      for (const n of [1, 2, 3]) h.emulator.deleteUnit('shop-staging', `big-${n}`);
    }
  });

  it('caps the number of units', async () => {
    const error = await failure(h.client({ limits: { maxUnits: 2 } }).list({ space: 'shop-prod' }));
    expect(error).toBeInstanceOf(LimitExceededError);
    expect(error.message).toMatch(/more than 2 units selected/);
  });
});
