// Wires informers, the work queue and the reconciler: events only enqueue `namespace/name`; the queue
// decides when and how often; the reconciler's outcome decides the next requeue, in this one place.
import type { Logger } from 'pino';
import {
  ANNOTATION_REQUESTED_AT,
  CONTROLLER_NAME,
  FINALIZER,
  KIND,
  LABEL_MANAGED_BY,
} from '../api/constants.ts';
import type { RepositoryObject } from '../api/v1beta1.ts';
import type { BuildEngine, Storage } from '../artifact/index.ts';
import { DeliveryTracker } from '../delivery/index.ts';
import type { DriftDetector, DriftMetrics, DriftMode } from '../drift/index.ts';
import { repositoryCacheTransform } from '../kube/cache-transforms.ts';
import type { KubeClient } from '../kube/client.ts';
import type { EventSink } from '../kube/events.ts';
import { Informer, objectKey } from '../kube/informer.ts';
import { resources } from '../kube/resources.ts';
import { WorkQueue } from '../kube/workqueue.ts';
import type { ControllerMetrics } from '../telemetry/metrics.ts';
import { sameJson } from '../util/same-json.ts';
import { DeliveryReporter } from './delivery-reporter.ts';
import { EaStatusMemory } from './ea-status-memory.ts';
import type { ExternalArtifactObject } from './external-artifact.ts';
import type { ReconcileOutcome } from './reconcile-context.ts';
import { Reconciler } from './reconciler.ts';
import { UpstreamClients } from './upstream.ts';

export interface ManagerOptions {
  concurrent: number;
  watchNamespace: string | undefined;
  watchLabelSelector: string | undefined;
  requeueDependencyMs: number;
  minRetryDelayMs: number;
  maxRetryDelayMs: number;
  intervalJitterPercentage: number;
  maxUnits: number;
  maxUnitSizeBytes: number;
  driftDetection: DriftMode;
}

export interface ManagerDeps {
  kube: KubeClient;
  storage: Storage;
  build: BuildEngine;
  events: EventSink;
  metrics: ControllerMetrics;
  logger: Logger;
  options: ManagerOptions;
  /** Report-only drift detection and its metrics; absent: no drift checks. */
  drift?: { detector: DriftDetector; metrics: DriftMetrics };
  /** Informer watch timeout override (tests). */
  watchTimeoutSeconds?: number;
}

export class Manager {
  readonly repositories: Informer<RepositoryObject>;
  readonly externalArtifacts: Informer<ExternalArtifactObject>;
  readonly queue: WorkQueue;
  readonly reconciler: Reconciler;
  /** Flux objects consuming our ExternalArtifacts, watched so delivery status follows them. */
  readonly delivery: DeliveryTracker;
  readonly #deps: ManagerDeps;
  readonly #upstream: UpstreamClients;
  readonly #eaStatuses = new EaStatusMemory();
  #started = false;

  constructor(deps: ManagerDeps) {
    this.#deps = deps;
    const { options, logger, kube, metrics } = deps;
    this.#upstream = new UpstreamClients({
      maxUnits: options.maxUnits,
      maxUnitSizeBytes: options.maxUnitSizeBytes,
    });
    const informerOptions = { logger, watchTimeoutSeconds: deps.watchTimeoutSeconds };
    this.repositories = new Informer<RepositoryObject>(kube, resources.repository, {
      ...informerOptions,
      namespace: options.watchNamespace,
      labelSelector: options.watchLabelSelector,
      transform: repositoryCacheTransform,
    });
    this.externalArtifacts = new Informer<ExternalArtifactObject>(kube, resources.externalArtifact, {
      ...informerOptions,
      namespace: options.watchNamespace,
      labelSelector: `${LABEL_MANAGED_BY}=${CONTROLLER_NAME}`,
    });
    this.delivery = new DeliveryTracker({
      kube,
      logger,
      ...(options.watchNamespace ? { namespace: options.watchNamespace } : {}),
      ...(deps.watchTimeoutSeconds ? { informer: { watchTimeoutSeconds: deps.watchTimeoutSeconds } } : {}),
      onChange: (key) => {
        const slash = key.indexOf('/');
        if (this.repositories.get(key.slice(0, slash), key.slice(slash + 1)) !== undefined)
          this.#enqueue(key);
      },
    });
    this.reconciler = new Reconciler({
      kube,
      storage: deps.storage,
      build: deps.build,
      upstream: this.#upstream,
      events: deps.events,
      metrics,
      logger,
      getRepository: (ns, name) => this.repositories.get(ns, name),
      getExternalArtifact: (ns, name) => this.externalArtifacts.get(ns, name),
      eaStatuses: this.#eaStatuses,
      options: {
        requeueDependencyMs: options.requeueDependencyMs,
        intervalJitterPercentage: options.intervalJitterPercentage,
        maxRetryDelayMs: options.maxRetryDelayMs,
      },
      delivery: new DeliveryReporter({
        tracker: this.delivery,
        detector: deps.drift?.detector,
        driftMetrics: deps.drift?.metrics,
        storage: deps.storage,
        globalDriftMode: options.driftDetection,
      }),
    });
    const queueName = { name: CONTROLLER_NAME };
    this.queue = new WorkQueue({
      concurrency: options.concurrent,
      minRetryDelayMs: options.minRetryDelayMs,
      maxRetryDelayMs: options.maxRetryDelayMs,
      process: (key) => this.#process(key),
      onDequeue: (waitedMs) => {
        metrics.queueLatency.observe(queueName, waitedMs / 1000);
        metrics.queueDepth.set(queueName, this.queue.depth);
      },
    });
    this.#watch();
  }

  /** Lists and watches, waits for the caches, cleans orphaned storage, then starts the workers. */
  async start(): Promise<void> {
    if (this.#started) return;
    this.#started = true;
    await Promise.all([this.repositories.start(), this.externalArtifacts.start(), this.delivery.start()]);
    await this.#removeOrphanedStorage();
    this.queue.start();
  }

  async stop(): Promise<void> {
    await this.queue.shutdown();
    await Promise.all([this.repositories.stop(), this.externalArtifacts.stop(), this.delivery.stop()]);
    await this.#upstream.closeAll();
  }

  #enqueue(key: string): void {
    this.#deps.metrics.queueAdds.inc({ name: CONTROLLER_NAME });
    this.queue.add(key);
    this.#deps.metrics.queueDepth.set({ name: CONTROLLER_NAME }, this.queue.depth);
  }

  #watch(): void {
    this.repositories.on({
      add: (object) => this.#enqueue(objectKey(object)),
      // As Flux's predicates: a new generation, a reconcile request, or deletion; not our own status
      // writes, nor the finalizer we add (the reconcile that adds it carries on); only its removal by
      // someone else, so it is put back.
      update: (previous, current) => {
        if (previous.metadata.uid !== current.metadata.uid) {
          // Deleted and created again while the watch was down (seen in a re-list): a new object.
          this.#forgetObject(previous);
          this.#enqueue(objectKey(current));
          return;
        }
        const requested = (o: RepositoryObject) => o.metadata.annotations?.[ANNOTATION_REQUESTED_AT];
        const ours = (o: RepositoryObject) => (o.metadata.finalizers ?? []).includes(FINALIZER);
        if (
          previous.metadata.generation !== current.metadata.generation ||
          requested(previous) !== requested(current) ||
          (current.metadata.deletionTimestamp !== undefined &&
            previous.metadata.deletionTimestamp === undefined) ||
          (ours(previous) && !ours(current))
        ) {
          this.#enqueue(objectKey(current));
        }
      },
      delete: (object) => {
        this.queue.remove(objectKey(object));
        this.#forgetObject(object);
        // Normally the finalizer did this; a finalizer removed by hand must not leave files behind.
        const { namespace = '', name } = object.metadata;
        void this.#deps.storage.removeObjectDir(namespace, name).catch(() => undefined);
      },
    });
    this.externalArtifacts.on({
      // Someone deleted or rewrote our ExternalArtifact: put it back.
      delete: (ea) => this.#enqueueOwner(ea),
      // A status we did not write (someone pointed `url` elsewhere, edited Ready) is put back too.
      update: (previous, current) => {
        const { namespace = '', name } = current.metadata;
        if (
          !sameJson(previous.spec, current.spec) ||
          !this.#eaStatuses.matches(namespace, name, current.status)
        ) {
          this.#enqueueOwner(current);
        }
      },
    });
  }

  /** Drops what is remembered about an object that is gone (clients, written status, metric series). */
  #forgetObject(object: RepositoryObject): void {
    const { namespace = '', name } = object.metadata;
    void this.#upstream.forget(objectKey(object));
    this.reconciler.forget(namespace, name);
    this.#eaStatuses.forget(namespace, name);
    this.#deps.metrics.forgetObject(KIND, namespace, name);
  }

  #enqueueOwner(ea: ExternalArtifactObject): void {
    const { namespace, name } = ea.metadata;
    if (namespace !== undefined && this.repositories.get(namespace, name) !== undefined) {
      this.#enqueue(`${namespace}/${name}`);
    }
  }

  async #process(key: string): Promise<void> {
    const slash = key.indexOf('/');
    const [namespace, name] = [key.slice(0, slash), key.slice(slash + 1)];
    const outcome: ReconcileOutcome = await this.reconciler.reconcile(namespace, name);
    // A reconcile that ran while the object was deleted recorded its duration after the series were
    // dropped: drop them again, so a deleted object's series stay deleted.
    if (this.repositories.get(namespace, name) === undefined) {
      this.#deps.metrics.forgetObject(KIND, namespace, name);
    }
    switch (outcome.kind) {
      case 'done':
        this.queue.forget(key);
        break;
      case 'requeueAfter':
        this.queue.forget(key);
        this.queue.addAfter(key, outcome.ms);
        break;
      case 'backoff':
        this.#deps.metrics.queueRetries.inc({ name: CONTROLLER_NAME });
        this.queue.addRateLimited(key, outcome.retryAfterMs ?? 0);
        break;
    }
  }

  async #removeOrphanedStorage(): Promise<void> {
    try {
      for (const dir of await this.#deps.storage.listObjectDirs()) {
        if (this.repositories.get(dir.namespace, dir.name) === undefined) {
          await this.#deps.storage.removeObjectDir(dir.namespace, dir.name);
          this.#deps.logger.info(
            { namespace: dir.namespace, name: dir.name },
            'removed orphaned artifact storage',
          );
        }
      }
    } catch (error) {
      this.#deps.logger.error({ err: String(error) }, 'orphaned storage cleanup failed');
    }
  }
}
