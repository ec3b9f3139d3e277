// HTTP server for stored artifacts (flux-contract §2.3, checklist 17-20).
//
// Files are served as opaque bytes: never with Content-Encoding, because Go clients send
// `Accept-Encoding: gzip` and would transparently gunzip a labelled response and then fail the digest
// check. Request paths are decoded once and validated like every storage path; anything that is not a
// regular, non-hidden file inside the root (directories, locks, temp files, symlinks) is a 404.
// `GET /` is the readiness probe: 200 only once storage is initialised and this replica leads.
// Small artifact files come from memory (see artifact-memory-cache.ts), larger ones are streamed in
// 1 MiB reads (see stream-file.ts).
//
// A plain `node:http` listener rather than an express app: this is the one hot path every Flux
// controller downloads from, it has no routes, and express's per-request set-up cost a third of the
// throughput at 100 KiB (bench/results.md, section 2).
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import type { IncomingMessage, OutgoingHttpHeaders, RequestListener, ServerResponse } from 'node:http';
import { StorageError } from '../artifact/errors.ts';
import { relativePathProblem } from '../artifact/paths.ts';
import { Storage } from '../artifact/storage.ts';
import { ArtifactMemoryCache, type CachedArtifact } from './artifact-memory-cache.ts';
import { streamFile } from './stream-file.ts';

export type ArtifactServerOptions = {
  /** With `onChange`, small artifact files are served from memory (it is how the cache learns of changes). */
  storage: Pick<Storage, 'isReady' | 'absolutePath'> & Partial<Pick<Storage, 'onChange'>>;
  isLeader: () => boolean;
  /** Defaults to 1 MiB per file, 64 MiB in all. */
  memoryCache?: ArtifactMemoryCache;
};

/** Content-addressed artifact files (`<64 hex>.tar.gz`) only: nothing else is known not to change in place. */
function cacheable(path: string): boolean {
  return Storage.isArtifactFileName(path.slice(path.lastIndexOf('/') + 1));
}

function fileHeaders(path: string, size: number, lastModified: string, etag: string): OutgoingHttpHeaders {
  return {
    'Content-Type': contentType(path),
    'Content-Length': size,
    'Last-Modified': lastModified,
    ETag: etag,
    'X-Content-Type-Options': 'nosniff',
  };
}

function sendCached(req: IncomingMessage, res: ServerResponse, path: string, cached: CachedArtifact): void {
  res.writeHead(200, fileHeaders(path, cached.body.length, cached.lastModified, cached.etag));
  if (req.method === 'HEAD') res.end();
  else res.end(cached.body);
}

function send(res: ServerResponse, status: number, body: string, headers: OutgoingHttpHeaders = {}): void {
  res.writeHead(status, {
    ...headers,
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'no-store',
  });
  // Node sends no body for HEAD by itself; the length still says what GET would return.
  res.end(body);
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
  options: ArtifactServerOptions,
  cache: ArtifactMemoryCache | undefined,
  req: IncomingMessage,
  res: ServerResponse,
  url: string,
): Promise<void> {
  const path = requestedPath(url);
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
    res.writeHead(200, fileHeaders(path, info.size, lastModified, etag));
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    await streamFile(handle, info.size, res);
  } finally {
    await handle.close();
  }
}

export function createArtifactHandler(options: ArtifactServerOptions): RequestListener {
  const cache =
    options.storage.onChange !== undefined ? (options.memoryCache ?? new ArtifactMemoryCache()) : undefined;
  if (cache !== undefined) options.storage.onChange?.((path, kind) => cache.invalidate(path, kind));
  return (req, res) => {
    const url = req.url ?? '/';
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      return send(res, 405, 'method not allowed\n', { Allow: 'GET, HEAD' });
    }
    if (url === '/' || url.startsWith('/?')) {
      if (!options.storage.isReady()) return send(res, 503, 'storage not initialised\n');
      if (!options.isLeader()) return send(res, 503, 'not the leader\n');
      return send(res, 200, 'ok\n');
    }
    serveFile(options, cache, req, res, url).catch(() => {
      // A read failing halfway cannot change its status line any more; just cut the connection.
      if (res.headersSent) res.destroy();
      else send(res, 500, 'internal error\n');
    });
  };
}
