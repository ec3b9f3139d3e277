// Streams an open file to an HTTP response in large reads through two alternating buffers: the next
// read fills one while the socket drains the other, and no buffer is allocated per chunk (a read
// stream allocates one per read, and the garbage of a 10 MiB download is what slowed it).
import type { FileHandle } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';

/** Bytes per read: fewer, larger reads than the stream default of 64 KiB. */
export const STREAM_CHUNK_BYTES = 1 << 20;

class ConnectionClosed extends Error {
  override readonly name = 'ConnectionClosed';
}

/** Resolves once `chunk` has been handed to the socket; rejects if the connection goes first. */
function write(res: ServerResponse, chunk: Buffer, closed: Promise<never>): Promise<void> {
  const written = new Promise<void>((resolve, reject) => {
    res.write(chunk, (error) => (error ? reject(error) : resolve()));
  });
  return Promise.race([written, closed]);
}

/**
 * Sends `size` bytes of `handle` and ends the response. Rejects when the file is shorter than
 * `size` (the headers promised that many) or the connection closes first; the caller then drops the
 * connection and closes the file.
 */
export async function streamFile(
  handle: FileHandle,
  size: number,
  res: ServerResponse,
  chunkBytes = STREAM_CHUNK_BYTES,
): Promise<void> {
  const length = Math.max(1, Math.min(size, chunkBytes));
  const buffers = [Buffer.allocUnsafeSlow(length), Buffer.allocUnsafeSlow(length)] as const;
  const pending: [Promise<void>, Promise<void>] = [Promise.resolve(), Promise.resolve()];
  const closed = new Promise<never>((_resolve, reject) => {
    res.once('close', () => reject(new ConnectionClosed('the connection closed during the download')));
  });
  // The race below may leave this promise unobserved once the download is done.
  closed.catch(() => {});
  let position = 0;
  let turn = 0;
  while (position < size) {
    const buffer = buffers[turn]!;
    // This buffer was last handed to the socket two chunks ago; it must be sent before it is reused.
    await pending[turn];
    const { bytesRead } = await handle.read(buffer, 0, Math.min(length, size - position), position);
    if (bytesRead === 0) throw new Error('the file became shorter while it was served');
    position += bytesRead;
    const sent = write(res, bytesRead === buffer.length ? buffer : buffer.subarray(0, bytesRead), closed);
    // Awaited later; marked as handled now so a failure while the other buffer is awaited is not "unhandled".
    sent.catch(() => {});
    pending[turn] = sent;
    turn ^= 1;
  }
  await Promise.all(pending);
  res.end();
}
