// Reconciles one ConfigHubRepository: the object steps (finalizer, suspend), then the source steps
// (steps/index.ts) on a working status; whatever ended them, the delivery report and the one status write
// follow, and the write happens only if the status changed.
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { ConditionType, findCondition } from '../api/conditions.ts';
import { ANNOTATION_REQUESTED_AT, KIND } from '../api/constants.ts';
import type { RepositoryObject, RepositoryStatus } from '../api/v1beta1.ts';
import type { BuildEngine } from '../artifact/index.ts';
import type { KubeObjectApi } from '../kube/client.ts';
import type { EventSink } from '../kube/events.ts';
import type { ControllerMetrics } from '../telemetry/metrics.ts';
import { classifyError, describeError, requeueForApiFailure } from './classify.ts';
import type { DeliveryReporter } from './delivery-reporter.ts';
import type { EaStatusMemory } from './ea-status-memory.ts';
import { EventFanout } from './event-fanout.ts';
import type { ExternalArtifactObject } from './external-artifact.ts';
import { PollSchedule } from './poll-schedule.ts';
import type {
  ArtifactStorage,
  ObjectContext,
  ReconcileContext,
  ReconcileOutcome,
  StepEnv,
  StepOptions,
  UpstreamPool,
} from './reconcile-context.ts';
import { openReconcile } from './reconcile-context.ts';
import { recordFailure } from './record-failure.ts';
import { StatusWriter } from './status-writer.ts';
import { OBJECT_STEPS, SOURCE_STEPS } from './steps/index.ts';
import { runSteps } from './steps/runner.ts';

export interface ReconcilerDeps {
  kube: KubeObjectApi;
  storage: ArtifactStorage;
  /** Validation workers, build memory budget and the cache of validated contents. */
  build: BuildEngine;
  upstream: UpstreamPool;
  events: EventSink;
  metrics: ControllerMetrics;
  logger: Logger;
  /** Informer reads: the current object and its ExternalArtifact. */
  getRepository(namespace: string, name: string): RepositoryObject | undefined;
  getExternalArtifact(namespace: string, name: string): ExternalArtifactObject | undefined;
  /** The EA statuses written, so the manager can tell someone else's edit from ours. */
  eaStatuses?: EaStatusMemory;
  options: StepOptions;
  /** Consumers, delivery conditions and drift; absent when not wired (unit-level use). */
  delivery?: DeliveryReporter;
  now?: () => Date;
  random?: () => number;
}

export class Reconciler {
  readonly #deps: ReconcilerDeps;
  readonly #env: StepEnv;
  readonly #status: StatusWriter;
  /** When the next upstream poll is due, per object; other triggers in between only refresh delivery. */
  readonly #schedule: PollSchedule;

  constructor(deps: ReconcilerDeps) {
    this.#deps = deps;
    this.#status = new StatusWriter(deps.kube);
    const now = deps.now ?? (() => new Date());
    this.#schedule = new PollSchedule(now);
    this.#env = {
      kube: deps.kube,
      storage: deps.storage,
      build: deps.build,
      upstream: deps.upstream,
      events: new EventFanout(deps.events, deps.getExternalArtifact),
      metrics: deps.metrics,
      getExternalArtifact: deps.getExternalArtifact,
      eaStatuses: deps.eaStatuses,
      options: deps.options,
      schedule: this.#schedule,
      now,
      random: deps.random ?? Math.random,
      forget: (namespace, name) => this.forget(namespace, name),
    };
  }

  async reconcile(namespace: string, name: string): Promise<ReconcileOutcome> {
    const object = this.#deps.getRepository(namespace, name);
    if (object === undefined) return { kind: 'done' };
    const started = performance.now();
    const log = this.#deps.logger.child({ namespace, name, reconcileID: randomUUID() });
    try {
      const target: ObjectContext = { env: this.#env, namespace, name, object, log };
      const prepared = await runSteps(target, OBJECT_STEPS);
      if (prepared.kind === 'failed') throw prepared.error;
      if (prepared.kind === 'stopped') return prepared.outcome;
      const remembered = this.#status.remembered(namespace, name, target.object.metadata);
      return await this.#reconcileSource(openReconcile(target, remembered));
    } catch (error) {
      // API failures outside the source steps (finalizer patch, status write): retry with backoff.
      log.error({ err: describeError(error) }, 'reconcile failed');
      return requeueForApiFailure(error, this.#deps.options.maxRetryDelayMs);
    } finally {
      this.#deps.metrics.reconcileDuration.observe(
        { kind: KIND, name, namespace },
        (performance.now() - started) / 1000,
      );
    }
  }

  /** Drops what is remembered about a deleted object. */
  forget(namespace: string, name: string): void {
    this.#status.forget(namespace, name);
    this.#schedule.forget(`${namespace}/${name}`);
    this.#deps.delivery?.forget(namespace, name);
  }

  async #reconcileSource(ctx: ReconcileContext): Promise<ReconcileOutcome> {
    let outcome: ReconcileOutcome = { kind: 'done' };
    try {
      const run = await runSteps(ctx, SOURCE_STEPS);
      if (run.kind === 'stopped') outcome = run.outcome;
      if (run.kind === 'failed') {
        // A failing object is polled again on its retry, not at the interval.
        this.#schedule.forget(ctx.key);
        const site = { step: run.step, namespace: ctx.namespace, name: ctx.name, listing: ctx.listing };
        outcome = await recordFailure(ctx, classifyError(run.error, site));
      }
    } finally {
      await this.#reportDelivery(ctx);
      await this.#writeStatus(ctx);
    }
    return outcome;
  }

  /** Consumers, Delivered/Drifted and the drift report; failures here only log, never fail the reconcile. */
  async #reportDelivery(ctx: ReconcileContext): Promise<void> {
    const delivery = this.#deps.delivery;
    if (delivery === undefined) return;
    try {
      const checkDrift = ctx.polled || delivery.appliedRevisionsChanged(ctx.namespace, ctx.name, ctx.status);
      const events = await delivery.apply({
        namespace: ctx.namespace,
        name: ctx.name,
        object: ctx.object,
        status: ctx.status,
        generation: ctx.generation,
        now: this.#env.now(),
        nowString: ctx.now,
        checkDrift,
        log: ctx.log,
      });
      for (const event of events) await this.#env.events.emit(ctx, event.type, event.reason, event.message);
    } catch (error) {
      ctx.log.error({ err: describeError(error) }, 'unable to report delivery status');
    }
  }

  /** The single status write: only when the status differs from what the API server has. */
  async #writeStatus(ctx: ReconcileContext): Promise<void> {
    const requested = ctx.object.metadata.annotations?.[ANNOTATION_REQUESTED_AT];
    if (requested !== undefined) ctx.status.lastHandledReconcileAt = requested;
    const before = ctx.object.status ?? {};
    const after: RepositoryStatus = { ...ctx.status };
    const labels = { kind: KIND, name: ctx.name, namespace: ctx.namespace };
    for (const type of [ConditionType.Ready, ConditionType.Reconciling, ConditionType.Stalled]) {
      const condition = findCondition(ctx.status.conditions, type);
      for (const s of ['True', 'False', 'Unknown']) {
        this.#deps.metrics.reconcileCondition.set(
          { ...labels, type, status: s },
          condition?.status === s ? 1 : 0,
        );
      }
    }
    await this.#status.write(ctx.namespace, ctx.name, ctx.object.metadata.uid, before, after);
  }
}
