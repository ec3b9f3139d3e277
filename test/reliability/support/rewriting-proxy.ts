// A hostile upstream: forwards every request to the ConfigHub emulator and rewrites JSON string values in
// the answers (e.g. a unit slug into `../escape`), so the controller sees names the emulator would refuse.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

const FORWARDED_HEADERS = ['content-type', 'confighub-continue', 'confighub-version', 'etag', 'retry-after'];

export interface RewritingProxy {
  url: string;
  /** JSON string value → replacement; applied to every JSON body. */
  readonly rewrites: Map<string, string>;
  close(): Promise<void>;
}

export async function startRewritingProxy(target: string): Promise<RewritingProxy> {
  const rewrites = new Map<string, string>();
  const server = createServer((req, res) => {
    const headers: Record<string, string> = {};
    for (const name of ['authorization', 'accept', 'user-agent', 'content-type', 'if-none-match']) {
      const value = req.headers[name];
      if (typeof value === 'string') headers[name] = value;
    }
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = chunks.length > 0 ? Buffer.concat(chunks) : undefined;
      fetch(`${target}${req.url ?? '/'}`, { method: req.method ?? 'GET', headers, body, redirect: 'manual' })
        .then(async (upstream) => {
          let payload = Buffer.from(await upstream.arrayBuffer());
          const type = upstream.headers.get('content-type') ?? '';
          if (type.includes('json') && rewrites.size > 0) {
            let text = payload.toString('utf8');
            for (const [from, to] of rewrites)
              text = text.replaceAll(JSON.stringify(from), JSON.stringify(to));
            payload = Buffer.from(text, 'utf8');
          }
          const out: Record<string, string> = { 'content-length': String(payload.length) };
          for (const name of FORWARDED_HEADERS) {
            const value = upstream.headers.get(name);
            if (value !== null) out[name] = value;
          }
          res.writeHead(upstream.status, out).end(payload);
        })
        .catch(() => res.writeHead(502).end());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    rewrites,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
