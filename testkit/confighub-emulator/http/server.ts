// The HTTP server: request log, faults, authentication, routing and the wire details shared by every answer.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Store } from '../model/store.ts';
import type { PagingFault } from '../query/list-query.ts';
import { QueryError, WhereError } from '../query/list-query.ts';
import type { RequestLogEntry } from '../types.ts';
import { Credentials, type Principal } from './auth.ts';
import { errorBody, HttpError, unauthorized } from './errors.ts';
import type { ActiveFault, FaultRegistry } from './faults.ts';
import { Renderer } from './render.ts';
import { matchRoute, type Reply, type RouteContext } from './routes.ts';

export interface ServerDeps {
  store: Store;
  credentials: Credentials;
  faults: FaultRegistry;
  requests: RequestLogEntry[];
  version: string;
  olderServer: boolean;
  /** Server root once listening (for `/api/info` and JWT `iss`). */
  url(): string;
}

const MAX_AUTH_BODY = 64 * 1024;

const LOGIN_PAGE = Buffer.from(
  '<!doctype html>\n<html><head><title>Sign in</title></head>' +
    '<body><form method="post" action="/login"><input name="username"><input type="password" name="password">' +
    '<button>Sign in</button></form></body></html>\n',
);

/** Faults that answer in place of the route. */
const PRE_ROUTE = new Set(['status', 'html', 'redirect']);
/** Faults that rewrite a JSON answer. */
const POST_ROUTE = new Set(['truncate', 'nullList', 'nullElement']);

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).byteLength;
    if (size > MAX_AUTH_BODY) throw new HttpError(413, 'request body too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

export function createEmulatorServer(deps: ServerDeps): { server: Server; shutdown: AbortController } {
  const render = new Renderer(deps.store);
  const shutdown = new AbortController();

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://emulator.invalid');
    const method = (req.method ?? 'GET').toUpperCase();
    const authorization = req.headers.authorization;
    const entry: RequestLogEntry = {
      method,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      status: 0,
    };
    if (authorization !== undefined) entry.authorization = authorization;
    if (req.headers['user-agent'] !== undefined) entry.userAgent = req.headers['user-agent'];
    // Logged on arrival so requests a client abandoned (e.g. during injected latency) still show up.
    deps.requests.push(entry);

    const send = (status: number, headers: Record<string, string>, body: Buffer): void => {
      entry.status = status;
      if (res.destroyed) return;
      res.writeHead(status, {
        'ConfigHub-Version': deps.version,
        'X-Request-Id': randomUUID(),
        ...(status === 304 ? {} : { 'Content-Length': String(body.byteLength) }),
        ...headers,
      });
      res.end(status === 304 ? undefined : body);
    };
    const sendJSON = (status: number, body: unknown, headers: Record<string, string> = {}): void =>
      send(status, { 'Content-Type': 'application/json', ...headers }, Buffer.from(JSON.stringify(body)));
    const sendError = (error: HttpError): void =>
      sendJSON(error.status, errorBody(error.status, error.message), error.headers);

    const active = deps.faults.matching(url.pathname, method);
    // Faults that shaped this answer; each loses one of its `times` when the request is done.
    const used = new Set<ActiveFault>();

    try {
      for (const fault of active) {
        if (fault.fault.kind === 'latency') {
          used.add(fault);
          await sleep(fault.fault.ms, undefined, { signal: shutdown.signal });
        }
      }
      const token = Credentials.bearer(authorization);
      for (const fault of active) {
        if (fault.fault.kind !== 'expireTokenAfter' || token === undefined) continue;
        fault.seen += 1;
        if (fault.seen > fault.fault.requests) {
          deps.credentials.expire(token);
          fault.remaining = 1; // one-shot: consuming it removes the fault
          deps.faults.consume(fault);
        }
      }
      const pre = active.find((f) => PRE_ROUTE.has(f.fault.kind));
      if (pre !== undefined) {
        used.add(pre);
        const fault = pre.fault;
        if (fault.kind === 'status') {
          const headers: Record<string, string> = {};
          if (fault.retryAfterSeconds !== undefined) headers['Retry-After'] = String(fault.retryAfterSeconds);
          sendError(new HttpError(fault.status, `injected fault: status ${fault.status}`, headers));
        } else if (fault.kind === 'html') {
          send(200, { 'Content-Type': 'text/html; charset=utf-8' }, LOGIN_PAGE);
        } else if (fault.kind === 'redirect') {
          send(302, { Location: fault.location, 'Content-Type': 'text/plain' }, Buffer.from('Found\n'));
        }
        return;
      }

      if (url.pathname === '/auth/worker') {
        if (method !== 'POST') throw new HttpError(405, 'use POST on /auth/worker', { Allow: 'POST' });
        sendJSON(200, await exchange(req, deps.credentials, deps.olderServer));
        return;
      }

      const route = matchRoute(url.pathname);
      if (route === undefined) throw new HttpError(404, `no route for ${url.pathname}`);
      if (method !== 'GET' && method !== 'HEAD') {
        throw new HttpError(405, `method ${method} is not allowed; the API is read-only here`, {
          Allow: 'GET, HEAD',
        });
      }
      let principal: Principal | undefined;
      if (!route.isPublic) principal = deps.credentials.authenticate(authorization);

      const findUsable = (kind: string, accept: (fault: ActiveFault) => boolean = () => true) =>
        active.find((f) => f.fault.kind === kind && accept(f));
      const ctx: RouteContext = {
        store: deps.store,
        render,
        params: url.searchParams,
        version: deps.version,
        olderServer: deps.olderServer,
        serverUrl: deps.url(),
        ifNoneMatch: req.headers['if-none-match'],
        principal: () => {
          if (principal === undefined) throw unauthorized('missing Authorization header');
          return principal;
        },
        corruptData: (unitSlug) => {
          const fault = findUsable('wrongDataHash', (f) => {
            const wanted = f.fault.kind === 'wrongDataHash' ? f.fault.unitSlug : undefined;
            return wanted === undefined || wanted === unitSlug;
          });
          if (fault !== undefined) used.add(fault);
          return fault !== undefined;
        },
        pagingFault: (): PagingFault => {
          const fault = active.find(
            (f) => f.fault.kind === 'endlessContinue' || f.fault.kind === 'shortPages',
          );
          if (fault === undefined) return undefined;
          used.add(fault);
          return fault.fault.kind as PagingFault;
        },
      };
      const reply = route.handle(ctx);
      sendReply(reply, active, used);
    } catch (error) {
      if (shutdown.signal.aborted) {
        res.destroy();
        return;
      }
      if (error instanceof HttpError) sendError(error);
      else if (error instanceof WhereError || error instanceof QueryError) {
        sendError(new HttpError(400, error.message));
      } else {
        // Emulator bugs surface in the test that hit them; messages here never carry request credentials.
        sendError(new HttpError(500, `internal emulator error: ${(error as Error).message}`));
      }
    } finally {
      for (const fault of used) deps.faults.consume(fault);
    }

    function sendReply(reply: Reply, faults: ActiveFault[], usedFaults: Set<ActiveFault>): void {
      if (reply.kind === 'bytes') {
        send(reply.status, reply.headers, reply.body);
        return;
      }
      let body = reply.body;
      let text: string | undefined;
      const post = faults.find((f) => POST_ROUTE.has(f.fault.kind));
      if (post !== undefined) {
        usedFaults.add(post);
        if (post.fault.kind === 'nullList') body = null;
        else if (post.fault.kind === 'nullElement' && Array.isArray(body)) body = [null, ...body];
        else if (post.fault.kind === 'truncate') {
          const full = JSON.stringify(body);
          text = full.slice(0, Math.max(1, Math.floor(full.length / 2)));
        }
      }
      send(
        reply.status,
        { 'Content-Type': 'application/json', ...reply.headers },
        Buffer.from(text ?? JSON.stringify(body)),
      );
    }
  }

  const server = createServer((req, res) => {
    handle(req, res).catch(() => res.destroy());
  });
  return { server, shutdown };
}

async function exchange(
  req: IncomingMessage,
  credentials: Credentials,
  olderServer: boolean,
): Promise<unknown> {
  let body: unknown;
  try {
    body = JSON.parse((await readBody(req)).toString('utf8'));
  } catch (error) {
    if (error instanceof HttpError) throw error;
    throw unauthorized('request body must be JSON');
  }
  const fields = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
  if (typeof fields['client_assertion'] === 'string') {
    // Key assertions arrived with ServiceAccount keys (v0.8.10).
    const session = olderServer
      ? undefined
      : credentials.exchangeAssertion(fields['client_assertion_type'], fields['client_assertion']);
    if (session === undefined) throw unauthorized('invalid client assertion');
    return session;
  }
  const workerID = fields['worker_id'];
  const secret = fields['worker_secret'];
  if (typeof workerID !== 'string' || typeof secret !== 'string') {
    throw unauthorized('worker_id and worker_secret are required');
  }
  const session = credentials.exchange(workerID, secret);
  if (session === undefined) throw unauthorized('invalid worker credentials');
  return session;
}
