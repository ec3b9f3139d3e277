import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { delay } from '../util/timers.ts';
import {
  AbortedError,
  InvalidResponseError,
  LimitExceededError,
  UpstreamUnavailableError,
} from './errors.ts';
import {
  backoffDelay,
  DEFAULT_RETRY,
  describeErrorBody,
  encodeQuery,
  type HttpResponse,
  parseJson,
  scrub,
  Transport,
  type TransportOptions,
} from './http.ts';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** A scripted HTTP server: each request takes the next handler (the last one repeats). */
async function startScripted(): Promise<{
  url: string;
  seen: IncomingMessage[];
  script: (...handlers: Handler[]) => void;
  server: Server;
}> {
  let handlers: Handler[] = [];
  const seen: IncomingMessage[] = [];
  const server = createServer((req, res) => {
    seen.push(req);
    const handler = handlers.length > 1 ? handlers.shift()! : handlers[0];
    if (handler === undefined) {
      res.statusCode = 500;
      res.end();
      return;
    }
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    script: (...next) => {
      handlers = next;
      seen.length = 0;
    },
    server,
  };
}

const json =
  (status: number, body: unknown, headers: Record<string, string> = {}): Handler =>
  (_req, res) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  };

describe('pure helpers', () => {
  it('backs off exponentially with jitter in [50%, 100%] and a cap', () => {
    const policy = { ...DEFAULT_RETRY, baseDelayMs: 100, maxDelayMs: 1000 };
    expect(backoffDelay(1, policy, () => 0)).toBe(50);
    expect(backoffDelay(1, policy, () => 0.999999)).toBe(100);
    expect(backoffDelay(3, policy, () => 0.999999)).toBe(400);
    expect(backoffDelay(10, policy, () => 0.999999)).toBe(1000);
  });

  it('encodes spaces as %20 and scrubs secrets', () => {
    expect(encodeQuery([['where', "Slug = 'a'"]])).toBe("?where=Slug%20%3D%20'a'");
    expect(encodeQuery([])).toBe('');
    expect(scrub('token abcd1234 in abcd1234', ['abcd1234', 'ab'])).toBe('token [redacted] in [redacted]');
  });

  it('describes error bodies by their Message, never echoing secrets or HTML', () => {
    const secrets = ['s3cr3t-token'];
    expect(
      describeErrorBody(Buffer.from('{"Code":"400","Message":"bad where near s3cr3t-token"}'), secrets),
    ).toBe('bad where near [redacted]');
    expect(describeErrorBody(Buffer.from('<html><body>login</body></html>'), secrets)).toBe('an HTML page');
    expect(describeErrorBody(Buffer.from('plain\ntext'), secrets)).toBe('plain text');
    expect(describeErrorBody(Buffer.from('x'.repeat(400)), secrets)).toHaveLength(300);
    // A secret straddling the cut is scrubbed first, so no piece of it survives the truncation.
    const token = 'chx_straddles_the_cut_0123456789';
    const body = Buffer.from(JSON.stringify({ Message: `${'y'.repeat(272)}Bearer ${token}\u001b[0m` }));
    const described = describeErrorBody(body, [token]);
    expect(described).not.toContain(token.slice(0, 12));
    expect(described).not.toMatch(/[\u0000-\u001f]/);
    expect(describeErrorBody(Buffer.from('see https://bob:pa55w0rd-here@hub.example/x'), [])).toBe(
      'see https://hub.example/x',
    );
  });

  it('parses JSON bodies into typed errors for HTML, broken JSON and wrong shapes', () => {
    const response = (body: string, contentType = 'application/json'): HttpResponse => ({
      status: 200,
      headers: { 'content-type': contentType },
      body: Buffer.from(body),
    });
    const schema = z.array(z.object({ a: z.number() }));
    expect(parseJson('GET /r', response('[{"a":1}]'), schema)).toEqual([{ a: 1 }]);
    expect(() => parseJson('GET /r', response('<!doctype html><p>hi'), schema)).toThrow(
      UpstreamUnavailableError,
    );
    expect(() => parseJson('GET /r', response('[]', 'text/html'), schema)).toThrow(
      /HTML page instead of JSON/,
    );
    expect(() => parseJson('GET /r', response('[{"a":1'), schema)).toThrow(InvalidResponseError);
    expect(() => parseJson('GET /r', response('[{"a":1'), schema)).toThrow(
      /GET \/r: the response is not valid JSON/,
    );
    expect(() => parseJson('GET /r', response('[{"a":"x"}]'), schema)).toThrow(
      /GET \/r: unexpected response shape at 0\.a/,
    );
  });
});

describe('Transport over real HTTP', () => {
  let scripted: Awaited<ReturnType<typeof startScripted>>;
  let other: Awaited<ReturnType<typeof startScripted>>;
  let sleeps: number[];

  const make = (overrides: Partial<TransportOptions> = {}) =>
    new Transport({
      server: scripted.url,
      timeoutMs: 2000,
      userAgent: 'confighub-source-controller/test',
      retry: {
        ...DEFAULT_RETRY,
        maxAttempts: 3,
        baseDelayMs: 100,
        maxDelayMs: 1000,
        maxRetryAfterMs: 10_000,
      },
      sleep: async (ms) => {
        sleeps.push(ms);
      },
      random: () => 1,
      now: () => Date.parse('2026-11-30T10:00:00Z'),
      secrets: () => ['secret-token-value'],
      ...overrides,
    });
  const get = (transport: Transport, extra: { maxBytes?: number; signal?: AbortSignal } = {}) =>
    transport.send({
      method: 'GET',
      route: 'GET /api/thing',
      path: '/api/thing',
      query: [['where', "Slug = 'x'"]],
      headers: { authorization: 'Bearer secret-token-value' },
      maxBytes: extra.maxBytes ?? 1024,
      signal: extra.signal,
    });

  beforeAll(async () => {
    scripted = await startScripted();
    other = await startScripted();
  });
  afterAll(async () => {
    scripted.server.close();
    other.server.close();
  });
  beforeEach(() => {
    sleeps = [];
    other.script(json(200, { stolen: true }));
  });

  it('sends the User-Agent and the query, and returns the body', async () => {
    scripted.script(json(200, [1, 2]));
    const transport = make();
    const response = await get(transport);
    expect(response.status).toBe(200);
    expect(JSON.parse(response.body.toString())).toEqual([1, 2]);
    expect(scripted.seen[0]!.headers['user-agent']).toBe('confighub-source-controller/test');
    expect(decodeURIComponent(scripted.seen[0]!.url!)).toBe("/api/thing?where=Slug = 'x'");
    expect(scripted.seen[0]!.url).toMatch(/^\/api\/thing\?where=Slug%20%3D%20/);
    await transport.close();
  });

  it('retries 503 and 429 honouring Retry-After in seconds and as a date', async () => {
    scripted.script(
      json(503, { Message: 'down' }, { 'retry-after': '2' }),
      json(429, { Message: 'slow down' }, { 'retry-after': 'Mon, 30 Nov 2026 10:00:03 GMT' }),
      json(200, []),
    );
    const transport = make();
    expect((await get(transport)).status).toBe(200);
    expect(sleeps).toEqual([2000, 3000]);
    expect(scripted.seen).toHaveLength(3);
    await transport.close();
  });

  it('backs off exponentially without Retry-After and gives up with the status', async () => {
    scripted.script(json(500, { Message: 'boom for secret-token-value' }));
    const transport = make();
    const error = await get(transport).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UpstreamUnavailableError);
    expect(error).toMatchObject({ status: 500, route: 'GET /api/thing', retryable: true });
    expect((error as Error).message).toContain('gave up after 3 attempts');
    expect((error as Error).message).not.toContain('secret-token-value');
    expect(sleeps).toEqual([100, 200]);
    expect(scripted.seen).toHaveLength(3);
    await transport.close();
  });

  it('does not wait for a Retry-After above the cap but reports it', async () => {
    scripted.script(json(429, { Message: 'quota' }, { 'retry-after': '120' }));
    const transport = make();
    const error = await get(transport).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UpstreamUnavailableError);
    expect(error).toMatchObject({ status: 429, retryAfterMs: 120_000 });
    expect(sleeps).toEqual([]);
    expect(scripted.seen).toHaveLength(1);
    await transport.close();
  });

  it('returns other 4xx without retrying', async () => {
    scripted.script(json(404, { Message: 'nope' }));
    const transport = make();
    expect((await get(transport)).status).toBe(404);
    expect(scripted.seen).toHaveLength(1);
    await transport.close();
  });

  it('refuses redirects and never contacts the target', async () => {
    scripted.script((_req, res) => {
      res.writeHead(302, { location: `${other.url}/api/thing` });
      res.end();
    });
    const transport = make();
    const error = await get(transport).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UpstreamUnavailableError);
    expect((error as Error).message).toMatch(/redirect \(302\)/);
    expect(other.seen).toHaveLength(0);
    expect(scripted.seen).toHaveLength(1);
    await transport.close();
  });

  it('limits bodies by Content-Length and by streamed size', async () => {
    scripted.script(json(200, 'x'.repeat(2000)));
    const transport = make();
    await expect(get(transport)).rejects.toThrow(LimitExceededError);
    scripted.script((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' }); // chunked, no length
      res.write('"');
      res.write('y'.repeat(1500));
      res.end('"');
    });
    await expect(get(transport)).rejects.toThrow(/larger than 1024 bytes/);
    await transport.close();
  });

  it('retries connection failures, then reports them', async () => {
    const dead = await startScripted();
    dead.server.close();
    const transport = make({ server: dead.url });
    const error = await get(transport).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UpstreamUnavailableError);
    expect((error as Error).message).toMatch(/connection failed \(ECONNREFUSED\).*3 attempts/);
    expect(sleeps).toHaveLength(2);
    await transport.close();
  });

  it('times out a server that never answers', async () => {
    scripted.script(() => {
      // never respond
    });
    const transport = make({ timeoutMs: 150, retry: { ...DEFAULT_RETRY, maxAttempts: 1 } });
    const error = await get(transport).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UpstreamUnavailableError);
    expect((error as Error).message).toMatch(/within 150ms/);
    await transport.close();
  });

  it('stops at once when the caller aborts', async () => {
    scripted.script(json(503, {}));
    const controller = new AbortController();
    const transport = make({
      sleep: async () => {
        controller.abort();
      },
    });
    const error = await get(transport, { signal: controller.signal }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AbortedError);
    expect(scripted.seen).toHaveLength(1);
    await transport.close();
  });

  it('an abort cuts a long backoff short: the wait is handed the request signal', async () => {
    scripted.script(json(503, {}));
    const controller = new AbortController();
    let waiting: (() => void) | undefined;
    const started = new Promise<void>((resolve) => {
      waiting = resolve;
    });
    const transport = make({
      retry: { ...DEFAULT_RETRY, maxAttempts: 3, baseDelayMs: 3_600_000, maxDelayMs: 3_600_000 },
      sleep: (ms, signal) => {
        waiting?.();
        return delay(ms, signal);
      },
    });
    const pending = get(transport, { signal: controller.signal }).catch((e: unknown) => e);
    await started;
    controller.abort();
    expect(await pending).toBeInstanceOf(AbortedError);
    expect(scripted.seen).toHaveLength(1);
    await transport.close();
  });
});
