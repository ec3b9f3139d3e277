// Finds the Flux objects consuming each ExternalArtifact through watches (never polling) and keeps an
// index `EA namespace/name → consumers`, so the controller can recompute delivery status whenever a
// consumer or one of its events changes, without fetching ConfigHub.
import type { Logger } from 'pino';
import type { KubeClient, KubeObject } from '../kube/client.ts';
import { isNotFound } from '../kube/errors.ts';
import { Informer, type InformerOptions } from '../kube/informer.ts';
import { type ResourceType, resources } from '../kube/resources.ts';
import { errorMessage } from '../util/errors.ts';
import { type LongTimer, setLongTimeout } from '../util/timers.ts';
import {
  type ConsumerDriftSignals,
  ConsumerKind,
  type ConsumerObject,
  consumerKey,
  eaKey,
  externalArtifactRefOf,
  parseConsumer,
} from './consumer.ts';
import { type EventSignal, isCorrection, parseEvent, signalOf } from './event-signals.ts';

export interface DeliveryTrackerOptions {
  kube: KubeClient;
  logger: Logger;
  /** Called with the `namespace/name` of an ExternalArtifact (= its ConfigHubRepository) whose consumers changed. */
  onChange(repositoryKey: string): void;
  /** Restrict watches to one namespace (default: all). */
  namespace?: string;
  /** Retry delay when a consumer kind is not served (CRD absent). Default 60 s. */
  missingKindRetryMs?: number;
  /** Watch core/v1 Events for drift signals (default true). */
  watchEvents?: boolean;
  /** Informer tuning (tests). */
  informer?: Pick<InformerOptions, 'minBackoffMs' | 'maxBackoffMs' | 'watchTimeoutSeconds'>;
}

const KIND_TYPES: Record<ConsumerKind, ResourceType> = {
  Kustomization: resources.kustomization,
  HelmRelease: resources.helmRelease,
};

/** Per consumer kind: an informer once the kind is served, or a timer probing for it. */
interface KindWatch {
  kind: ConsumerKind;
  informer?: Informer;
  retry?: LongTimer;
  available: boolean;
}

export class DeliveryTracker {
  readonly #options: DeliveryTrackerOptions;
  readonly #watches: KindWatch[];
  #events: Informer[] = [];
  #eventsSynced = false;
  /** EA key → consumer keys. */
  readonly #index = new Map<string, Set<string>>();
  /** consumer key → EA key it points at. */
  readonly #refs = new Map<string, string>();
  readonly #signals = new Map<string, ConsumerDriftSignals>();
  #stopped = false;
  /** Events examined and drift signals recorded, for tests and debugging. */
  readonly stats = { events: 0, signals: 0 };

  constructor(options: DeliveryTrackerOptions) {
    this.#options = options;
    this.#watches = [ConsumerKind.Kustomization, ConsumerKind.HelmRelease].map((kind) => ({
      kind,
      available: false,
    }));
  }

  /** Resolves once every served consumer kind (and the events watch) has listed. */
  async start(): Promise<void> {
    await Promise.all(this.#watches.map((w) => this.#startKind(w)));
    if (this.#options.watchEvents !== false) {
      // Only events about Flux consumers, selected by the API server: caching every Event of the
      // cluster (ours included) would grow with everything else that happens there.
      this.#events = [ConsumerKind.Kustomization, ConsumerKind.HelmRelease].map((kind) => {
        const informer = new Informer(this.#options.kube, resources.event, {
          ...this.#informerOptions(),
          fieldSelector: `involvedObject.kind=${kind}`,
        });
        informer.on({
          add: (event) => this.#onEvent(event),
          update: (_previous, event) => this.#onEvent(event),
        });
        return informer;
      });
      await Promise.all(this.#events.map((informer) => informer.start()));
      this.#eventsSynced = true;
    }
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    for (const w of this.#watches) w.retry?.cancel();
    await Promise.all([
      ...this.#watches.map((w) => w.informer?.stop()),
      ...this.#events.map((i) => i.stop()),
    ]);
  }

  /** Whether a consumer kind is served by the cluster (HelmRelease is absent without helm-controller). */
  isWatching(kind: ConsumerKind): boolean {
    return this.#watches.find((w) => w.kind === kind)?.available === true;
  }

  /** The consumers of an ExternalArtifact, with the drift signals seen in their events. */
  consumersOf(namespace: string, name: string): ConsumerObject[] {
    const keys = this.#index.get(eaKey({ namespace, name }));
    if (keys === undefined) return [];
    const out: ConsumerObject[] = [];
    for (const key of keys) {
      const consumer = this.#consumer(key);
      if (consumer !== undefined) out.push(consumer);
    }
    return out;
  }

  #consumer(key: string): ConsumerObject | undefined {
    const [kind, namespace, name] = key.split('/') as [ConsumerKind, string, string];
    const raw = this.#watches.find((w) => w.kind === kind)?.informer?.get(namespace, name);
    if (raw === undefined) return undefined;
    return parseConsumer(kind, raw, this.#signals.get(key) ?? {});
  }

  #informerOptions(): InformerOptions {
    return {
      logger: this.#options.logger,
      ...(this.#options.namespace !== undefined ? { namespace: this.#options.namespace } : {}),
      ...this.#options.informer,
    };
  }

  async #startKind(watch: KindWatch): Promise<void> {
    const type = KIND_TYPES[watch.kind];
    try {
      // A cheap probe: the Informer would retry a 404 forever at its usual pace and log each failure.
      await this.#options.kube.list(type, { limit: 1, namespace: this.#options.namespace });
    } catch (error) {
      if (this.#stopped) return;
      const retryMs = this.#options.missingKindRetryMs ?? 60_000;
      if (isNotFound(error)) {
        this.#options.logger.info(
          { kind: watch.kind, retryInMs: retryMs },
          'consumer kind not served by the cluster; watching it is disabled until it appears',
        );
      } else {
        this.#options.logger.warn(
          {
            kind: watch.kind,
            err: errorMessage(error),
            retryInMs: retryMs,
          },
          'cannot list consumers',
        );
      }
      watch.retry = setLongTimeout(() => void this.#startKind(watch), retryMs);
      return;
    }
    if (this.#stopped) return;
    const informer = new Informer(this.#options.kube, type, this.#informerOptions());
    informer.on({
      add: (object) => this.#onConsumer(watch.kind, object),
      update: (_previous, object) => this.#onConsumer(watch.kind, object),
      delete: (object) => this.#onConsumerDeleted(watch.kind, object),
    });
    watch.informer = informer;
    await informer.start();
    watch.available = true;
  }

  #onConsumer(kind: ConsumerKind, object: KubeObject): void {
    const key = consumerKey({ kind, namespace: object.metadata.namespace ?? '', name: object.metadata.name });
    const ref = externalArtifactRefOf(kind, object);
    const previous = this.#refs.get(key);
    const next = ref === undefined ? undefined : eaKey(ref);
    if (previous !== next) {
      if (previous !== undefined) {
        this.#unindex(previous, key);
        this.#notify(previous);
      }
      if (next !== undefined) {
        const set = this.#index.get(next) ?? new Set<string>();
        set.add(key);
        this.#index.set(next, set);
        this.#refs.set(key, next);
      }
    }
    if (next !== undefined) this.#notify(next);
  }

  #onConsumerDeleted(kind: ConsumerKind, object: KubeObject): void {
    const key = consumerKey({ kind, namespace: object.metadata.namespace ?? '', name: object.metadata.name });
    const previous = this.#refs.get(key);
    this.#signals.delete(key);
    if (previous === undefined) return;
    this.#unindex(previous, key);
    this.#notify(previous);
  }

  #unindex(ea: string, key: string): void {
    this.#refs.delete(key);
    const set = this.#index.get(ea);
    set?.delete(key);
    if (set?.size === 0) this.#index.delete(ea);
  }

  #onEvent(raw: KubeObject): void {
    this.stats.events++;
    const event = parseEvent(raw);
    const signal = event === undefined ? undefined : signalOf(event);
    if (signal === undefined) return;
    if (this.#record(signal)) {
      this.stats.signals++;
      const ea = this.#refs.get(signal.consumer);
      if (ea !== undefined) this.#notify(ea);
    }
  }

  /** Keeps the newest signal of each kind per consumer; true when something changed. */
  #record(signal: EventSignal): boolean {
    const signals = this.#signals.get(signal.consumer) ?? {};
    let slot: 'detected' | 'corrected';
    let value: { time: string; message: string };
    if (signal.kind === 'applied') {
      // Events listed at start-up were not observed live: only status.history can date them.
      const consumer = this.#consumer(signal.consumer);
      const appliedBefore = this.#eventsSynced && consumer?.lastAppliedRevision === signal.revision;
      if (!isCorrection(signal, consumer, appliedBefore)) return false;
      slot = 'corrected';
      value = { time: signal.time, message: signal.message };
    } else {
      slot = signal.kind;
      value = signal.signal;
    }
    const current = signals[slot];
    if (current !== undefined && Date.parse(current.time) >= Date.parse(value.time)) return false;
    signals[slot] = value;
    this.#signals.set(signal.consumer, signals);
    return true;
  }

  #notify(ea: string): void {
    if (this.#stopped) return;
    try {
      this.#options.onChange(ea);
    } catch (error) {
      this.#options.logger.error(
        { repository: ea, err: errorMessage(error) },
        'consumer change handler failed',
      );
    }
  }
}
