import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AbortedError,
  InvalidResponseError,
  type RequestEvent,
  UpstreamUnavailableError,
} from '../../src/confighub/index.ts';
import { failure, useHarness } from './harness.ts';

const h = useHarness();
let elsewhere: { url: string; seen: IncomingMessage[]; close: () => Promise<void> };

beforeAll(async () => {
  const seen: IncomingMessage[] = [];
  const server = createServer((req, res) => {
    seen.push(req);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('[]');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  elsewhere = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
});
afterAll(async () => {
  await elsewhere.close();
});

describe('retries', () => {
  it('retries 503 and 429 honouring Retry-After, then succeeds', async () => {
    h.emulator.injectFault({ kind: 'status', status: 503, retryAfterSeconds: 2, route: /\/unit$/, times: 1 });
    h.emulator.injectFault({ kind: 'status', status: 429, retryAfterSeconds: 5, route: /\/unit$/, times: 1 });
    const listing = await h.client().list({ space: 'shop-prod' });
    expect(listing.units).toHaveLength(3);
    expect(h.sleeps).toEqual([2000, 5000]);
    expect(h.emulator.requests.filter((r) => /\/unit$/.test(r.path)).map((r) => r.status)).toEqual([
      503, 429, 200,
    ]);
  });

  it('reports every attempt to the request observer by route template', async () => {
    h.emulator.injectFault({ kind: 'status', status: 503, route: /\/unit$/, times: 1 });
    const events: RequestEvent[] = [];
    await h.client({ onRequest: (event) => events.push(event) }).list({ space: 'shop-prod' });
    expect(events.map(({ route, attempt, status }) => [route, attempt, status])).toEqual([
      ['GET /api/space', 1, 200],
      ['GET /api/space/{space_id}/unit', 1, 503],
      ['GET /api/space/{space_id}/unit', 2, 200],
    ]);
    expect(events.every((e) => e.durationMs >= 0)).toBe(true);
  });

  it('backs off exponentially on 500 and gives up after the attempt budget', async () => {
    h.emulator.injectFault({ kind: 'status', status: 500, route: /\/unit$/ });
    const client = h.client({ retry: { maxAttempts: 4, baseDelayMs: 100, maxDelayMs: 250 } });
    const error = await failure(client.list({ space: 'shop-prod' }));
    expect(error).toBeInstanceOf(UpstreamUnavailableError);
    expect(error).toMatchObject({ status: 500, retryable: true, route: 'GET /api/space/{space_id}/unit' });
    expect(error.message).toMatch(/gave up after 4 attempts/);
    expect(h.sleeps).toEqual([100, 200, 250]);
  });

  it('does not retry other 4xx', async () => {
    h.emulator.injectFault({ kind: 'status', status: 404, route: /\/unit$/ });
    await expect(h.client().list({ space: 'shop-prod' })).rejects.toThrow(/no longer exists/);
    expect(h.emulator.requests.filter((r) => /\/unit$/.test(r.path))).toHaveLength(1);
    expect(h.sleeps).toEqual([]);
  });

  it('hands a long Retry-After to the caller instead of blocking', async () => {
    h.emulator.injectFault({ kind: 'status', status: 429, retryAfterSeconds: 600, route: /\/unit$/ });
    const error = await failure(h.client().list({ space: 'shop-prod' }));
    expect(error).toBeInstanceOf(UpstreamUnavailableError);
    expect(error).toMatchObject({ status: 429, retryAfterMs: 600_000 });
    expect(h.sleeps).toEqual([]);
  });
});

describe('fault knobs map to typed errors', () => {
  it('html → UpstreamUnavailable naming the route', async () => {
    h.emulator.injectFault({ kind: 'html', route: /\/unit$/ });
    const error = await failure(h.client().list({ space: 'shop-prod' }));
    expect(error).toBeInstanceOf(UpstreamUnavailableError);
    expect(error.message).toBe(
      'GET /api/space/{space_id}/unit: the server answered with an HTML page instead of JSON (a proxy or login page in the way?) (ConfigHub v0.8.12)',
    );
  });

  it('truncate → InvalidResponse naming the route', async () => {
    h.emulator.injectFault({ kind: 'truncate', route: '/api/space' });
    const error = await failure(h.client().list({ space: 'shop-prod' }));
    expect(error).toBeInstanceOf(InvalidResponseError);
    expect(error.message).toMatch(/^GET \/api\/space: the response is not valid JSON/);
  });

  it('redirect → refused, and the other host receives nothing', async () => {
    h.emulator.injectFault({ kind: 'redirect', location: `${elsewhere.url}/api/space`, route: '/api/space' });
    const error = await failure(h.client().list({ space: 'shop-prod' }));
    expect(error).toBeInstanceOf(UpstreamUnavailableError);
    expect(error.message).toMatch(/redirect \(302\); redirects are refused/);
    expect(error).toMatchObject({ status: 302, route: 'GET /api/space' });
    expect(elsewhere.seen).toHaveLength(0);
  });

  it('latency beyond the timeout → UpstreamUnavailable after the attempts', async () => {
    h.emulator.injectFault({ kind: 'latency', ms: 400, route: /\/unit$/ });
    const client = h.client({ timeoutMs: 100, retry: { maxAttempts: 2 } });
    const error = await failure(client.list({ space: 'shop-prod' }));
    expect(error).toBeInstanceOf(UpstreamUnavailableError);
    expect(error.message).toMatch(/within 100ms \(gave up after 2 attempts\)/);
  });

  it('5xx on the data route → UpstreamUnavailable', async () => {
    const client = h.client({ retry: { maxAttempts: 1 } });
    const listing = await client.list({ space: 'shop-prod' });
    h.emulator.injectFault({ kind: 'status', status: 502, route: '/api/unit_data' });
    const error = await failure(client.fetch(listing));
    expect(error).toBeInstanceOf(UpstreamUnavailableError);
    expect(error).toMatchObject({ status: 502, route: 'GET /api/unit_data' });
  });

  it('a caller abort stops the operation without further requests', async () => {
    const controller = new AbortController();
    h.emulator.injectFault({ kind: 'status', status: 503, route: /\/unit$/ });
    const client = h.client({
      sleep: async () => {
        controller.abort();
      },
    });
    const error = await failure(client.list({ space: 'shop-prod' }, controller.signal));
    expect(error).toBeInstanceOf(AbortedError);
    expect(h.emulator.requests.filter((r) => /\/unit$/.test(r.path))).toHaveLength(1);
  });
});
