// List-watch cache for one resource type: lists, then watches from the list's resourceVersion,
// resumes from the last seen resourceVersion after a dropped stream, relists on 410 Expired, and
// backs off on errors instead of stopping (client-node's informer stops on any non-410 error).
import type { Logger } from 'pino';
import { capRetryAfter, delay } from '../util/timers.ts';
import { type CacheTransform, withoutManagedFields } from './cache-transforms.ts';
import type { KubeClient, KubeObject, WatchEvent } from './client.ts';
import { describeError, isGone, KubeApiError } from './errors.ts';
import type { ResourceType } from './resources.ts';

export interface InformerHandlers<T extends KubeObject> {
  add?(object: T): void;
  update?(previous: T, current: T): void;
  delete?(object: T): void;
}

export interface InformerOptions {
  namespace?: string;
  labelSelector?: string;
  /** Server-side field selector (e.g. `involvedObject.kind=Kustomization` on Events). */
  fieldSelector?: string;
  logger: Logger;
  minBackoffMs?: number;
  maxBackoffMs?: number;
  /** Server-side watch timeout; each stream ends after this and is resumed from the last resourceVersion. */
  watchTimeoutSeconds?: number;
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  /** Applied to each listed and watched object before it is cached; default drops managedFields. */
  transform?: CacheTransform;
}

/** A watch shorter than this that delivered nothing counts as failed. */
const SHORT_WATCH_MS = 1000;

class ShortWatchError extends Error {
  constructor() {
    super(`very short watch: ended within ${SHORT_WATCH_MS} ms without any event`);
  }
}

export function objectKey(object: KubeObject): string {
  const ns = object.metadata.namespace;
  return ns ? `${ns}/${object.metadata.name}` : object.metadata.name;
}

export class Informer<T extends KubeObject = KubeObject> {
  readonly #client: KubeClient;
  readonly #type: ResourceType;
  readonly #options: InformerOptions;
  readonly #cache = new Map<string, T>();
  readonly #handlers: InformerHandlers<T>[] = [];
  readonly #abort = new AbortController();
  #resourceVersion: string | undefined;
  #synced = false;
  #syncedWaiters: Array<() => void> = [];
  #loop: Promise<void> | undefined;
  /** Counts of list/watch starts, for tests and metrics. */
  readonly stats = { lists: 0, watches: 0, expired: 0, errors: 0 };

  constructor(client: KubeClient, type: ResourceType, options: InformerOptions) {
    this.#client = client;
    this.#type = type;
    this.#options = options;
  }

  on(handlers: InformerHandlers<T>): void {
    this.#handlers.push(handlers);
  }

  get(namespace: string | undefined, name: string): T | undefined {
    return this.#cache.get(namespace ? `${namespace}/${name}` : name);
  }

  list(): T[] {
    return [...this.#cache.values()];
  }

  get hasSynced(): boolean {
    return this.#synced;
  }

  /** Starts the loop; resolves once the first list has been applied to the cache. */
  start(): Promise<void> {
    this.#loop ??= this.#run();
    if (this.#synced) return Promise.resolve();
    return new Promise((resolve) => this.#syncedWaiters.push(resolve));
  }

  async stop(): Promise<void> {
    this.#abort.abort();
    await this.#loop;
  }

  async #run(): Promise<void> {
    const signal = this.#abort.signal;
    const min = this.#options.minBackoffMs ?? 1000;
    const max = this.#options.maxBackoffMs ?? 30_000;
    let failures = 0;
    while (!signal.aborted) {
      try {
        if (this.#resourceVersion === undefined) await this.#relist();
        this.stats.watches++;
        const started = performance.now();
        let events = 0;
        await this.#client.watch(
          this.#type,
          {
            namespace: this.#options.namespace,
            labelSelector: this.#options.labelSelector,
            fieldSelector: this.#options.fieldSelector,
            resourceVersion: this.#resourceVersion,
            timeoutSeconds: this.#options.watchTimeoutSeconds ?? 300 + Math.floor(Math.random() * 300),
            signal,
          },
          (event) => {
            events++;
            this.#apply(event);
          },
        );
        // As client-go's reflector: a watch that ends at once without a single event is a failure
        // (a proxy closing streams, say), retried with backoff rather than in a tight loop.
        if (events === 0 && performance.now() - started < SHORT_WATCH_MS) throw new ShortWatchError();
        failures = 0;
      } catch (error) {
        if (signal.aborted) break;
        if (isGone(error)) {
          // Our resourceVersion fell out of the server's history: start over from a fresh list.
          this.stats.expired++;
          this.#resourceVersion = undefined;
          this.#options.logger.debug({ resource: this.#type.plural }, 'watch expired, relisting');
          continue;
        }
        this.stats.errors++;
        failures++;
        const backoff = Math.min(max, min * 2 ** (failures - 1)) * (0.8 + Math.random() * 0.4);
        // A throttled API server says when to come back (429 + Retry-After): never sooner, within reason.
        const retryAfter = error instanceof KubeApiError ? error.retryAfterMs : undefined;
        const waitMs = Math.max(backoff, capRetryAfter(retryAfter, Math.max(max, 60_000)) ?? 0);
        this.#options.logger.warn(
          { resource: this.#type.plural, err: describeError(error), retryInMs: Math.round(waitMs) },
          'list/watch failed',
        );
        await (this.#options.sleep ?? delay)(waitMs, signal);
      }
    }
  }

  async #relist(): Promise<void> {
    this.stats.lists++;
    const list = await this.#client.listAll<T>(this.#type, {
      namespace: this.#options.namespace,
      labelSelector: this.#options.labelSelector,
      fieldSelector: this.#options.fieldSelector,
    });
    const seen = new Set<string>();
    for (const listed of list.items) {
      const object = this.#transform(listed);
      const key = objectKey(object);
      seen.add(key);
      this.#upsert(key, object);
    }
    for (const [key, object] of this.#cache) {
      if (!seen.has(key)) {
        this.#cache.delete(key);
        for (const h of this.#handlers) h.delete?.(object);
      }
    }
    this.#resourceVersion = list.metadata.resourceVersion;
    if (!this.#synced) {
      this.#synced = true;
      for (const resolve of this.#syncedWaiters.splice(0)) resolve();
    }
  }

  #transform(object: KubeObject): T {
    return (this.#options.transform ?? withoutManagedFields)(object) as T;
  }

  #apply(event: WatchEvent): void {
    const object = (event.type === 'ERROR' ? event.object : this.#transform(event.object)) as T;
    switch (event.type) {
      case 'BOOKMARK':
        break;
      case 'ERROR': {
        const status = event.object;
        throw new KubeApiError(
          status.code ?? 500,
          status.reason ?? 'Unknown',
          status.message ?? 'watch error',
        );
      }
      case 'ADDED':
      case 'MODIFIED':
        this.#upsert(objectKey(object), object);
        break;
      case 'DELETED': {
        const key = objectKey(object);
        const previous = this.#cache.get(key);
        this.#cache.delete(key);
        for (const h of this.#handlers) h.delete?.(previous ?? object);
        break;
      }
    }
    const rv = object.metadata?.resourceVersion;
    if (rv) this.#resourceVersion = rv;
  }

  #upsert(key: string, object: T): void {
    const previous = this.#cache.get(key);
    this.#cache.set(key, object);
    if (previous === undefined) {
      for (const h of this.#handlers) h.add?.(object);
    } else if (previous.metadata.resourceVersion !== object.metadata.resourceVersion) {
      for (const h of this.#handlers) h.update?.(previous, object);
    }
  }
}
