// Event recording as Flux controllers do it (fluxcd/pkg runtime/events): every event becomes a
// Kubernetes Event (repeated ones are aggregated by count); with --events-addr, non-trace events are
// also POSTed to notification-controller in its JSON format, with 429 meaning "duplicate, don't retry".
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { request } from 'undici';
import { CONTROLLER_NAME, EVENT_ANNOTATION_PREFIX } from '../api/constants.ts';
import { delay } from '../util/timers.ts';
import type { KubeClient } from './client.ts';
import { isNotFound } from './errors.ts';
import { parseApiVersion, resources } from './resources.ts';

export type EventType = 'Normal' | 'Warning' | 'Trace';

export interface InvolvedObject {
  apiVersion: string;
  kind: string;
  name: string;
  namespace: string;
  uid?: string;
  resourceVersion?: string;
}

export interface RecordedEvent {
  involvedObject: InvolvedObject;
  type: EventType;
  reason: string;
  message: string;
  /** Becomes Event annotations and the notification's metadata (e.g. `<group>/revision`). */
  metadata?: Record<string, string>;
  /** Also forward to notification-controller with this object as the involved object (default: involvedObject). */
  forwardAs?: InvolvedObject;
  /** Write the Kubernetes Event only (its twin on another object is the one forwarded). */
  localOnly?: boolean;
}

export interface EventSink {
  record(event: RecordedEvent): Promise<void>;
}

interface Aggregate {
  name: string;
  namespace: string;
  count: number;
  firstTimestamp: string;
}

const AGGREGATE_LIMIT = 4096;
const MAX_PENDING_FORWARDS = 256;

export class KubeEventRecorder implements EventSink {
  readonly #client: KubeClient;
  readonly #logger: Logger;
  readonly #instance: string;
  readonly #eventsAddr: string | undefined;
  readonly #aggregates = new Map<string, Aggregate>();
  readonly #forwarding = new Set<Promise<void>>();
  /** Events written, for tests and the demo's view. */
  readonly recorded: RecordedEvent[] = [];

  constructor(
    client: KubeClient,
    options: { logger: Logger; instance: string; eventsAddr?: string | undefined },
  ) {
    this.#client = client;
    this.#logger = options.logger;
    this.#instance = options.instance;
    this.#eventsAddr = options.eventsAddr;
  }

  async record(event: RecordedEvent): Promise<void> {
    this.recorded.push(event);
    if (this.recorded.length > 1000) this.recorded.splice(0, this.recorded.length - 1000);
    this.#startForward(event);
    await this.#writeKubeEvent(event);
  }

  /**
   * Resolves once every forward started so far has finished (delivered, refused or given up), or after
   * `timeoutMs`: a shutdown must not wait out the retries against an unreachable notification-controller.
   */
  async flush(timeoutMs = 5000): Promise<void> {
    const stop = new AbortController();
    try {
      await Promise.race([Promise.all([...this.#forwarding]), delay(timeoutMs, stop.signal)]);
    } finally {
      stop.abort();
    }
  }

  /**
   * Forwarding runs in the background: an unreachable notification-controller (5 s timeouts, retries)
   * must never hold up a reconcile. Bounded, so a long outage cannot pile up pending requests.
   */
  #startForward(event: RecordedEvent): void {
    if (this.#eventsAddr === undefined || event.type === 'Trace' || event.localOnly) return;
    if (this.#forwarding.size >= MAX_PENDING_FORWARDS) {
      this.#logger.debug(
        { reason: event.reason },
        'too many events pending for notification-controller, dropped',
      );
      return;
    }
    const pending: Promise<void> = this.#forward(event)
      .catch(() => undefined)
      .finally(() => this.#forwarding.delete(pending));
    this.#forwarding.add(pending);
  }

  async #writeKubeEvent(event: RecordedEvent): Promise<void> {
    const type = event.type === 'Warning' ? 'Warning' : 'Normal';
    const obj = event.involvedObject;
    const key = [obj.namespace, obj.kind, obj.name, obj.uid, type, event.reason, event.message].join(
      '\u0000',
    );
    const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    const existing = this.#aggregates.get(key);
    try {
      if (existing !== undefined) {
        existing.count++;
        await this.#client.patch(resources.event, existing.namespace, existing.name, 'merge', {
          count: existing.count,
          lastTimestamp: now,
        });
        return;
      }
    } catch (error) {
      if (!isNotFound(error)) {
        this.#logger.debug({ err: String(error) }, 'event aggregation failed, writing a new event');
      }
      this.#aggregates.delete(key);
    }
    // Event names are DNS subdomains (≤ 253): a long object name leaves room for the suffix.
    const prefix = obj.name.slice(0, 253 - 17).replace(/[-.]+$/, '');
    const name = `${prefix}.${randomBytes(8).toString('hex')}`;
    const body = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: {
        name,
        namespace: obj.namespace,
        ...(event.metadata ? { annotations: event.metadata } : {}),
      },
      involvedObject: obj,
      reason: event.reason,
      message: event.message,
      type,
      count: 1,
      firstTimestamp: now,
      lastTimestamp: now,
      source: { component: CONTROLLER_NAME },
      reportingComponent: CONTROLLER_NAME,
      reportingInstance: this.#instance,
    };
    try {
      await this.#client.create(resources.event, obj.namespace, body);
      if (this.#aggregates.size >= AGGREGATE_LIMIT) {
        const oldest = this.#aggregates.keys().next().value;
        if (oldest !== undefined) this.#aggregates.delete(oldest);
      }
      this.#aggregates.set(key, { name, namespace: obj.namespace, count: 1, firstTimestamp: now });
    } catch (error) {
      // Events are best effort: a failed write must never fail a reconcile.
      this.#logger.error({ err: String(error), reason: event.reason }, 'unable to record event');
    }
  }

  async #forward(event: RecordedEvent): Promise<void> {
    if (this.#eventsAddr === undefined) return;
    const target = event.forwardAs ?? event.involvedObject;
    const { group } = parseApiVersion(target.apiVersion);
    // notification-controller keeps metadata keys of the involved object's group only.
    const metadata: Record<string, string> = {};
    for (const [k, v] of Object.entries(event.metadata ?? {})) {
      if (k.startsWith(EVENT_ANNOTATION_PREFIX)) {
        metadata[k] = v; // kept by notification-controller under its own prefix
        continue;
      }
      const suffix = k.slice(k.indexOf('/') + 1);
      metadata[group ? `${group}/${suffix}` : k] = v;
    }
    const payload = {
      involvedObject: { ...target },
      severity: event.type === 'Warning' ? 'error' : 'info',
      timestamp: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
      message: event.message,
      reason: event.reason,
      metadata,
      reportingController: CONTROLLER_NAME,
      reportingInstance: this.#instance,
    };
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        const response = await request(this.#eventsAddr, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(payload),
          headersTimeout: 5000,
          bodyTimeout: 5000,
        });
        await response.body.dump();
        if (response.statusCode < 300 || response.statusCode === 429) return;
        if (response.statusCode < 500) break;
      } catch {
        // retried below
      }
      await delay(200 * 2 ** attempt);
    }
    this.#logger.debug({ reason: event.reason }, 'unable to forward event to notification-controller');
  }
}
