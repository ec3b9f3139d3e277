// HTTP server for stored artifacts (flux-contract §2.3, checklist 17-20).
//
// Files are served as opaque bytes: never with Content-Encoding, because Go clients send
// `Accept-Encoding: gzip` and would transparently gunzip a labelled response and then fail the digest
// check. Request paths are decoded once and validated like every storage path; anything that is not a
// regular, non-hidden file inside the root (directories, locks, temp files, symlinks) is a 404.
// `GET /` is the readiness probe: 200 only once storage is initialised and this replica leads.
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import type { Request, Response } from 'express';
import express from 'express';
import { StorageError } from '../artifact/errors.ts';
import { relativePathProblem } from '../artifact/paths.ts';
import type { Storage } from '../artifact/storage.ts';

export type ArtifactAppOptions = {
  storage: Pick<Storage, 'isReady' | 'absolutePath'>;
  isLeader: () => boolean;
};

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

async function serveFile(options: ArtifactAppOptions, req: Request, res: Response): Promise<void> {
  const path = requestedPath(req.url);
  if (path === undefined) return send(res, 400, 'bad request path\n');
  if (!servable(path)) return send(res, 404, 'not found\n');
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
    res.status(200).set({
      'Content-Type': contentType(path),
      'Content-Length': String(info.size),
      'Last-Modified': info.mtime.toUTCString(),
      ETag: `"${info.size.toString(16)}-${Math.trunc(info.mtimeMs).toString(16)}"`,
      'X-Content-Type-Options': 'nosniff',
    });
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    await pipeline(handle.createReadStream({ autoClose: false }), res);
  } finally {
    await handle.close();
  }
}

export function createArtifactApp(options: ArtifactAppOptions): express.Express {
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
    serveFile(options, req, res).catch(next);
  });
  app.use((_error: unknown, _req: Request, res: Response, _next: express.NextFunction) => {
    // A read failing halfway cannot change its status line any more; just cut the connection.
    if (res.headersSent) return res.destroy();
    send(res, 500, 'internal error\n');
  });
  return app;
}
