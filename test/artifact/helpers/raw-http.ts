// Sends a request line exactly as written, so paths that fetch() or http.request would normalise
// (dot segments, backslashes, odd encodings) reach the server unchanged.
import { connect } from 'node:net';

export type RawResponse = { status: number; headers: Map<string, string>; body: Buffer };

export function rawRequest(
  baseUrl: string,
  path: string,
  options: { method?: string; headers?: Record<string, string> } = {},
): Promise<RawResponse> {
  const { hostname, port } = new URL(baseUrl);
  const method = options.method ?? 'GET';
  const extra = Object.entries(options.headers ?? {})
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('');
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    const chunks: Buffer[] = [];
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('end', () => {
      const raw = Buffer.concat(chunks);
      const split = raw.indexOf('\r\n\r\n');
      const head = raw.subarray(0, split < 0 ? raw.length : split).toString('latin1');
      const [statusLine = '', ...lines] = head.split('\r\n');
      const headers = new Map<string, string>();
      for (const line of lines) {
        const colon = line.indexOf(':');
        if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
      }
      const status = Number(statusLine.split(' ')[1]);
      resolve({ status, headers, body: split < 0 ? Buffer.alloc(0) : raw.subarray(split + 4) });
    });
    socket.write(
      `${method} ${path} HTTP/1.1\r\nHost: ${hostname}\r\n${extra}Connection: close\r\n\r\n`,
      'latin1',
    );
  });
}
