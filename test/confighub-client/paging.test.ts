import { describe, expect, it } from 'vitest';
import { InvalidResponseError, LimitExceededError } from '../../src/confighub/index.ts';
import { failure, useHarness } from './harness.ts';

const h = useHarness();

const unitPages = () => h.emulator.requests.filter((r) => /\/unit$/.test(r.path));

describe('paging through ConfigHub-Continue', () => {
  it('follows the continue token across several pages and repeats the same query', async () => {
    const client = h.client({ pageSize: 1 });
    const listing = await client.list({ space: 'shop-prod' });
    expect(listing.units.map((u) => u.slug)).toEqual(['web', 'web-svc', 'worker']);
    const pages = unitPages();
    expect(pages.length).toBeGreaterThanOrEqual(3);
    expect(pages[0]!.query['continue']).toBeUndefined();
    for (const page of pages.slice(1)) {
      expect(page.query['continue']).toBeTruthy();
      expect(page.query['where']).toBe(pages[0]!.query['where']);
      expect(page.query['limit']).toBe('1');
    }
  });

  it('keeps reading through short and empty pages that carry a token', async () => {
    const paged = await h.client().list({ space: 'shop-prod' });
    h.emulator.injectFault({ kind: 'shortPages', route: /\/unit$/ });
    h.emulator.clearRequests();
    const listing = await h.client().list({ space: 'shop-prod' });
    expect(listing.fingerprint).toBe(paged.fingerprint);
    expect(unitPages().length).toBeGreaterThanOrEqual(4);
  });

  it('stops at once when the server repeats a continue token', async () => {
    h.emulator.injectFault({ kind: 'endlessContinue', route: /\/unit$/ });
    const error = await failure(h.client({ limits: { maxPages: 5 } }).list({ space: 'shop-prod' }));
    expect(error).toBeInstanceOf(LimitExceededError);
    expect(error.message).toMatch(
      /^GET \/api\/space\/\{space_id\}\/unit: the server repeated a ConfigHub-Continue token after 2 pages/,
    );
    expect(unitPages()).toHaveLength(2);
  });

  it('gives up at the page cap when new tokens keep coming', async () => {
    h.emulator.injectFault({ kind: 'shortPages', route: /\/unit$/ });
    const error = await failure(h.client({ limits: { maxPages: 3 } }).list({ space: 'shop-prod' }));
    expect(error).toBeInstanceOf(LimitExceededError);
    expect(error.message).toMatch(/^GET \/api\/space\/\{space_id\}\/unit: still more units after 3 pages/);
    expect(unitPages()).toHaveLength(3);
  });

  it('treats a null list body as empty and rejects null elements', async () => {
    h.emulator.injectFault({ kind: 'nullList', route: /\/unit$/, times: 1 });
    const empty = await h.client().list({ space: 'shop-prod' });
    expect(empty.units).toEqual([]);
    h.emulator.injectFault({ kind: 'nullElement', route: /\/unit$/, times: 1 });
    const error = await failure(h.client().list({ space: 'shop-prod' }));
    expect(error).toBeInstanceOf(InvalidResponseError);
    expect(error.message).toMatch(/^GET \/api\/space\/\{space_id\}\/unit: unexpected response shape at 0/);
  });

  it('pages tag and release lookups and bulk data too', async () => {
    const client = h.client({ pageSize: 1 });
    const tagged = await client.list({ space: 'shop-prod', ref: { mode: 'release', release: 'latest' } });
    expect(tagged.refId).toBe('release-2');
    const head = await client.fetch(await client.list({ space: 'shop-prod' }));
    expect(head.units).toHaveLength(3);
    expect(h.emulator.requests.filter((r) => r.path === '/api/unit_data').length).toBeGreaterThanOrEqual(3);
  });
});
