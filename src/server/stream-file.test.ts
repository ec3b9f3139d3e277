import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, open, rm, truncate, writeFile } from 'node:fs/promises';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { streamFile } from './stream-file.ts';

let dir: string;
let server: Server | undefined;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'stream-file-'));
});

afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined));
  server = undefined;
  await rm(dir, { recursive: true, force: true });
});

/** Serves `file` with streamFile; `outcome` settles with what streamFile did for the last request. */
async function serve(
  file: string,
  chunkBytes: number,
  beforeStream: () => Promise<void> = async () => {},
): Promise<{ url: string; outcomes: Promise<string>[] }> {
  const outcomes: Promise<string>[] = [];
  server = createServer((_req, res) => {
    outcomes.push(
      (async () => {
        const handle = await open(file);
        try {
          const { size } = await handle.stat();
          res.writeHead(200, { 'Content-Length': size });
          await beforeStream();
          await streamFile(handle, size, res, chunkBytes);
          return 'sent';
        } catch (error) {
          res.destroy();
          return `failed: ${(error as Error).message}`;
        } finally {
          await handle.close();
        }
      })(),
    );
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server!.address() as AddressInfo).port}/`, outcomes };
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

describe('streamFile', () => {
  it.each([
    ['several full chunks and a short last one', 5 * 65_536 + 123, 65_536],
    ['exactly two chunks', 2 * 65_536, 65_536],
    ['less than one chunk', 1000, 65_536],
    ['an empty file', 0, 65_536],
  ])('sends the exact bytes of %s', async (_name, size, chunk) => {
    const bytes = randomBytes(size);
    const file = join(dir, 'f');
    await writeFile(file, bytes);
    const { url, outcomes } = await serve(file, chunk);
    const body = Buffer.from(await (await fetch(url)).arrayBuffer());
    expect([body.length, sha256(body)]).toEqual([size, sha256(bytes)]);
    expect(await outcomes[0]).toBe('sent');
  });

  it('fails, so the caller cuts the connection, when the file shrinks after its size was sent', async () => {
    const file = join(dir, 'f');
    await writeFile(file, randomBytes(300_000));
    const { url, outcomes } = await serve(file, 65_536, () => truncate(file, 100_000));
    await expect(fetch(url).then((response) => response.arrayBuffer())).rejects.toThrow();
    expect(await outcomes[0]).toBe('failed: the file became shorter while it was served');
  });

  it('stops reading when the client goes away, instead of waiting on a socket that never drains', async () => {
    const file = join(dir, 'f');
    // Far more than the socket buffers hold, so the server is blocked on writes when the client leaves.
    await writeFile(file, randomBytes(64 << 20));
    const { url, outcomes } = await serve(file, 1 << 20);
    await new Promise<void>((resolve) => {
      const req = request(url, (response) => {
        response.once('data', () => {
          // Read one chunk, then stop reading and drop the connection.
          response.pause();
          req.destroy();
          resolve();
        });
      });
      req.end();
    });
    expect(await outcomes[0]).toMatch(/^failed: /);
  });
});
