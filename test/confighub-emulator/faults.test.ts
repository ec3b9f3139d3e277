// Fault knobs: each one observed over HTTP, plus route/method/times scoping and the request log.
import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { startEmulator } from '../../testkit/confighub-emulator/index.ts';
import { call, PROD_ID, PROD_WEB_ID, slugs, useEmulator, withQuery, workerToken } from './support.ts';

const emu = useEmulator();
const UNITS = `/api/space/${PROD_ID}/unit`;
const DATA = `${UNITS}/${PROD_WEB_ID}/data`;
const sha256 = (bytes: Uint8Array | string): string => createHash('sha256').update(bytes).digest('hex');

afterEach(() => {
  emu().clearFaults();
});

describe('status overrides', () => {
  it.each([401, 403, 404, 500, 503])('answers %i with a JSON error body', async (status) => {
    emu().injectFault({ route: UNITS, kind: 'status', status });
    const answer = await call(emu(), UNITS);
    expect(answer.status).toBe(status);
    expect(answer.json).toMatchObject({ Code: String(status) });
  });

  it('answers 429 with Retry-After, for `times` requests only', async () => {
    emu().injectFault({ route: UNITS, kind: 'status', status: 429, retryAfterSeconds: 7, times: 2 });
    const first = await call(emu(), UNITS);
    expect(first.status).toBe(429);
    expect(first.headers.get('retry-after')).toBe('7');
    expect((await call(emu(), UNITS)).status).toBe(429);
    expect((await call(emu(), UNITS)).status).toBe(200);
  });
});

describe('scoping', () => {
  it('matches exact paths, prefixes ending in *, RegExps and methods', async () => {
    emu().injectFault({ route: '/api/space/*', kind: 'status', status: 500 });
    expect((await call(emu(), UNITS)).status).toBe(500);
    expect((await call(emu(), '/api/space')).status).toBe(200);
    emu().clearFaults();
    emu().injectFault({ route: /\/data$/, kind: 'status', status: 503 });
    expect((await call(emu(), DATA)).status).toBe(503);
    expect((await call(emu(), UNITS)).status).toBe(200);
    emu().clearFaults();
    emu().injectFault({ route: UNITS, method: 'head', kind: 'status', status: 500 });
    expect((await call(emu(), UNITS)).status).toBe(200);
    expect((await call(emu(), UNITS, { method: 'HEAD' })).status).toBe(500);
  });

  it('stops applying once removed', async () => {
    const remove = emu().injectFault({ kind: 'status', status: 500 });
    expect((await call(emu(), '/api/info')).status).toBe(500);
    remove();
    expect((await call(emu(), '/api/info')).status).toBe(200);
  });

  it('rejects a non-positive times', () => {
    expect(() => emu().injectFault({ kind: 'html', times: 0 })).toThrow(RangeError);
  });
});

describe('latency', () => {
  it('delays the answer, then combines with another fault', async () => {
    emu().injectFault({ route: UNITS, kind: 'latency', ms: 150, times: 1 });
    emu().injectFault({ route: UNITS, kind: 'status', status: 503, times: 1 });
    const started = performance.now();
    const answer = await call(emu(), UNITS);
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
    expect(answer.status).toBe(503);
    expect((await call(emu(), UNITS)).status).toBe(200);
  });

  it('lets a client time out, and close() does not wait for the delay', async () => {
    const emulator = await startEmulator();
    emulator.injectFault({ kind: 'latency', ms: 60_000 });
    const aborted = fetch(`${emulator.url}/api/info`, { signal: AbortSignal.timeout(50) });
    await expect(aborted).rejects.toThrow();
    const pending = fetch(`${emulator.url}/api/info`).catch((error: unknown) => error);
    await expect.poll(() => emulator.requests.length, { timeout: 2000 }).toBe(2);
    expect(emulator.requests.map((r) => r.status)).toEqual([0, 0]);
    await emulator.close();
    expect(await pending).toBeInstanceOf(Error);
  });
});

describe('body corruption', () => {
  it('serves an HTML login page with 200', async () => {
    emu().injectFault({ route: UNITS, kind: 'html' });
    const answer = await call(emu(), UNITS);
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toMatch(/^text\/html/);
    expect(answer.text).toMatch(/^<!doctype html>/);
    expect(answer.json).toBeUndefined();
  });

  it('truncates the JSON body (Content-Length matches the cut body)', async () => {
    const full = await call(emu(), UNITS);
    emu().injectFault({ route: UNITS, kind: 'truncate', times: 1 });
    const cut = await call(emu(), UNITS);
    expect(cut.status).toBe(200);
    expect(cut.json).toBeUndefined();
    expect(cut.bytes.byteLength).toBeLessThan(full.bytes.byteLength);
    expect(full.text.startsWith(cut.text)).toBe(true);
  });

  it('answers a null list body', async () => {
    emu().injectFault({ route: UNITS, kind: 'nullList' });
    const answer = await call(emu(), UNITS);
    expect(answer.text).toBe('null');
  });

  it('puts a null element in front of the list', async () => {
    emu().injectFault({ route: UNITS, kind: 'nullElement' });
    const answer = await call(emu(), UNITS);
    const list = answer.json as unknown[];
    expect(list[0]).toBeNull();
    expect(list).toHaveLength(7);
  });

  it('redirects to another host without following anything itself', async () => {
    emu().injectFault({ route: UNITS, kind: 'redirect', location: 'http://elsewhere.invalid/steal' });
    const answer = await call(emu(), UNITS);
    expect(answer.status).toBe(302);
    expect(answer.headers.get('location')).toBe('http://elsewhere.invalid/steal');
  });
});

describe('wrongDataHash', () => {
  it('serves /data bytes that do not hash to the ETag or DataHash', async () => {
    const unit = emu().getUnit('shop-prod', 'web');
    emu().injectFault({ kind: 'wrongDataHash', unitSlug: 'web' });
    const answer = await call(emu(), DATA);
    expect(answer.status).toBe(200);
    expect(answer.headers.get('etag')).toBe(`"${unit.DataHash}"`);
    expect(sha256(answer.bytes)).not.toBe(unit.DataHash);
  });

  it('corrupts only the named unit in /api/unit_data', async () => {
    emu().injectFault({ route: '/api/unit_data', kind: 'wrongDataHash', unitSlug: 'web-svc' });
    const answer = await call(emu(), withQuery('/api/unit_data', { where: `SpaceID = '${PROD_ID}'` }));
    const records = answer.json as { Slug: string; Data: string; DataHash: string }[];
    const broken = records.filter((r) => sha256(r.Data) !== r.DataHash).map((r) => r.Slug);
    expect(broken).toEqual(['web-svc']);
  });
});

describe('paging faults', () => {
  it('endlessContinue: every page carries a token that leads back to more', async () => {
    emu().injectFault({ route: UNITS, kind: 'endlessContinue' });
    let token: string | null = null;
    for (let page = 0; page < 10; page++) {
      const answer = await call(
        emu(),
        withQuery(UNITS, token === null ? { limit: '2' } : { limit: '2', continue: token }),
      );
      expect(answer.status).toBe(200);
      token = answer.headers.get('confighub-continue');
      expect(token).not.toBeNull();
    }
  });

  it('shortPages: an empty first page and one-item pages, each with a token, until the end', async () => {
    emu().injectFault({ route: UNITS, kind: 'shortPages' });
    const pages: string[][] = [];
    const tokens: (string | null)[] = [];
    let token: string | null = null;
    do {
      const answer = await call(
        emu(),
        withQuery(UNITS, token === null ? { limit: '3' } : { limit: '3', continue: token }),
      );
      token = answer.headers.get('confighub-continue');
      pages.push(slugs(answer));
      tokens.push(token);
    } while (token !== null && pages.length < 20);
    expect(pages[0]).toEqual([]);
    expect(pages.flat()).toEqual(['namespace', 'web', 'web-config', 'web-hpa', 'web-properties', 'web-svc']);
    expect(pages.slice(1, -1).every((p) => p.length === 1)).toBe(true);
    expect(pages.at(-1)).toEqual([]);
    expect(tokens.filter((t) => t === null)).toHaveLength(1);
  });
});

describe('expireTokenAfter', () => {
  it('lets N requests through, then the caller’s token is expired; a fresh worker token works', async () => {
    const emulator = await startEmulator();
    try {
      const token = await workerToken(emulator);
      emulator.injectFault({ kind: 'expireTokenAfter', requests: 2 });
      expect((await call(emulator, '/api/space', { token })).status).toBe(200);
      expect((await call(emulator, UNITS, { token })).status).toBe(200);
      expect((await call(emulator, UNITS, { token })).status).toBe(401);
      expect((await call(emulator, '/api/space', { token })).status).toBe(401);
      const fresh = await workerToken(emulator);
      expect((await call(emulator, UNITS, { token: fresh })).status).toBe(200);
      expect((await call(emulator, UNITS, { token: fresh })).status).toBe(200);
    } finally {
      await emulator.close();
    }
  });
});

describe('request log', () => {
  it('records method, path, query, Authorization, User-Agent and status', async () => {
    emu().clearRequests();
    await call(emu(), withQuery(UNITS, { where: "Slug = 'web'", limit: '5' }), {
      headers: { 'user-agent': 'probe/1.0' },
    });
    await call(emu(), '/api/nope', { token: null });
    await call(emu(), UNITS, { method: 'DELETE' });
    expect(emu().requests).toEqual([
      {
        method: 'GET',
        path: UNITS,
        query: { where: "Slug = 'web'", limit: '5' },
        authorization: `Bearer ${emu().fixture.token}`,
        userAgent: 'probe/1.0',
        status: 200,
      },
      expect.objectContaining({ method: 'GET', path: '/api/nope', query: {}, status: 404 }),
      expect.objectContaining({ method: 'DELETE', path: UNITS, status: 405 }),
    ]);
    expect(emu().requests[1]).not.toHaveProperty('authorization');
    emu().clearRequests();
    expect(emu().requests).toEqual([]);
  });

  it('records faulted answers with the status sent', async () => {
    emu().clearRequests();
    emu().injectFault({ route: UNITS, kind: 'status', status: 503, times: 1 });
    await call(emu(), UNITS);
    expect(emu().requests.map((r) => r.status)).toEqual([503]);
  });
});
