// HTTP server for stored artifacts (flux-contract §2.3, checklist 17-20).
//
// Files are served as opaque bytes: never with Content-Encoding, because Go clients send
// `Accept-Encoding: gzip` and would transparently gunzip a labelled response and then fail the digest
// check. Request paths are decoded once and validated like every storage path; anything that is not a
// regular, non-hidden file inside the root (directories, locks, temp files, symlinks) is a 404.
// `GET /` is the readiness probe: 200 only once storage is initialised and this replica leads.
// Small artifact files come from memory (see artifact-memory-cache.ts), larger ones are streamed in
// 1 MiB reads.
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import type { Request, Response } from 'express';
import express from 'express';
import { StorageError } from '../artifact/errors.ts';
import { relativePathProblem } from '../artifact/paths.ts';
import { Storage } from '../artifact/storage.ts';
import { ArtifactMemoryCache, type CachedArtifact } from './artifact-memory-cache.ts';

export type ArtifactAppOptions = {
  /** With `onChange`, small artifact files are served from memory (it is how the cache learns of changes). */
  storage: Pick<Storage, 'isReady' | 'absolutePath'> & Partial<Pick<Storage, 'onChange'>>;
  isLeader: () => boolean;
  /** Defaults to 1 MiB per file, 64 MiB in all. */
  memoryCache?: ArtifactMemoryCache;
};

/** Read size for streamed files: fewer, larger reads than the stream default of 64 KiB. */
const STREAM_CHUNK_BYTES = 1 << 20;

/** Content-addressed artifact files (`<64 hex>.tar.gz`) only: nothing else is known not to change in place. */
function cacheable(path: string): boolean {
  return Storage.isArtifactFileName(path.slice(path.lastIndexOf('/') + 1));
}

function sendHeaders(res: Response, path: string, size: number, lastModified: string, etag: string): void {
  res.status(200).set({
    'Content-Type': contentType(path),
    'Content-Length': String(size),
    'Last-Modified': lastModified,
    ETag: etag,
    'X-Content-Type-Options': 'nosniff',
  });
}

function sendCached(req: Request, res: Response, path: string, cached: CachedArtifact): void {
  sendHeaders(res, path, cached.body.length, cached.lastModified, cached.etag);
  if (req.method === 'HEAD') res.end();
  else res.end(cached.body);
}

function send(res: Response, status: number, body: string): void {
  res
    .status(status)
    .set({ 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' })
    .send(body);
}

/** Decodes the request path once; `undefined` for anything malformed or double-encoded. */
function requestedPath(rawUrl: string): string | undefined {
  if (!rawUrl.startsWith('/')) return undefined;
  const end = rawUrl.search(/[?#]/);
  const raw = end < 0 ? rawUrl : rawUrl.slice(0, end);
  let decoded: string;
  try {
    decoded = decodeURIComponent(raw);
  } catch {
    return undefined;
  }
  // Our file names never contain `%`; one left after decoding means the path was encoded twice.
  if (decoded.includes('%')) return undefined;
  return decoded.slice(1);
}

function servable(path: string): boolean {
  if (relativePathProblem(path) !== undefined) return false;
  return path.split('/').every((segment) => !segment.startsWith('.')) && !path.endsWith('.lock');
}

function contentType(path: string): string {
  return path.endsWith('.tar.gz') || path.endsWith('.tgz') ? 'application/gzip' : 'application/octet-stream';
}

async function serveFile(
  options: ArtifactAppOptions,
  cache: ArtifactMemoryCache | undefined,
  req: Request,
  res: Response,
): Promise<void> {
  const path = requestedPath(req.url);
  if (path === undefined) return send(res, 400, 'bad request path\n');
  if (!servable(path)) return send(res, 404, 'not found\n');
  const useCache = cache !== undefined && cacheable(path);
  const cached = useCache ? cache.get(path) : undefined;
  if (cached !== undefined) return sendCached(req, res, path, cached);
  let absolute: string;
  try {
    absolute = await options.storage.absolutePath(path);
  } catch (error) {
    if (error instanceof StorageError) return send(res, 404, 'not found\n');
    throw error;
  }
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    // O_NOFOLLOW: a symlink as the final component is never followed, wherever it points.
    handle = await open(absolute, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch {
    return send(res, 404, 'not found\n');
  }
  try {
    const info = await handle.stat();
    if (!info.isFile()) return send(res, 404, 'not found\n');
    const lastModified = info.mtime.toUTCString();
    const etag = `"${info.size.toString(16)}-${Math.trunc(info.mtimeMs).toString(16)}"`;
    if (useCache && cache.fits(info.size)) {
      const body = await handle.readFile();
      const entry = { body, lastModified, etag };
      // A file that changed size while read is not what was stat'ed: serve what was read, keep nothing.
      if (body.length === info.size) cache.set(path, entry);
      return sendCached(req, res, path, entry);
    }
    sendHeaders(res, path, info.size, lastModified, etag);
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    await pipeline(handle.createReadStream({ autoClose: false, highWaterMark: STREAM_CHUNK_BYTES }), res);
  } finally {
    await handle.close();
  }
}

export function createArtifactApp(options: ArtifactAppOptions): express.Express {
  const cache =
    options.storage.onChange !== undefined ? (options.memoryCache ?? new ArtifactMemoryCache()) : undefined;
  if (cache !== undefined) options.storage.onChange?.((path) => cache.invalidate(path));
  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');
  app.use((req, res, next) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.set('Allow', 'GET, HEAD');
      return send(res, 405, 'method not allowed\n');
    }
    if (req.url === '/' || req.url.startsWith('/?')) {
      if (!options.storage.isReady()) return send(res, 503, 'storage not initialised\n');
      if (!options.isLeader()) return send(res, 503, 'not the leader\n');
      return send(res, 200, 'ok\n');
    }
    serveFile(options, cache, req, res).catch(next);
  });
  app.use((_error: unknown, _req: Request, res: Response, _next: express.NextFunction) => {
    // A read failing halfway cannot change its status line any more; just cut the connection.
    if (res.headersSent) return res.destroy();
    send(res, 500, 'internal error\n');
  });
  return app;
}
