// The artifact written as a stream: tar pieces → gzip → sha256 → file, never holding the whole tar or
// the whole compressed output. Deflate runs on libuv's thread pool and hashing sees one chunk at a time,
// so the main event loop only moves buffers. The bytes are exactly those of buildTarGz (a test holds the
// two to the same digests): zlib's gzip wrapper writes the same 10-byte header as Go's except for the OS
// byte, which is set to 255 ("unknown") on the way out.
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { type FileHandle, open } from 'node:fs/promises';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { sha256Hex } from '../util/hash.ts';
import { FILE_MODE, writeNewFile } from './storage-fs.ts';
import { type ArtifactFile, DEFLATE_OPTIONS, GZIP_HEADER, gzipDeterministic, tarPieces } from './tarball.ts';

const OS_BYTE_OFFSET = 9;
/** Largest slice of one file handed to gzip at once, so a cancelled build stops promptly. */
const WRITE_SLICE = 1 << 20;
/** Compressed output handed on (hashed, written) at a time: fewer, larger writes than zlib's 16 KiB. */
const OUTPUT_CHUNK = 256 * 1024;
/**
 * A tar up to this size is compressed in one piece (one trip to the thread pool, then one write):
 * for the typical artifact of a few dozen KiB the stream's machinery cost more main-thread time than
 * the data. Concatenating and hashing 1 MiB takes about a millisecond.
 */
const ONE_PIECE_MAX_BYTES = 1 << 20;

export interface WrittenTarGz {
  hex: string;
  size: number;
}

/** Writes to the file, hashing and counting what it writes, with Go's OS byte in the gzip header. */
function hashingFileSink(handle: FileHandle): { sink: Writable; result: () => WrittenTarGz } {
  const hash = createHash('sha256');
  let size = 0;
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      let out = chunk;
      if (size <= OS_BYTE_OFFSET && size + chunk.length > OS_BYTE_OFFSET) {
        out = Buffer.from(chunk);
        out[OS_BYTE_OFFSET - size] = GZIP_HEADER[OS_BYTE_OFFSET]!;
      }
      size += out.length;
      hash.update(out);
      handle.write(out).then(() => callback(), callback);
    },
  });
  return { sink, result: () => ({ hex: hash.digest('hex'), size }) };
}

/**
 * Writes the deterministic tar.gz of `files` to `path` (created exclusively, mode 0600) and fsyncs it.
 * Aborting `signal` stops the write; the caller removes the partial file.
 */
export async function writeTarGz(
  files: readonly ArtifactFile[],
  path: string,
  signal: AbortSignal,
): Promise<WrittenTarGz> {
  const pieces = tarPieces(files);
  let tarBytes = 0;
  for (const piece of pieces) tarBytes += piece.length;
  if (tarBytes <= ONE_PIECE_MAX_BYTES) return writeInOnePiece(Buffer.concat(pieces, tarBytes), path, signal);
  const handle = await open(path, 'wx', FILE_MODE);
  try {
    const gzip = createGzip({ ...DEFLATE_OPTIONS, chunkSize: OUTPUT_CHUNK });
    const tap = hashingFileSink(handle);
    const written = pipeline(gzip, tap.sink, { signal });
    const write = async (chunk: Buffer) => {
      signal.throwIfAborted();
      if (!gzip.write(chunk)) await once(gzip, 'drain', { signal });
    };
    const feed = async () => {
      // Headers, padding and small files are gathered into slices of about WRITE_SLICE (each write is
      // a round trip to the thread pool); large files go as views of their own bytes.
      let pending: Buffer[] = [];
      let pendingBytes = 0;
      const flush = async () => {
        if (pendingBytes === 0) return;
        const chunk = pending.length === 1 ? pending[0]! : Buffer.concat(pending, pendingBytes);
        pending = [];
        pendingBytes = 0;
        await write(chunk);
      };
      for (const piece of pieces) {
        if (piece.length < WRITE_SLICE / 4) {
          pending.push(piece);
          pendingBytes += piece.length;
          if (pendingBytes >= WRITE_SLICE) await flush();
          continue;
        }
        await flush();
        for (let offset = 0; offset < piece.length; offset += WRITE_SLICE) {
          await write(piece.subarray(offset, Math.min(piece.length, offset + WRITE_SLICE)));
        }
      }
      await flush();
      gzip.end();
    };
    await Promise.all([written, feed()]);
    await handle.sync();
    return tap.result();
  } finally {
    await handle.close();
  }
}

async function writeInOnePiece(tar: Buffer, path: string, signal: AbortSignal): Promise<WrittenTarGz> {
  signal.throwIfAborted();
  const gz = await gzipDeterministic(tar);
  signal.throwIfAborted();
  await writeNewFile(path, gz);
  return { hex: sha256Hex(gz), size: gz.length };
}
