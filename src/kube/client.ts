// Thin adapter over the Kubernetes REST API. @kubernetes/client-node supplies kubeconfig loading and
// authentication; requests go through one shared undici Agent with explicit content types, so every
// write says which patch semantics it wants and every error carries the API's Status reason.
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import type { KubeConfig } from '@kubernetes/client-node/dist/config.js';
import { RequestContext } from '@kubernetes/client-node/dist/gen/http/http.js';
import type { Dispatcher } from 'undici';
import { errorCode } from '../util/errors.ts';
import { parseRetryAfter } from '../util/timers.ts';
import { KubeApiError } from './errors.ts';
import { type ResourceType, resourcePath } from './resources.ts';
import { Agent, request } from './undici-slim.ts';

export type KubeObject = {
  apiVersion?: string;
  kind?: string;
  metadata: {
    name: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
    generation?: number;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    finalizers?: string[];
    ownerReferences?: OwnerReference[];
    deletionTimestamp?: string;
    creationTimestamp?: string;
    [key: string]: unknown;
  };
  [key: string]: unknown;
};

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface ObjectList<T = KubeObject> {
  metadata: { resourceVersion?: string; continue?: string };
  items: T[];
}

export type PatchType = 'merge' | 'json' | 'apply';
const PATCH_CONTENT_TYPE: Record<PatchType, string> = {
  merge: 'application/merge-patch+json',
  json: 'application/json-patch+json',
  apply: 'application/apply-patch+yaml',
};

export interface ListOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
}

export interface WatchOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  resourceVersion?: string;
  timeoutSeconds?: number;
  signal?: AbortSignal;
}

export interface WatchEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: KubeObject & { code?: number; reason?: string; message?: string };
}

export interface KubeClientOptions {
  /** Per-request timeout for non-watch calls. */
  requestTimeoutMs?: number;
  userAgent?: string;
  /** Field manager named on every create, update and patch that does not name its own. */
  fieldManager?: string;
  /** How long a watch may stay silent (no event, no bookmark) before it counts as dead; default 150 s. */
  watchInactivityMs?: number;
}

/**
 * The single-object reads and writes a reconcile makes: what its code depends on, so a unit test can
 * pass a plain object implementing these three instead of a client on the network.
 */
export type KubeObjectApi = Pick<KubeClient, 'get' | 'patch' | 'delete'>;

export class KubeClient {
  readonly #config: KubeConfig;
  readonly #server: string;
  readonly #agent: Dispatcher | undefined;
  readonly #timeoutMs: number;
  readonly #userAgent: string;
  readonly #fieldManager: string | undefined;
  readonly #watchInactivityMs: number;

  constructor(config: KubeConfig, options: KubeClientOptions = {}) {
    const cluster = config.getCurrentCluster();
    if (cluster === null) throw new Error('kubeconfig has no current cluster');
    this.#config = config;
    this.#server = cluster.server.replace(/\/+$/, '');
    this.#timeoutMs = options.requestTimeoutMs ?? 30_000;
    this.#userAgent = options.userAgent ?? 'confighub-source-controller';
    this.#fieldManager = options.fieldManager;
    this.#watchInactivityMs = options.watchInactivityMs ?? WATCH_INACTIVITY_SECONDS * 1000;
    this.#agent = buildAgent(config);
  }

  async get<T = KubeObject>(type: ResourceType, namespace: string | undefined, name: string): Promise<T> {
    return this.#call<T>('GET', resourcePath(type, namespace, name));
  }

  /** A raw GET of an API path, e.g. discovery's `/apis/apps/v1`. */
  async getPath<T = unknown>(path: string): Promise<T> {
    return this.#call<T>('GET', path);
  }

  async list<T = KubeObject>(type: ResourceType, options: ListOptions = {}): Promise<ObjectList<T>> {
    const query: Record<string, string> = {};
    if (options.labelSelector) query['labelSelector'] = options.labelSelector;
    if (options.fieldSelector) query['fieldSelector'] = options.fieldSelector;
    if (options.limit !== undefined) query['limit'] = String(options.limit);
    if (options.continue) query['continue'] = options.continue;
    return this.#call<ObjectList<T>>('GET', resourcePath(type, options.namespace), { query });
  }

  /** Lists every page. */
  async listAll<T = KubeObject>(type: ResourceType, options: ListOptions = {}): Promise<ObjectList<T>> {
    const items: T[] = [];
    let cont: string | undefined;
    let resourceVersion: string | undefined;
    do {
      const page = await this.list<T>(type, { ...options, limit: options.limit ?? 500, continue: cont });
      items.push(...page.items);
      resourceVersion = page.metadata.resourceVersion;
      cont = page.metadata.continue || undefined;
    } while (cont);
    return { metadata: { resourceVersion }, items };
  }

  async create<T = KubeObject>(type: ResourceType, namespace: string | undefined, body: unknown): Promise<T> {
    return this.#call<T>('POST', resourcePath(type, namespace), {
      query: this.#managerQuery(),
      body: JSON.stringify(body),
    });
  }

  async replace<T = KubeObject>(type: ResourceType, object: KubeObject, subresource?: string): Promise<T> {
    const path = resourcePath(type, object.metadata.namespace, object.metadata.name, subresource);
    return this.#call<T>('PUT', path, { query: this.#managerQuery(), body: JSON.stringify(object) });
  }

  /** Without a field manager the API server derives one from the user agent: name ours explicitly. */
  #managerQuery(explicit?: string): Record<string, string> {
    const manager = explicit ?? this.#fieldManager;
    return manager ? { fieldManager: manager } : {};
  }

  async patch<T = KubeObject>(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
    patchType: PatchType,
    patch: unknown,
    options: { subresource?: string; fieldManager?: string; force?: boolean; dryRun?: boolean } = {},
  ): Promise<T> {
    const query = this.#managerQuery(options.fieldManager);
    if (options.force) query['force'] = 'true';
    // The API server evaluates the write in full (defaults, admission, field ownership), then discards it.
    if (options.dryRun) query['dryRun'] = 'All';
    return this.#call<T>('PATCH', resourcePath(type, namespace, name, options.subresource), {
      query,
      body: JSON.stringify(patch),
      contentType: PATCH_CONTENT_TYPE[patchType],
    });
  }

  async delete(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
    options: { propagationPolicy?: 'Background' | 'Foreground' | 'Orphan'; uid?: string } = {},
  ): Promise<void> {
    const body: Record<string, unknown> = { apiVersion: 'v1', kind: 'DeleteOptions' };
    if (options.propagationPolicy) body['propagationPolicy'] = options.propagationPolicy;
    if (options.uid) body['preconditions'] = { uid: options.uid };
    await this.#call('DELETE', resourcePath(type, namespace, name), { body: JSON.stringify(body) });
  }

  /**
   * Streams watch events until the server ends the stream, the signal aborts, or the connection fails.
   * Resolves on a clean end; rejects with KubeApiError (e.g. 410) or a network error.
   */
  async watch(
    type: ResourceType,
    options: WatchOptions,
    onEvent: (event: WatchEvent) => void,
  ): Promise<void> {
    const timeoutSeconds = options.timeoutSeconds ?? 300;
    const query: Record<string, string> = {
      watch: 'true',
      allowWatchBookmarks: 'true',
      timeoutSeconds: String(timeoutSeconds),
    };
    if (options.resourceVersion) query['resourceVersion'] = options.resourceVersion;
    if (options.labelSelector) query['labelSelector'] = options.labelSelector;
    if (options.fieldSelector) query['fieldSelector'] = options.fieldSelector;
    const response = await this.#send('GET', resourcePath(type, options.namespace), {
      query,
      // A real watch cache sends a bookmark about every minute: a stream silent for longer than the
      // inactivity limit is dead (or the server never bookmarks), and is resumed from the last
      // resourceVersion, as a stream the server ends is.
      bodyTimeoutMs: Math.min((timeoutSeconds + 30) * 1000, this.#watchInactivityMs),
      signal: options.signal,
    });
    if (response.statusCode !== 200) {
      throw toApiError(response.statusCode, response.headers, await response.body.text());
    }
    const lines = createInterface({ input: response.body, crlfDelay: Number.POSITIVE_INFINITY });
    try {
      for await (const line of lines) {
        if (line.trim() === '') continue;
        onEvent(JSON.parse(line) as WatchEvent);
      }
    } catch (error) {
      if (options.signal?.aborted || isBodyTimeout(error)) return;
      throw error;
    } finally {
      // A handler that throws (an ERROR event, say) leaves the stream half read: release the connection.
      lines.close();
      response.body.destroy();
    }
  }

  async close(): Promise<void> {
    await this.#agent?.close();
  }

  async #call<T>(
    method: string,
    path: string,
    init: { query?: Record<string, string>; body?: string; contentType?: string } = {},
  ): Promise<T> {
    const response = await this.#send(method, path, { ...init, bodyTimeoutMs: this.#timeoutMs });
    const text = await response.body.text();
    if (response.statusCode >= 300) throw toApiError(response.statusCode, response.headers, text);
    return (text === '' ? {} : JSON.parse(text)) as T;
  }

  async #send(
    method: string,
    path: string,
    init: {
      query?: Record<string, string>;
      body?: string;
      contentType?: string;
      bodyTimeoutMs: number;
      signal?: AbortSignal | undefined;
    },
  ): Promise<Dispatcher.ResponseData> {
    const url = new URL(this.#server + path);
    for (const [key, value] of Object.entries(init.query ?? {})) url.searchParams.set(key, value);
    // Authentication (tokens, exec plugins, rotated service-account tokens) is re-applied per request;
    // the dispatcher client-node attaches is only used behind a proxy.
    const context = new RequestContext(url.toString(), method as never);
    await this.#config.applySecurityAuthentication(context);
    const headers: Record<string, string> = {
      ...context.getHeaders(),
      accept: 'application/json',
      'user-agent': this.#userAgent,
    };
    if (init.body !== undefined) headers['content-type'] = init.contentType ?? 'application/json';
    return request(url, {
      method: method as Dispatcher.HttpMethod,
      headers,
      body: init.body,
      dispatcher: this.#agent ?? context.getDispatcher(),
      headersTimeout: this.#timeoutMs,
      bodyTimeout: init.bodyTimeoutMs,
      signal: init.signal,
    });
  }
}

/** How long a watch may stay silent (no event, no bookmark) before it counts as dead. */
export const WATCH_INACTIVITY_SECONDS = 150;

function isBodyTimeout(error: unknown): boolean {
  return errorCode(error) === 'UND_ERR_BODY_TIMEOUT';
}

/** One keep-alive Agent per client (client-node would build a new one per request when TLS is configured). */
function buildAgent(config: KubeConfig): Dispatcher | undefined {
  const cluster = config.getCurrentCluster();
  const user = config.getCurrentUser();
  const tls: Record<string, unknown> = {};
  if (cluster?.skipTLSVerify) tls['rejectUnauthorized'] = false;
  if (cluster?.tlsServerName) tls['servername'] = cluster.tlsServerName;
  const ca = readData(cluster?.caFile, cluster?.caData);
  if (ca) tls['ca'] = ca;
  const cert = readData(user?.certFile, user?.certData);
  if (cert) tls['cert'] = cert;
  const key = readData(user?.keyFile, user?.keyData);
  if (key) tls['key'] = key;
  if (cluster?.proxyUrl) return undefined; // let client-node build its proxy dispatcher
  return new Agent({ connect: { ...tls, keepAlive: true, keepAliveInitialDelay: 30_000 }, pipelining: 1 });
}

function readData(file: string | undefined, data: string | undefined): Buffer | undefined {
  if (data) return Buffer.from(data, 'base64');
  if (file) return readFileSyncSafe(file);
  return undefined;
}

function readFileSyncSafe(file: string): Buffer | undefined {
  try {
    return readFileSync(file);
  } catch {
    return undefined;
  }
}

function toApiError(
  statusCode: number,
  headers: Record<string, string | string[] | undefined>,
  text: string,
): KubeApiError {
  let reason = 'Unknown';
  let message = `HTTP ${statusCode}`;
  try {
    const status = JSON.parse(text) as { kind?: string; reason?: string; message?: string };
    if (status.kind === 'Status') {
      reason = status.reason ?? reason;
      message = status.message ?? message;
    }
  } catch {
    // Not a Status body (a proxy's HTML page, say): keep the HTTP code only.
  }
  const retryAfter = headers['retry-after'];
  const retryAfterMs = typeof retryAfter === 'string' ? parseRetryAfter(retryAfter, Date.now()) : undefined;
  return new KubeApiError(statusCode, reason, message, retryAfterMs);
}
