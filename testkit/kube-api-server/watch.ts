// Watch streams: NDJSON `{type, object}` lines from a resourceVersion, with bookmarks and expiry.

import type { ServerResponse } from 'node:http';
import { ApiError, badRequest, gone } from './errors.ts';
import type { FieldSelector, Selector } from './selectors.ts';
import type { Store, StoredEvent } from './storage.ts';
import type { KubeObject } from './types.ts';

export interface WatchRequest {
  resource: string;
  namespace: string | undefined;
  labelSelector: Selector;
  fieldSelector: FieldSelector;
  /** `undefined` or "0": start with the current objects as ADDED. */
  resourceVersion: string | undefined;
  bookmarks: boolean;
  /**
   * `sendInitialEvents=true` (watch-list): current objects as ADDED first, then a BOOKMARK annotated
   * `k8s.io/initial-events-end: "true"`, whatever resourceVersion was given.
   */
  sendInitialEvents: boolean;
  timeoutSeconds: number | undefined;
  /** The object as this request's version sees it, for field selectors. */
  view: (object: KubeObject) => KubeObject;
  /** Shapes a stored object for this request's apiVersion. */
  render: (object: KubeObject) => unknown;
  /** apiVersion/kind for BOOKMARK objects. */
  apiVersion: string;
  kind: string;
}

export interface WatchHubOptions {
  bookmarkIntervalMs: number;
  /** Server-side cap on a watch's duration, so clients exercise their reconnect path. */
  maxWatchSeconds: number;
}

interface ActiveWatch {
  end: () => void;
}

export class WatchHub {
  readonly #store: Store;
  readonly #active = new Set<ActiveWatch>();
  #options: WatchHubOptions;

  constructor(store: Store, options: WatchHubOptions) {
    this.#store = store;
    this.#options = options;
  }

  configure(options: Partial<WatchHubOptions>): void {
    this.#options = { ...this.#options, ...options };
  }

  get count(): number {
    return this.#active.size;
  }

  /** Ends every open watch, as an API server restart or a load balancer idle cut would. */
  dropAll(): void {
    for (const w of [...this.#active]) w.end();
  }

  serve(req: WatchRequest, res: ServerResponse): void {
    const selected = (o: KubeObject | undefined): boolean =>
      o !== undefined &&
      (req.namespace === undefined || o.metadata.namespace === req.namespace) &&
      req.labelSelector(o.metadata.labels ?? {}) &&
      req.fieldSelector(req.view(o));

    let backlog: StoredEvent[] | undefined;
    const initial: KubeObject[] = [];
    const rv = req.resourceVersion;
    if (req.sendInitialEvents || rv === undefined || rv === '' || rv === '0') {
      initial.push(...this.#store.list(req.resource, req.namespace).filter(selected));
      backlog = [];
    } else {
      if (!/^\d+$/.test(rv)) throw badRequest(`invalid resource version: ${rv}`);
      if (Number(rv) > this.#store.currentRv) {
        // The real watch cache waits a few seconds for a future resourceVersion, then gives up so.
        throw new ApiError(
          504,
          'Timeout',
          `Too large resource version: ${rv}, current: ${this.#store.currentRv}`,
          {
            causes: [{ reason: 'ResourceVersionTooLarge', message: 'Too large resource version' }],
            retryAfterSeconds: 1,
          },
        );
      }
      backlog = this.#store.eventsSince(Number(rv));
    }

    res.writeHead(200, {
      'Content-Type': 'application/json',
      'Transfer-Encoding': 'chunked',
      'Cache-Control': 'no-cache, private',
    });
    res.flushHeaders();
    const send = (type: string, object: unknown): void => {
      res.write(`${JSON.stringify({ type, object })}\n`);
    };

    if (backlog === undefined) {
      // Real servers answer 200 then one ERROR event carrying a 410 Status, and close.
      send('ERROR', gone(`too old resource version: ${rv} (${this.#store.currentRv})`).toStatus());
      res.end();
      return;
    }

    const deliver = (e: StoredEvent): void => {
      if (e.resource !== req.resource) return;
      const now = selected(e.object);
      if (e.type === 'MODIFIED') {
        const before = selected(e.previous);
        // Objects entering or leaving a filtered watch arrive as ADDED or DELETED.
        if (now && before) send('MODIFIED', req.render(e.object));
        else if (now) send('ADDED', req.render(e.object));
        else if (before) send('DELETED', req.render(e.object));
        return;
      }
      if (e.type === 'DELETED' ? selected(e.previous) : now) send(e.type, req.render(e.object));
    };

    for (const o of initial) send('ADDED', req.render(o));
    if (req.sendInitialEvents) {
      send('BOOKMARK', {
        kind: req.kind,
        apiVersion: req.apiVersion,
        metadata: {
          resourceVersion: this.#store.resourceVersion,
          annotations: { 'k8s.io/initial-events-end': 'true' },
        },
      });
    }
    for (const e of backlog) deliver(e);
    const unsubscribe = this.#store.subscribe(deliver);

    const timers: NodeJS.Timeout[] = [];
    const active: ActiveWatch = {
      end: () => {
        if (!this.#active.delete(active)) return;
        unsubscribe();
        for (const t of timers) clearTimeout(t);
        res.end();
      },
    };
    this.#active.add(active);
    res.on('close', active.end);

    if (req.bookmarks) {
      const timer = setInterval(() => {
        send('BOOKMARK', {
          kind: req.kind,
          apiVersion: req.apiVersion,
          metadata: { resourceVersion: this.#store.resourceVersion },
        });
      }, this.#options.bookmarkIntervalMs);
      timer.unref();
      timers.push(timer);
    }
    const limit = Math.min(req.timeoutSeconds ?? Number.POSITIVE_INFINITY, this.#options.maxWatchSeconds);
    if (Number.isFinite(limit)) {
      const timer = setTimeout(active.end, limit * 1000);
      timer.unref();
      timers.push(timer);
    }
  }
}
