// A free TCP port for servers a test must address before they start (controller processes, a fixed
// artifact-server port).
import { createServer } from 'node:net';

/** A port on 127.0.0.1 that was free a moment ago (the caller binds it right after). */
export async function freePort(): Promise<number> {
  return await new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address !== null
          ? resolve(address.port)
          : reject(new Error('no port assigned')),
      );
    });
  });
}
