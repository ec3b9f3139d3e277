import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  EMPTY_SHA256,
  InvalidFilterError,
  RefNotFoundError,
  SpaceNotFoundError,
} from '../../src/confighub/index.ts';
import { PROD_ID, WEB_SVC, WEB_V1, WEB_V2, WORKER } from './fixture.ts';
import { failure, useHarness } from './harness.ts';

const sha = (text: string) => createHash('sha256').update(text).digest('hex');

const h = useHarness();

describe('head mode', () => {
  it('lists Kubernetes units sorted by slug, leaving out other toolchains and hidden units', async () => {
    const listing = await h.client().list({ space: 'shop-prod' });
    expect(listing.spaceID).toBe(PROD_ID);
    expect(listing.spaceSlug).toBe('shop-prod');
    expect(listing.refId).toBe('head');
    expect(listing.units.map((u) => [u.slug, u.revisionNum, u.dataHash, u.dataSize])).toEqual([
      ['web', 3, sha(WEB_V2), Buffer.byteLength(WEB_V2)],
      ['web-svc', 2, sha(WEB_SVC), Buffer.byteLength(WEB_SVC)],
      ['worker', 2, sha(WORKER), Buffer.byteLength(WORKER)],
    ]);
    expect(listing.units[0]).toMatchObject({
      toolchainType: 'Kubernetes/YAML',
      labels: { app: 'web', tier: 'fe' },
    });
    expect(listing.units[0]!.revisionID).toMatch(/^[0-9a-f-]{36}$/);
    expect(listing.fingerprint).toMatch(/^[0-9a-f]{64}$/);
    // list downloads nothing
    expect(h.count(/\/data$|\/unit_data$/)).toBe(0);
  });

  it('fetches every listed unit with verified data', async () => {
    const client = h.client();
    const snapshot = await client.fetch(await client.list({ space: 'shop-prod' }));
    expect(snapshot.units.map((u) => [u.slug, u.data.toString()])).toEqual([
      ['web', WEB_V2],
      ['web-svc', WEB_SVC],
      ['worker', WORKER],
    ]);
    for (const unit of snapshot.units) expect(sha(unit.data.toString())).toBe(unit.dataHash);
    // one bulk request for all three units
    expect(h.count(/^\/api\/unit_data$/)).toBe(1);
    expect(h.count(/\/unit\/[^/]+\/data$/)).toBe(0);
  });

  it('selects other toolchains on request and AND-combines the user where', async () => {
    const client = h.client();
    const all = await client.list({ space: 'shop-prod', toolchains: ['Kubernetes/YAML', 'AppConfig/YAML'] });
    expect(all.units.map((u) => u.slug)).toEqual(['settings', 'web', 'web-svc', 'worker']);
    const fe = await client.list({ space: 'shop-prod', where: "Labels.app = 'web'" });
    expect(fe.units.map((u) => u.slug)).toEqual(['web', 'web-svc']);
    const sent = h.emulator.requests.filter((r) => /\/unit$/.test(r.path)).at(-1)!;
    expect(sent.query['where']).toBe("Labels.app = 'web' AND ToolchainType IN ('Kubernetes/YAML')");
    expect(sent.query['limit']).toBe('1000');
  });

  it('resolves a space by UUID with a GET on the space', async () => {
    const listing = await h.client().list({ space: PROD_ID });
    expect(listing.spaceSlug).toBe('shop-prod');
    expect(h.count(new RegExp(`^/api/space/${PROD_ID}$`))).toBe(1);
    expect(h.count(/^\/api\/space$/)).toBe(0);
  });

  it('reports unknown spaces by slug and by UUID', async () => {
    const client = h.client();
    const bySlug = await failure(client.list({ space: 'shop-nowhere' }));
    expect(bySlug).toBeInstanceOf(SpaceNotFoundError);
    expect(bySlug.message).toContain("'shop-nowhere'");
    const byID = await failure(client.list({ space: '12345678-1234-4234-8234-123456789012' }));
    expect(byID).toBeInstanceOf(SpaceNotFoundError);
    expect(byID).toMatchObject({ status: 404, route: 'GET /api/space/{space_id}', retryable: false });
  });

  it('turns a where the server rejects into InvalidFilter, and refuses unsafe values locally', async () => {
    const client = h.client();
    const rejected = await failure(client.list({ space: 'shop-prod', where: 'NoSuchField = 1' }));
    expect(rejected).toBeInstanceOf(InvalidFilterError);
    expect(rejected).toMatchObject({ status: 400, route: 'GET /api/space/{space_id}/unit' });
    expect(rejected.message).toMatch(/where filter \(400\)/);
    const before = h.emulator.requests.length;
    await expect(client.list({ space: "shop'prod" })).rejects.toThrow(InvalidFilterError);
    await expect(client.list({ space: 'shop-prod', toolchains: ["K'"] })).rejects.toThrow(
      /quote or backslash/,
    );
    await expect(client.list({ space: 'shop-prod', where: "Slug = 'a\\b'" })).rejects.toThrow(/backslash/);
    expect(h.emulator.requests.length).toBe(before);
  });
});

describe('tag mode', () => {
  it('reads, per unit, the highest revision carrying the tag and leaves untagged units out', async () => {
    const client = h.client();
    const listing = await client.list({ space: 'shop-prod', ref: { mode: 'tag', tag: 'stable' } });
    expect(listing.refId).toBe('tag-stable');
    expect(listing.units.map((u) => [u.slug, u.revisionNum, u.dataHash])).toEqual([
      ['web', 2, sha(WEB_V1)],
      ['web-svc', 2, sha(WEB_SVC)],
    ]);
    const snapshot = await client.fetch(listing);
    expect(snapshot.units.map((u) => u.data.toString())).toEqual([WEB_V1, WEB_SVC]);
    expect(h.count(/\/revision\/[^/]+\/data$/)).toBe(2);
    expect(h.count(/^\/api\/unit_data$/)).toBe(0);
  });

  it('follows a moved tag and reports a missing one', async () => {
    const client = h.client();
    h.emulator.tagUnits('shop-prod', 'moving', ['worker']);
    const first = await client.list({ space: 'shop-prod', ref: { mode: 'tag', tag: 'moving' } });
    expect(first.units.map((u) => u.slug)).toEqual(['worker']);
    h.emulator.tagUnits('shop-prod', 'moving', ['web', 'worker']);
    const second = await client.list({ space: 'shop-prod', ref: { mode: 'tag', tag: 'moving' } });
    expect(second.units.map((u) => [u.slug, u.revisionNum])).toEqual([
      ['web', 3],
      ['worker', 2],
    ]);
    expect(second.fingerprint).not.toBe(first.fingerprint);
    const missing = await failure(client.list({ space: 'shop-prod', ref: { mode: 'tag', tag: 'nope' } }));
    expect(missing).toBeInstanceOf(RefNotFoundError);
    expect(missing.message).toBe("tag 'nope' does not exist in space 'shop-prod' (ConfigHub v0.8.12)");
  });
});

describe('release mode', () => {
  it('picks the latest published release and a numbered one through their tags', async () => {
    const client = h.client();
    const latest = await client.list({ space: 'shop-prod', ref: { mode: 'release', release: 'latest' } });
    expect(latest.refId).toBe('release-2');
    expect(latest.units.map((u) => [u.slug, u.revisionNum])).toEqual([
      ['web', 3],
      ['web-svc', 2],
    ]);
    const first = await client.list({ space: 'shop-prod', ref: { mode: 'release', release: 1 } });
    expect(first.refId).toBe('release-1');
    const snapshot = await client.fetch(first);
    expect(snapshot.units.map((u) => [u.slug, u.data.toString()])).toEqual([
      ['web', WEB_V1],
      ['web-svc', WEB_SVC],
      ['worker', WORKER],
    ]);
  });

  it('refuses unpublished and unknown releases', async () => {
    const client = h.client();
    const unpublished = await failure(
      client.list({ space: 'shop-prod', ref: { mode: 'release', release: 3 } }),
    );
    expect(unpublished).toBeInstanceOf(RefNotFoundError);
    expect(unpublished.message).toBe(
      "release 3 of space 'shop-prod' does not exist or is not published (ConfigHub v0.8.12)",
    );
    const unknown = await failure(client.list({ space: 'shop-prod', ref: { mode: 'release', release: 9 } }));
    expect(unknown.message).toBe(
      "release 9 of space 'shop-prod' does not exist or is not published (ConfigHub v0.8.12)",
    );
    const none = await failure(
      client.list({ space: 'shop-staging', ref: { mode: 'release', release: 'latest' } }),
    );
    expect(none).toBeInstanceOf(RefNotFoundError);
    expect(none.message).toBe("space 'shop-staging' has no published release (ConfigHub v0.8.12)");
  });

  it('moves to a newly published release', async () => {
    const client = h.client();
    h.emulator.setUnitData('shop-staging', 'web', WEB_V2);
    const release = h.emulator.publishRelease('shop-staging');
    const listing = await client.list({ space: 'shop-staging', ref: { mode: 'release', release: 'latest' } });
    expect(listing.refId).toBe(`release-${release.ReleaseNum}`);
    expect(listing.units.map((u) => u.dataHash)).toEqual([sha(WEB_V2)]);
  });
});

describe('empty data', () => {
  it('needs no download for a unit without data', async () => {
    const client = h.client();
    h.emulator.createUnit('shop-staging', { slug: 'empty', data: '' });
    const listing = await client.list({ space: 'shop-staging', where: "Slug = 'empty'" });
    expect(listing.units).toMatchObject([{ slug: 'empty', dataHash: EMPTY_SHA256, dataSize: 0 }]);
    h.emulator.clearRequests();
    const snapshot = await client.fetch(listing);
    expect(snapshot.units[0]!.data.length).toBe(0);
    expect(h.emulator.requests).toHaveLength(0);
    h.emulator.deleteUnit('shop-staging', 'empty');
  });
});
