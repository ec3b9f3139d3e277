// undici-slim.ts reaches into undici's files: its exports must stay undici's own, and request() must
// behave as undici's does, on whichever dispatcher it is given.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as undici from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent, fetch, ProxyAgent, request } from './undici-slim.ts';

let server: Server;
let url: URL;
beforeAll(async () => {
  server = createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ method: req.method, url: req.url, body: req.headers['content-length'] ?? '0' }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

describe('undici-slim', () => {
  it("exports undici's own classes", () => {
    expect(Agent).toBe(undici.Agent);
    expect(ProxyAgent).toBe(undici.ProxyAgent);
  });

  it('requests path and query on the given dispatcher, as undici.request does', async () => {
    const agent = new Agent();
    try {
      const target = new URL('/apis/x/v1/things?watch=true&limit=5', url);
      const response = await request(target, { method: 'POST', body: 'abc', dispatcher: agent });
      expect(response.statusCode).toBe(200);
      expect(await response.body.json()).toEqual({
        method: 'POST',
        url: '/apis/x/v1/things?watch=true&limit=5',
        body: '3',
      });
      const theirs = await undici.request(target, { method: 'POST', body: 'abc', dispatcher: agent });
      expect(await theirs.body.json()).toEqual({
        method: 'POST',
        url: '/apis/x/v1/things?watch=true&limit=5',
        body: '3',
      });
    } finally {
      await agent.close();
    }
  });

  it('falls back to the global dispatcher, and fetch loads undici on use', async () => {
    const response = await request(new URL('/healthz', url), {});
    expect(await response.body.json()).toMatchObject({ url: '/healthz' });
    expect(await (await fetch(new URL('/x', url))).json()).toMatchObject({ url: '/x' });
  });
});
