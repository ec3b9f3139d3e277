// Request dispatch: authentication, injected faults, discovery documents and resource paths.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { ACCESS_REVIEW_PATH, reviewAttributes, reviewResponse } from './access-review.ts';
import {
  AGGREGATED_CONTENT_TYPE,
  aggregatedDiscovery,
  apiGroupDoc,
  apiGroupList,
  apiResourceList,
  apiVersions,
  wantsAggregated,
} from './discovery.ts';
import { ApiError, badRequest, internalError } from './errors.ts';
import type { Faults } from './faults.ts';
import type { ResourceHandlers } from './handlers.ts';
import { decodeJson, readRawBody, sendJson } from './http.ts';
import { openApiDocument, openApiIndex } from './openapi.ts';
import { decodeAccessReview, isProtobuf } from './protobuf-access-review.ts';
import { type Decision, forbiddenMessage } from './rbac.ts';
import type { Registry } from './registry.ts';
import { type RequestAttributes, requestAttributes, type UserInfo } from './request-info.ts';

export interface RequestRecord {
  method: string;
  path: string;
  query: Record<string, string>;
  contentType: string | undefined;
  fieldManager: string | undefined;
  userAgent: string | undefined;
  /** The authenticated user's name (undefined when authentication failed). */
  user: string | undefined;
  status: number;
  watch: boolean;
  /** When the request arrived (ms since the epoch), to check how far apart a client spaced its retries. */
  receivedAt: number;
}

export interface RouterDeps {
  registry: Registry;
  handlers: ResourceHandlers;
  faults: Faults;
  log: RequestRecord[];
  /** Called when a request arrives and when it has been answered. */
  onRequest: () => void;
  /** The user behind a request's credentials; throws 401 Unauthorized for unknown ones. */
  authenticate: (headers: IncomingMessage['headers']) => UserInfo;
  /** The authorisation decision, or undefined when authorisation is off (everything allowed). */
  authorize: (user: UserInfo, attrs: RequestAttributes) => Decision | undefined;
  /** Whether the object a request names exists (a server-side apply that creates also needs `create`). */
  exists: (attrs: RequestAttributes & { resourceRequest: true }) => boolean;
  version: { major: string; minor: string; gitVersion: string };
}

const notFoundPath = (): ApiError =>
  new ApiError(404, 'NotFound', 'the server could not find the requested resource', {});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export const createRouter = (deps: RouterDeps) => {
  const { registry, handlers, faults } = deps;

  const discovery = (segments: string[], req: IncomingMessage, res: ServerResponse): boolean => {
    const defs = registry.all();
    const accept = req.headers.accept;
    const [root, group, version] = segments;
    if (root === 'api' && segments.length === 1) {
      if (wantsAggregated(accept)) {
        sendJson(res, 200, aggregatedDiscovery(defs, true), { 'Content-Type': AGGREGATED_CONTENT_TYPE });
      } else {
        sendJson(res, 200, apiVersions());
      }
      return true;
    }
    if (root === 'api' && segments.length === 2) {
      const list = apiResourceList(defs, '', group!);
      if (!list) throw notFoundPath();
      sendJson(res, 200, list);
      return true;
    }
    if (root === 'apis' && segments.length === 1) {
      if (wantsAggregated(accept)) {
        sendJson(res, 200, aggregatedDiscovery(defs, false), { 'Content-Type': AGGREGATED_CONTENT_TYPE });
      } else {
        sendJson(res, 200, apiGroupList(defs));
      }
      return true;
    }
    if (root === 'apis' && segments.length === 2) {
      const doc = apiGroupDoc(defs, group!);
      if (!doc) throw notFoundPath();
      sendJson(res, 200, doc);
      return true;
    }
    if (root === 'apis' && segments.length === 3) {
      const list = apiResourceList(defs, group!, version!);
      if (!list) throw notFoundPath();
      sendJson(res, 200, list);
      return true;
    }
    return false;
  };

  const route = async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> => {
    const segments = url.pathname
      .split('/')
      .filter((s) => s !== '')
      .map(decodeURIComponent);
    if (url.pathname === '/version') {
      sendJson(res, 200, {
        ...deps.version,
        gitCommit: '0000000000000000000000000000000000000000',
        gitTreeState: 'clean',
        buildDate: '2026-01-01T00:00:00Z',
        goVersion: 'go1.23.0',
        compiler: 'gc',
        platform: 'linux/amd64',
      });
      return;
    }
    if (['/healthz', '/livez', '/readyz'].includes(url.pathname)) {
      res.writeHead(200, { 'Content-Type': 'text/plain' }).end('ok');
      return;
    }
    if (segments[0] === 'openapi' && segments[1] === 'v3') {
      const doc =
        segments.length === 2
          ? openApiIndex(registry.all())
          : openApiDocument(registry.all(), segments.slice(2));
      if (!doc) throw notFoundPath();
      sendJson(res, 200, doc);
      return;
    }
    if (discovery(segments, req, res)) return;

    let group: string;
    let version: string;
    let rest: string[];
    if (segments[0] === 'api' && segments.length >= 3) {
      [group, version, rest] = ['', segments[1]!, segments.slice(2)];
    } else if (segments[0] === 'apis' && segments.length >= 4) {
      [group, version, rest] = [segments[1]!, segments[2]!, segments.slice(3)];
    } else {
      throw notFoundPath();
    }
    let namespace: string | undefined;
    let plural: string;
    let name: string | undefined;
    let subresource: string | undefined;
    const nsDef =
      rest[0] === 'namespaces' && rest.length >= 3 ? registry.lookup(group, version, rest[2]!) : undefined;
    if (nsDef?.namespaced) {
      [namespace, plural, name, subresource] = [rest[1], rest[2]!, rest[3], rest[4]];
      if (rest.length > 5) throw notFoundPath();
    } else {
      [plural, name, subresource] = [rest[0]!, rest[1], rest[2]];
      if (rest.length > 3) throw notFoundPath();
    }
    const def = registry.lookup(group, version, plural);
    if (!def) throw notFoundPath();
    // A namespaced object is only addressable by name inside its namespace.
    if (def.namespaced && name !== undefined && namespace === undefined) throw notFoundPath();
    const raw = await readRawBody(req);
    handlers.handle(
      {
        def,
        namespace,
        name,
        subresource,
        method: req.method ?? 'GET',
        query: url.searchParams,
        headers: req.headers,
        body: raw.toString('utf8'),
        raw,
      },
      res,
    );
  };

  const review = async (req: IncomingMessage, res: ServerResponse, user: UserInfo): Promise<void> => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks);
    let body: unknown;
    if (isProtobuf(req.headers['content-type'])) {
      try {
        body = decodeAccessReview(raw);
      } catch (err) {
        throw badRequest(`the object provided is unrecognized: ${(err as Error).message}`);
      }
    } else body = decodeJson(raw.toString('utf8'));
    if (body === null || typeof body !== 'object') throw badRequest('the object provided is unrecognized');
    const decision = deps.authorize(user, reviewAttributes(body)) ?? { allowed: true, reason: '' };
    sendJson(res, 201, reviewResponse(body, decision));
  };

  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const method = req.method ?? 'GET';
    const record: RequestRecord = {
      method,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      contentType: req.headers['content-type'],
      fieldManager: url.searchParams.get('fieldManager') ?? undefined,
      userAgent: req.headers['user-agent'],
      user: undefined,
      status: 0,
      watch: url.searchParams.get('watch') === 'true' || url.searchParams.get('watch') === '1',
      receivedAt: Date.now(),
    };
    deps.log.push(record);
    deps.onRequest();
    try {
      if (faults.latencyMs > 0) await sleep(faults.latencyMs);
      const user = impersonated(deps, deps.authenticate(req.headers), req.headers);
      record.user = user.username;
      if (method === 'POST' && url.pathname === ACCESS_REVIEW_PATH) {
        await review(req, res, user);
        return;
      }
      const attrs = requestAttributes(method, url);
      const decision = deps.authorize(user, attrs);
      if (decision !== undefined && !decision.allowed) throw forbidden(user, attrs, decision.reason);
      authorizeApplyCreate(deps, user, attrs, req.headers['content-type']);
      const injected = faults.take(method, url.pathname);
      if (injected) throw injected;
      await route(req, res, url);
    } catch (err) {
      const apiError = err instanceof ApiError ? err : internalError((err as Error).message);
      if (res.headersSent) {
        res.end();
      } else {
        const retry = apiError.details?.retryAfterSeconds;
        sendJson(
          res,
          apiError.code,
          apiError.toStatus(),
          retry !== undefined ? { 'Retry-After': String(retry) } : {},
        );
      }
    } finally {
      record.status = res.statusCode;
      deps.onRequest();
    }
  };
};

/** 403 Forbidden as kube-apiserver's authorization filter answers it (responsewriters.Forbidden). */
const forbidden = (user: UserInfo, attrs: RequestAttributes, reason: string): ApiError =>
  new ApiError(
    403,
    'Forbidden',
    forbiddenMessage(user, attrs, reason),
    attrs.resourceRequest
      ? {
          ...(attrs.name ? { name: attrs.name } : {}),
          ...(attrs.group ? { group: attrs.group } : {}),
          kind: attrs.resource,
        }
      : {},
  );

/**
 * `Impersonate-User`/`Impersonate-Group` (kubectl `--as`, `--as-group`): the request then acts as that
 * user, if the authenticated one may `impersonate` it, as the real server's impersonation filter does.
 */
const impersonated = (deps: RouterDeps, user: UserInfo, headers: IncomingMessage['headers']): UserInfo => {
  const as = headers['impersonate-user'];
  if (typeof as !== 'string' || as === '') return user;
  const groups = [headers['impersonate-group'] ?? []]
    .flat()
    .flatMap((g) => g.split(','))
    .map((g) => g.trim())
    .filter((g) => g !== '');
  const sa = /^system:serviceaccount:([^:]+):([^:]+)$/.exec(as);
  const attrs: RequestAttributes = sa
    ? {
        resourceRequest: true,
        verb: 'impersonate',
        group: '',
        version: 'v1',
        resource: 'serviceaccounts',
        subresource: undefined,
        namespace: sa[1],
        name: sa[2],
      }
    : {
        resourceRequest: true,
        verb: 'impersonate',
        group: '',
        version: 'v1',
        resource: 'users',
        subresource: undefined,
        namespace: undefined,
        name: as,
      };
  const decision = deps.authorize(user, attrs);
  if (decision !== undefined && !decision.allowed) throw forbidden(user, attrs, decision.reason);
  const implied = sa ? ['system:serviceaccounts', `system:serviceaccounts:${sa[1]}`] : [];
  return { username: as, groups: [...new Set([...groups, ...implied, 'system:authenticated'])] };
};

/**
 * A server-side apply that creates the object needs `create` as well as `patch` (the patch handler wraps
 * its create validation in an authorisation check); the refusal names no user, as the real one.
 */
const authorizeApplyCreate = (
  deps: RouterDeps,
  user: UserInfo,
  attrs: RequestAttributes,
  contentType: string | undefined,
): void => {
  if (!attrs.resourceRequest || attrs.verb !== 'patch' || attrs.subresource || !attrs.name) return;
  if ((contentType ?? '').split(';')[0]!.trim() !== 'application/apply-patch+yaml') return;
  if (deps.exists(attrs)) return;
  const create = { ...attrs, verb: 'create' };
  const decision = deps.authorize(user, create);
  if (decision === undefined || decision.allowed) return;
  const qualified = attrs.group ? `${attrs.resource}.${attrs.group}` : attrs.resource;
  throw new ApiError(403, 'Forbidden', `${qualified} "${attrs.name}" is forbidden: ${decision.reason}`, {
    name: attrs.name,
    ...(attrs.group ? { group: attrs.group } : {}),
    kind: attrs.resource,
  });
};
