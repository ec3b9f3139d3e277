// Starts an HTTP server for a request handler (an express app or any listener) on an address written
// the way Flux flags write them: `:9090` (all interfaces), `127.0.0.1:0`, `[::1]:8080`.
import { createServer, type RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';

export type RunningServer = {
  /** Base URL a local client can use, e.g. `http://127.0.0.1:9090`. */
  url: string;
  port: number;
  close: () => Promise<void>;
};

const ADDRESS = /^(?<host>\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]*):(?<port>[0-9]{1,5})$/;

export class ListenAddressError extends Error {
  override readonly name = 'ListenAddressError';
}

export function parseListenAddress(addr: string): { host: string | undefined; port: number } {
  const match = ADDRESS.exec(addr);
  const port = Number(match?.groups?.['port']);
  if (!match || port > 65535) {
    throw new ListenAddressError(
      `listen address ${JSON.stringify(addr)} must look like ":9090" or "127.0.0.1:0"`,
    );
  }
  const host = match.groups?.['host'] ?? '';
  return { host: host === '' ? undefined : host.replace(/^\[(.*)\]$/, '$1'), port };
}

export function startHttpServer(app: RequestListener, addr: string): Promise<RunningServer> {
  const { host, port } = parseListenAddress(addr);
  const server = createServer(app);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const bound = (server.address() as AddressInfo).port;
      const urlHost =
        host === undefined || host === '0.0.0.0' || host === '::'
          ? '127.0.0.1'
          : host.includes(':')
            ? `[${host}]`
            : host;
      resolve({
        url: `http://${urlHost}:${bound}`,
        port: bound,
        close: () =>
          new Promise<void>((done, fail) => {
            server.close((error) => (error ? fail(error) : done()));
            // Keep-alive connections would otherwise hold close() open until they time out.
            server.closeAllConnections();
          }),
      });
    });
  });
}
