import { describe, expect, it } from 'vitest';
import { ListenAddressError, parseListenAddress, startHttpServer } from './listen.ts';

describe('parseListenAddress', () => {
  it.each([
    [':9090', { host: undefined, port: 9090 }],
    ['127.0.0.1:0', { host: '127.0.0.1', port: 0 }],
    ['[::1]:8080', { host: '::1', port: 8080 }],
    ['localhost:80', { host: 'localhost', port: 80 }],
  ])('parses %s', (addr, expected) => {
    expect(parseListenAddress(addr)).toEqual(expected);
  });

  it.each(['9090', ':', ':70000', 'host:port', 'a b:1', '::1:80', ''])('rejects %j', (addr) => {
    expect(() => parseListenAddress(addr)).toThrow(ListenAddressError);
  });
});

describe('startHttpServer', () => {
  it('listens on an ephemeral port, serves, and closes with open keep-alive connections', async () => {
    const server = await startHttpServer((_req, res) => res.end('hello'), '127.0.0.1:0');
    expect(server.port).toBeGreaterThan(0);
    expect(server.url).toBe(`http://127.0.0.1:${server.port}`);
    const response = await fetch(server.url, { keepalive: true });
    expect(await response.text()).toBe('hello');
    await server.close();
    await expect(fetch(server.url)).rejects.toThrow();
  });

  it('rejects when the port is taken', async () => {
    const first = await startHttpServer((_req, res) => res.end(), '127.0.0.1:0');
    try {
      await expect(startHttpServer((_req, res) => res.end(), `127.0.0.1:${first.port}`)).rejects.toThrow(
        /EADDRINUSE/,
      );
    } finally {
      await first.close();
    }
  });
});
