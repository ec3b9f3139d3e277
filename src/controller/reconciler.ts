// The reconcile ladder for one ConfigHubRepository, after fluxcd/source-watcher and source-controller:
// finalizer → suspend → validate → credentials → cheap listing → build/store only on change → publish the
// ExternalArtifact → GC; then one status write at the end, and only if the status changed.
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { ConditionType, findCondition, Reason, removeCondition, setCondition } from '../api/conditions.ts';
import {
  ANNOTATION_REQUESTED_AT,
  API_VERSION,
  EA_API_VERSION,
  EA_KIND,
  EVENT_ANNOTATION_PREFIX,
  EVENT_META_DIGEST,
  EVENT_META_REVISION,
  KIND,
  MAX_STATUS_UNITS,
} from '../api/constants.ts';
import { parseDuration } from '../api/duration.ts';
import {
  type Artifact,
  describeSpecError,
  type FetchedSummary,
  type RepositoryObject,
  type RepositorySpec,
  type RepositoryStatus,
  repositorySpecSchema,
  repositoryStatusSchema,
} from '../api/v1beta1.ts';
import {
  type BuildEngine,
  BuildLimitError,
  DigestError,
  InvalidUnitError,
  type Storage,
  StorageError,
  toArtifact,
  UnsafeNameError,
  type VerifyResult,
} from '../artifact/index.ts';
import { refSelectorFromSpec, type SpaceListing } from '../confighub/index.ts';
import type { KubeClient } from '../kube/client.ts';
import { isNotFound, KubeApiError } from '../kube/errors.ts';
import type { EventSink, EventType, InvolvedObject } from '../kube/events.ts';
import { resources } from '../kube/resources.ts';
import type { ControllerMetrics } from '../telemetry/metrics.ts';
import { stripControl, withoutUserinfo } from '../util/clean-text.ts';
import { capRetryAfter, timeoutSignal } from '../util/timers.ts';
import { fetchAndBuild, type PipelineRequest, type PipelineResult } from './artifact-pipeline.ts';
import { classifyError, describeError } from './classify.ts';
import { resolveCredentials } from './credentials.ts';
import type { DeliveryReporter } from './delivery-reporter.ts';
import type { EaStatusMemory } from './ea-status-memory.ts';
import { StalledError, TransientError, WaitingError } from './errors.ts';
import {
  type EaReadiness,
  ExternalArtifactConflictError,
  type ExternalArtifactObject,
  reconcileExternalArtifact,
} from './external-artifact.ts';
import { addFinalizer, hasFinalizer, releaseFinalizer } from './finalizer.ts';
import { checkGates } from './gates.ts';
import { provenance } from './provenance.ts';
import { readyNotes } from './ready-notes.ts';
import { StatusWriter } from './status-writer.ts';
import type { UpstreamClients } from './upstream.ts';
import { refuseUrlCredentials } from './url-check.ts';

export type ReconcileOutcome =
  | { kind: 'done' }
  | { kind: 'requeueAfter'; ms: number }
  | { kind: 'backoff'; retryAfterMs?: number | undefined };

export interface ReconcilerDeps {
  kube: KubeClient;
  storage: Storage;
  /** Validation workers, build memory budget and the cache of validated contents. */
  build: BuildEngine;
  upstream: UpstreamClients;
  events: EventSink;
  metrics: ControllerMetrics;
  logger: Logger;
  /** Informer reads: the current object and its ExternalArtifact. */
  getRepository(namespace: string, name: string): RepositoryObject | undefined;
  getExternalArtifact(namespace: string, name: string): ExternalArtifactObject | undefined;
  /** The EA statuses written, so the manager can tell someone else's edit from ours. */
  eaStatuses?: EaStatusMemory;
  options: {
    requeueDependencyMs: number;
    intervalJitterPercentage: number;
    /** --max-retry-delay: with the interval, the cap on any Retry-After honoured. */
    maxRetryDelayMs: number;
  };
  /** Consumers, delivery conditions and drift; absent when not wired (unit-level use). */
  delivery?: DeliveryReporter;
  now?: () => Date;
  random?: () => number;
}

type Status = RepositoryStatus & { conditions: NonNullable<RepositoryStatus['conditions']> };

/** Reconcile context: the object, its working status, and what happened, for the summary at the end. */
interface Context {
  object: RepositoryObject;
  namespace: string;
  name: string;
  generation: number | undefined;
  status: Status;
  /** Ready's status before this reconcile, to announce a recovery. */
  previousReady: string | undefined;
  /** Set when the upstream was polled successfully: drift is checked then, not on every consumer event. */
  polled: boolean;
  log: Logger;
  now: string;
}

export class Reconciler {
  readonly #deps: ReconcilerDeps;
  readonly #status: StatusWriter;
  /** When the next upstream poll is due, per object; other triggers in between only refresh delivery. */
  readonly #nextPoll = new Map<string, number>();

  constructor(deps: ReconcilerDeps) {
    this.#deps = deps;
    this.#status = new StatusWriter(deps.kube);
  }

  async reconcile(namespace: string, name: string): Promise<ReconcileOutcome> {
    let object = this.#deps.getRepository(namespace, name);
    if (object === undefined) return { kind: 'done' };
    const started = performance.now();
    const log = this.#deps.logger.child({ namespace, name, reconcileID: randomUUID() });
    try {
      if (object.metadata.deletionTimestamp !== undefined) return await this.#finalize(object, log);
      if (!hasFinalizer(object)) object = await addFinalizer(this.#deps.kube, object);

      const parsed = repositorySpecSchema.safeParse(object.spec);
      const suspended = parsed.success && parsed.data.suspend === true;
      this.#deps.metrics.suspendStatus.set({ kind: KIND, name, namespace }, suspended ? 1 : 0);
      if (suspended) {
        log.info('reconciliation is suspended for this object');
        return { kind: 'done' };
      }

      const key = `${namespace}/${name}`;
      const written = this.#status.remembered(namespace, name, object.metadata);
      if (written !== undefined) object = { ...object, status: written };
      // The status is read back from the API, where others can write it too: a status this controller
      // cannot read is replaced as a whole rather than failing every reconcile.
      const readable = repositoryStatusSchema.safeParse(object.status ?? {});
      if (!readable.success) {
        const problem = readable.error.issues
          .map((issue) => `status.${issue.path.map(String).join('.')}: ${issue.message}`)
          .join('; ');
        log.info({ problem }, 'unreadable status is rebuilt from scratch');
      }
      const ctx: Context = {
        object,
        namespace,
        name,
        generation: object.metadata.generation,
        status: readable.success
          ? { ...structuredClone(readable.data), conditions: [...(readable.data.conditions ?? [])] }
          : { conditions: [] },
        previousReady: readable.success
          ? findCondition(readable.data.conditions, ConditionType.Ready)?.status
          : undefined,
        polled: false,
        log,
        now: this.#nowString(),
      };
      let outcome: ReconcileOutcome;
      const notDueFor = this.#pollNotDueFor(key, ctx);
      try {
        if (!parsed.success)
          throw new StalledError(Reason.InvalidSpec, `invalid spec: ${describeSpecError(parsed.error)}`);
        if (notDueFor === Number.POSITIVE_INFINITY) {
          outcome = { kind: 'done' };
        } else if (notDueFor > 0) {
          // A consumer or our ExternalArtifact changed between polls: put the ExternalArtifact back if it
          // was deleted or edited, refresh what Flux did, and leave the upstream alone until it is due.
          const artifact = ctx.status.artifact!;
          await this.#publish(ctx, artifact, { ready: true, revision: artifact.revision });
          outcome = { kind: 'requeueAfter', ms: notDueFor };
        } else {
          outcome = await this.#reconcileSource(ctx, parsed.data);
          ctx.polled = true;
          this.#nextPoll.set(key, this.#clock() + (outcome.kind === 'requeueAfter' ? outcome.ms : 0));
        }
      } catch (error) {
        this.#nextPoll.delete(key);
        outcome = await this.#handleError(ctx, error);
      }
      await this.#reportDelivery(ctx);
      await this.#summarize(ctx);
      return outcome;
    } catch (error) {
      // API failures outside the ladder (finalizer patch, status write): retry with backoff.
      log.error({ err: describeError(error) }, 'reconcile failed');
      return {
        kind: 'backoff',
        retryAfterMs: capRetryAfter(
          error instanceof KubeApiError ? error.retryAfterMs : undefined,
          this.#deps.options.maxRetryDelayMs,
        ),
      };
    } finally {
      this.#deps.metrics.reconcileDuration.observe(
        { kind: KIND, name, namespace },
        (performance.now() - started) / 1000,
      );
    }
  }

  async #reconcileSource(ctx: Context, spec: RepositorySpec): Promise<ReconcileOutcome> {
    const { namespace, name, status, log } = ctx;
    const intervalMs = parseDuration(spec.interval)!;
    const timeoutMs = parseDuration(spec.timeout)!;
    refuseUrlCredentials(spec.url);
    if (spec.url.startsWith('http://') && spec.insecure !== true) {
      throw new StalledError(
        Reason.InvalidURL,
        `spec.url '${spec.url}' is plain HTTP: set spec.insecure to true to allow it`,
      );
    }

    // Storage first, as source-controller does: what is (not) on disk is reported even when the
    // upstream or the credentials fail below, so status never claims a file this replica lacks.
    const previous = status.artifact;
    const stored = previous === undefined ? 'missing' : await this.#verifyStored(previous);
    if (previous !== undefined && stored === 'mismatch') {
      log.info({ path: previous.path }, 'stored artifact does not match its digest, rebuilding');
      status.conditions = removeCondition(status.conditions, ConditionType.ArtifactInStorage);
      await this.#event(
        ctx,
        'Warning',
        Reason.ArtifactVerificationFailed,
        `stored artifact '${previous.path}' does not match digest '${previous.digest}': rebuilding`,
      );
    } else if (previous !== undefined && stored === 'missing') {
      log.info({ path: previous.path }, 'building artifact: disappeared from storage');
      status.conditions = removeCondition(status.conditions, ConditionType.ArtifactInStorage);
    }

    const credentials = await resolveCredentials(
      this.#deps.kube,
      namespace,
      spec,
      this.#deps.options.requeueDependencyMs,
    );
    const upstream = this.#deps.upstream.get(`${namespace}/${name}`, spec.url, timeoutMs, credentials);
    const signal = timeoutSignal(timeoutMs);

    const listing = await this.#timed('list', () =>
      upstream.client.list(
        {
          space: spec.space,
          where: spec.where,
          ref: refSelectorFromSpec(spec.ref),
          toolchains: spec.toolchains,
        },
        signal,
      ),
    );

    if (listing.units.length === 0) {
      // An artifact without resources is valid for Flux, and a Kustomization with prune: true would then
      // delete everything it applied before. An empty selection is far more often a mistake (a filter
      // typo, a wrong space, units not yet created) than an intent, so the last artifact stays.
      throw new TransientError(
        ConditionType.FetchFailed,
        Reason.NoUnitsSelected,
        `no unit of space '${listing.spaceSlug}' (${listing.refId}) matches the selection` +
          `${spec.where === undefined ? '' : ` (where: ${spec.where})`} and toolchains ${spec.toolchains.join(', ')}: ` +
          'an empty artifact would make Flux prune everything it applied, so ' +
          (status.artifact === undefined ? 'nothing is published' : 'the last artifact stays published'),
      );
    }

    let artifact: Artifact;
    let published = false;
    if (previous !== undefined && stored === 'ok' && status.fetched?.fingerprint === listing.fingerprint) {
      // Nothing changed upstream and the file is intact: no download, no build, no write.
      artifact = {
        ...previous,
        url: this.#deps.storage.urlFor(previous.path),
        metadata: provenance(spec.url, listing),
      };
      log.debug({ revision: artifact.revision }, 'artifact up-to-date with upstream');
    } else {
      if (previous !== undefined && status.fetched?.fingerprint !== listing.fingerprint) {
        mark(
          ctx,
          ConditionType.ArtifactOutdated,
          'True',
          Reason.NewRevision,
          `new upstream revision of space '${listing.spaceSlug}' (${listing.refId})`,
        );
      }
      let ignoredGates: string[] = [];
      artifact = await this.#build(ctx, spec, listing, upstream, async (snapshot) => {
        ignoredGates = await checkGates({
          spec,
          listing,
          hasArtifact: previous !== undefined,
          requeueAfterMs: () => this.#jitter(intervalMs),
          prefetch: snapshot,
        });
      });
      if (previous !== undefined && previous.digest === artifact.digest && stored === 'ok') {
        // Same content (e.g. only a revision number moved): keep the published artifact as it is.
        artifact = { ...previous, url: artifact.url, revision: artifact.revision };
      }
      published = previous === undefined || previous.digest !== artifact.digest || stored !== 'ok';
      status.fetched = summarize(listing, ignoredGates);
    }
    status.artifact = artifact;
    // Published first: if the ExternalArtifact cannot be written the reconcile failed, and neither
    // Ready=True nor the new observedGeneration may be recorded.
    await this.#publish(ctx, artifact, { ready: true, revision: artifact.revision });

    const wasFailing = ctx.previousReady === 'False';
    const notes = readyNotes(
      status.fetched,
      upstream.client.credentialExpiresAt(),
      this.#clock(),
      intervalMs,
    );
    const warned = findCondition(status.conditions, ConditionType.Ready)?.message;
    const message = `stored artifact for revision '${artifact.revision}'${notes.suffix}`;
    if (notes.tokenWarning !== undefined && warned?.includes(notes.tokenWarning) !== true) {
      await this.#event(ctx, 'Warning', Reason.TokenExpiring, notes.tokenWarning);
    }
    for (const type of [
      ConditionType.ArtifactOutdated,
      ConditionType.FetchFailed,
      ConditionType.StorageOperationFailed,
      ConditionType.Stalled,
      ConditionType.Reconciling,
    ])
      status.conditions = removeCondition(status.conditions, type);
    mark(ctx, ConditionType.ArtifactInStorage, 'True', Reason.Succeeded, message);
    mark(ctx, ConditionType.Ready, 'True', Reason.Succeeded, message);
    status.observedGeneration = ctx.generation;

    const meta = { [EVENT_META_REVISION]: artifact.revision, [EVENT_META_DIGEST]: artifact.digest };
    if (published && previous?.digest !== artifact.digest) {
      await this.#event(
        ctx,
        'Normal',
        Reason.NewArtifact,
        `stored artifact with ${listing.units.length} units from space '${listing.spaceSlug}', revision '${artifact.revision}'`,
        meta,
      );
    } else if (wasFailing) {
      await this.#event(ctx, 'Normal', Reason.Succeeded, message, meta);
    }
    this.#deps.metrics.artifactSize.set({ name, namespace }, artifact.size ?? 0);
    await this.#collectGarbage(ctx, artifact.path);
    return { kind: 'requeueAfter', ms: this.#jitter(intervalMs) };
  }

  /**
   * Checks the stored file against the recorded artifact. A recorded path or digest this storage would
   * never have written (edited by hand, from another version) cannot be verified: it is rebuilt.
   */
  async #verifyStored(artifact: Artifact): Promise<VerifyResult> {
    try {
      return await this.#deps.storage.verify(artifact.path, artifact.digest);
    } catch (error) {
      if (error instanceof DigestError || (error instanceof StorageError && error.reason === 'InvalidPath')) {
        return 'mismatch';
      }
      throw error;
    }
  }

  async #build(
    ctx: Context,
    spec: RepositorySpec,
    listing: SpaceListing,
    upstream: ReturnType<UpstreamClients['get']>,
    inspect: PipelineRequest['inspect'],
  ): Promise<Artifact> {
    const storage = this.#deps.storage;
    const target = await this.#storageStep(() => storage.tempFile(ctx.namespace, ctx.name));
    let built: PipelineResult;
    try {
      built = await fetchAndBuild(this.#deps.build, {
        listing,
        fetch: (l, options) => upstream.client.fetch(l, options),
        cache: upstream.cache,
        toolchains: spec.toolchains,
        timeoutMs: parseDuration(spec.timeout)!,
        timeoutName: 'spec.timeout',
        target,
        timed: (fn) => this.#timed('fetch', fn),
        inspect,
      });
    } catch (error) {
      if (error instanceof InvalidUnitError || error instanceof UnsafeNameError) {
        throw new TransientError(
          ConditionType.FetchFailed,
          Reason.InvalidUnit,
          `space '${listing.spaceSlug}' (${listing.refId}) was refused, the last artifact stays published: ${error.message}`,
        );
      }
      if (error instanceof BuildLimitError) {
        throw new TransientError(
          ConditionType.FetchFailed,
          Reason.LimitExceeded,
          `space '${listing.spaceSlug}' (${listing.refId}) was not built, the last artifact stays published: ${error.message}`,
        );
      }
      if (error instanceof StorageError) throw storageFailure(error);
      throw error;
    }
    const stored = await this.#storageStep(() =>
      storage.commit(ctx.namespace, ctx.name, built.file, built.hex),
    );
    this.#deps.metrics.artifactsBuilt.inc();
    return toArtifact(stored, built.revision, provenance(spec.url, listing));
  }

  /** Runs a storage operation, reporting its failure as StorageOperationFailed. */
  async #storageStep<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      if (error instanceof StorageError) throw storageFailure(error);
      throw error;
    }
  }

  async #publish(ctx: Context, artifact: Artifact | undefined, readiness: EaReadiness): Promise<void> {
    const uid = ctx.object.metadata.uid;
    if (uid === undefined) return;
    try {
      await reconcileExternalArtifact(
        this.#deps.kube,
        { name: ctx.name, namespace: ctx.namespace, uid },
        this.#deps.getExternalArtifact(ctx.namespace, ctx.name),
        artifact,
        readiness,
        ctx.now,
        this.#deps.eaStatuses,
      );
    } catch (error) {
      if (error instanceof ExternalArtifactConflictError) {
        // Retried with backoff, so the object recovers by itself once the other ExternalArtifact is gone.
        throw new TransientError(undefined, Reason.ExternalArtifactConflict, error.message);
      }
      throw new TransientError(
        undefined,
        Reason.PatchOperationFailed,
        `failed to update ExternalArtifact '${ctx.namespace}/${ctx.name}': ${describeError(error)}`,
        error instanceof KubeApiError ? error.retryAfterMs : undefined,
      );
    }
  }

  async #handleError(ctx: Context, error: unknown): Promise<ReconcileOutcome> {
    const { status, log } = ctx;
    const typed = classifyError(error, (err) => ctx.log.error({ err }, 'unexpected reconcile error'));
    const { reason, message } = typed;
    if (typed instanceof StalledError) {
      status.conditions = removeCondition(status.conditions, ConditionType.Reconciling);
      // Stalled is the one story now: an earlier failure (e.g. SecretNotFound) no longer describes it.
      status.conditions = removeCondition(status.conditions, ConditionType.FetchFailed);
      mark(ctx, ConditionType.Stalled, 'True', reason, message);
      mark(ctx, ConditionType.Ready, 'False', reason, message);
      status.observedGeneration = ctx.generation;
      log.error({ reason, err: message }, 'reconciliation stalled');
      await this.#event(ctx, 'Warning', reason, message);
      await this.#reportFailure(ctx, typed);
      return { kind: 'done' };
    }
    if (typed instanceof WaitingError) {
      // Waiting means ConfigHub answered: an earlier fetch failure no longer describes the object.
      for (const type of [ConditionType.FetchFailed, ConditionType.Reconciling, ConditionType.Stalled])
        status.conditions = removeCondition(status.conditions, type);
      mark(ctx, ConditionType.Ready, 'False', reason, message);
      log.info({ reason, retryInMs: typed.requeueAfterMs }, message);
      await this.#event(ctx, 'Normal', reason, message);
      return { kind: 'requeueAfter', ms: typed.requeueAfterMs };
    }
    status.conditions = removeCondition(status.conditions, ConditionType.Stalled);
    if (typed.condition !== undefined) mark(ctx, typed.condition, 'True', reason, message);
    mark(ctx, ConditionType.Reconciling, 'True', Reason.ProgressingWithRetry, message);
    mark(ctx, ConditionType.Ready, 'False', reason, message);
    log.error({ reason, err: message }, 'reconciliation failed');
    await this.#event(ctx, 'Warning', reason, message);
    if (typed.condition === ConditionType.FetchFailed) this.#deps.metrics.fetchErrors.inc({ reason });
    await this.#reportFailure(ctx, typed);
    // A Retry-After is honoured up to the larger of --max-retry-delay and the interval: never sooner,
    // but never parking the object for longer than a poll would have anyway.
    const spec = ctx.object.spec as { interval?: unknown } | undefined;
    const interval = typeof spec?.interval === 'string' ? (parseDuration(spec.interval) ?? 0) : 0;
    const cap = Math.max(this.#deps.options.maxRetryDelayMs, interval);
    return { kind: 'backoff', retryAfterMs: capRetryAfter(typed.retryAfterMs, cap) };
  }

  /**
   * The EA keeps its last good artifact (consumers go on using it) and says why it is not fresh, in
   * the producer contract's terms: a storage problem is StorageOperationFailed, anything that keeps us
   * from fetching (upstream, credentials, spec) is FetchFailed. Failures to write the EA itself are not
   * reported on it.
   */
  async #reportFailure(ctx: Context, typed: StalledError | TransientError): Promise<void> {
    if (ctx.status.artifact === undefined) return;
    if (typed.reason === Reason.PatchOperationFailed || typed.reason === Reason.ExternalArtifactConflict)
      return;
    const reason =
      typed instanceof TransientError && typed.condition === ConditionType.StorageOperationFailed
        ? Reason.StorageOperationFailed
        : Reason.FetchFailed;
    try {
      await this.#publish(ctx, undefined, { ready: false, reason, message: typed.message });
    } catch (publishError) {
      ctx.log.error({ err: describeError(publishError) }, 'unable to report failure on the ExternalArtifact');
    }
  }

  /** The single status write: only when the status differs from what the API server has. */
  async #summarize(ctx: Context): Promise<void> {
    const requested = ctx.object.metadata.annotations?.[ANNOTATION_REQUESTED_AT];
    if (requested !== undefined) ctx.status.lastHandledReconcileAt = requested;
    const before = ctx.object.status ?? {};
    const after: RepositoryStatus = { ...ctx.status };
    const kind = { kind: KIND, name: ctx.name, namespace: ctx.namespace };
    for (const type of [ConditionType.Ready, ConditionType.Reconciling, ConditionType.Stalled]) {
      const condition = findCondition(ctx.status.conditions, type);
      for (const s of ['True', 'False', 'Unknown']) {
        this.#deps.metrics.reconcileCondition.set(
          { ...kind, type, status: s },
          condition?.status === s ? 1 : 0,
        );
      }
    }
    await this.#status.write(ctx.namespace, ctx.name, ctx.object.metadata.uid, before, after);
  }

  /** Drops what is remembered about a deleted object. */
  forget(namespace: string, name: string): void {
    this.#status.forget(namespace, name);
    this.#nextPoll.delete(`${namespace}/${name}`);
    this.#deps.delivery?.forget(namespace, name);
  }

  /**
   * Milliseconds until the upstream poll is due, or 0 when it is due now: at the interval, and at once
   * for a new generation, a reconcile request, a failing object, or one this process has not polled.
   */
  #pollNotDueFor(key: string, ctx: Context): number {
    const status = ctx.status;
    const requested = ctx.object.metadata.annotations?.[ANNOTATION_REQUESTED_AT];
    if (status.observedGeneration !== ctx.generation) return 0;
    if (requested !== undefined && requested !== status.lastHandledReconcileAt) return 0;
    // Stalled waits for a human: only a new generation or a reconcile request starts it again.
    if (findCondition(status.conditions, ConditionType.Stalled)?.status === 'True')
      return Number.POSITIVE_INFINITY;
    const next = this.#nextPoll.get(key);
    if (next === undefined) return 0;
    if (ctx.previousReady !== 'True' || status.artifact === undefined) return 0;
    return Math.max(0, next - this.#clock());
  }

  /** Consumers, Delivered/Drifted and the drift report; failures here only log, never fail the reconcile. */
  async #reportDelivery(ctx: Context): Promise<void> {
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
        now: this.#deps.now?.() ?? new Date(),
        nowString: ctx.now,
        checkDrift,
        log: ctx.log,
      });
      for (const event of events) await this.#event(ctx, event.type, event.reason, event.message);
    } catch (error) {
      ctx.log.error({ err: describeError(error) }, 'unable to report delivery status');
    }
  }

  #clock(): number {
    return (this.#deps.now?.() ?? new Date()).getTime();
  }

  async #finalize(object: RepositoryObject, log: Logger): Promise<ReconcileOutcome> {
    const { namespace = '', name, uid } = object.metadata;
    if (!hasFinalizer(object)) return { kind: 'done' };
    await this.#deps.storage.removeObjectDir(namespace, name);
    const ea = this.#deps.getExternalArtifact(namespace, name);
    if (ea !== undefined && (ea.metadata.ownerReferences ?? []).some((ref) => ref.uid === uid)) {
      try {
        await this.#deps.kube.delete(resources.externalArtifact, namespace, name, {
          propagationPolicy: 'Background',
        });
      } catch (error) {
        if (!isNotFound(error)) throw error;
      }
    }
    await this.#deps.upstream.forget(`${namespace}/${name}`);
    this.forget(namespace, name);
    this.#deps.metrics.forgetObject(KIND, namespace, name);
    await releaseFinalizer(this.#deps.kube, object);
    log.info('storage and ExternalArtifact removed, finalizer released');
    return { kind: 'done' };
  }

  async #collectGarbage(ctx: Context, current: string): Promise<void> {
    try {
      const { deleted } = await this.#deps.storage.gc(ctx.namespace, ctx.name, current);
      if (deleted.length > 0) ctx.log.debug({ deleted }, 'garbage collected old artifacts');
    } catch (error) {
      await this.#event(
        ctx,
        'Warning',
        Reason.GarbageCollectionFailed,
        `garbage collection failed: ${describeError(error)}`,
      );
    }
  }

  async #event(
    ctx: Context,
    type: EventType,
    reason: string,
    message: string,
    eventMetadata?: Record<string, string>,
  ) {
    // As Flux's recorder: the object's `event.toolkit.fluxcd.io/` annotations travel with every event,
    // so Alerts can route on them (team, runbook, severity…).
    const annotated = Object.entries(ctx.object.metadata.annotations ?? {}).filter(([key]) =>
      key.startsWith(EVENT_ANNOTATION_PREFIX),
    );
    const metadata =
      annotated.length === 0 ? eventMetadata : { ...Object.fromEntries(annotated), ...eventMetadata };
    const involved: InvolvedObject = {
      apiVersion: API_VERSION,
      kind: KIND,
      name: ctx.name,
      namespace: ctx.namespace,
      ...(ctx.object.metadata.uid ? { uid: ctx.object.metadata.uid } : {}),
    };
    const ea = this.#deps.getExternalArtifact(ctx.namespace, ctx.name);
    const eaRef: InvolvedObject | undefined = ea?.metadata.uid
      ? {
          apiVersion: EA_API_VERSION,
          kind: EA_KIND,
          name: ctx.name,
          namespace: ctx.namespace,
          uid: ea.metadata.uid,
        }
      : undefined;
    // Flux Alerts cannot select our kind, so the same event is also recorded on, and forwarded as, the EA.
    await this.#deps.events.record({
      involvedObject: involved,
      type,
      reason,
      message: stripControl(withoutUserinfo(message)),
      metadata,
      forwardAs: eaRef,
    });
    if (eaRef !== undefined && type !== 'Trace') {
      await this.#deps.events.record({
        involvedObject: eaRef,
        type,
        reason,
        message,
        metadata,
        forwardAs: eaRef,
        localOnly: true,
      });
    }
  }

  async #timed<T>(operation: 'list' | 'fetch', fn: () => Promise<T>): Promise<T> {
    const started = performance.now();
    let result = 'success';
    try {
      return await fn();
    } catch (error) {
      result = 'error';
      throw error;
    } finally {
      this.#deps.metrics.fetchDuration.observe({ operation, result }, (performance.now() - started) / 1000);
    }
  }

  #jitter(intervalMs: number): number {
    const pct = this.#deps.options.intervalJitterPercentage / 100;
    const random = this.#deps.random ?? Math.random;
    return Math.max(1000, Math.round(intervalMs * (1 + (random() * 2 - 1) * pct)));
  }

  #nowString(): string {
    return `${(this.#deps.now?.() ?? new Date()).toISOString().slice(0, 19)}Z`;
  }
}

/** Sets one condition on the working status, stamped with this reconcile's generation and time. */
function mark(ctx: Context, type: string, status: 'True' | 'False', reason: string, message: string): void {
  ctx.status.conditions = setCondition(
    ctx.status.conditions,
    { type, status, reason, message },
    ctx.generation,
    ctx.now,
  );
}

function storageFailure(error: StorageError): TransientError {
  return new TransientError(
    ConditionType.StorageOperationFailed,
    error.reason as Reason,
    `failed to store artifact: ${error.message}`,
  );
}

function summarize(listing: SpaceListing, ignoredGates: string[]): FetchedSummary {
  const units = listing.units.slice(0, MAX_STATUS_UNITS).map((u) => ({
    slug: u.slug,
    unitID: u.unitID,
    revisionNum: u.revisionNum,
    dataHash: u.dataHash,
  }));
  return {
    spaceID: listing.spaceID,
    spaceSlug: listing.spaceSlug,
    ref: listing.refId,
    fingerprint: listing.fingerprint,
    unitCount: listing.units.length,
    units,
    ...(listing.units.length > MAX_STATUS_UNITS ? { unitsTruncated: true } : {}),
    ...(listing.serverVersion === undefined ? {} : { serverVersion: listing.serverVersion }),
    ...(listing.manifestDigest === undefined ? {} : { releaseManifestDigest: listing.manifestDigest }),
    ...(listing.skippedUnits === undefined
      ? {}
      : { skippedUnits: listing.skippedUnits.slice(0, MAX_STATUS_UNITS).map((u) => u.slug ?? u.unitID) }),
    ...(ignoredGates.length === 0 ? {} : { ignoredGates: ignoredGates.slice(0, MAX_STATUS_UNITS) }),
  };
}
