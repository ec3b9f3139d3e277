// What the steps of one reconcile share: the environment they act through, typed as the few operations
// they use so a unit test can hand them plain fake objects, and the context they fill in as they run.
import type { Logger } from 'pino';
import { ConditionType, findCondition, removeCondition, setCondition } from '../api/conditions.ts';
import {
  type Artifact,
  type Condition,
  type RepositoryObject,
  type RepositorySpec,
  type RepositoryStatus,
  repositoryStatusSchema,
} from '../api/v1beta1.ts';
import { type BuildEngine, formatTime, type Storage, type VerifyResult } from '../artifact/index.ts';
import type { ConfigHubClient, DataCache, SpaceListing } from '../confighub/index.ts';
import type { KubeObjectApi } from '../kube/client.ts';
import type { ControllerMetrics } from '../telemetry/metrics.ts';
import type { ResolvedCredentials } from './credentials.ts';
import type { EaStatusMemory } from './ea-status-memory.ts';
import type { EventFanout } from './event-fanout.ts';
import type { ExternalArtifactObject } from './external-artifact.ts';
import type { PollSchedule } from './poll-schedule.ts';

/** What the work queue does next with the object. */
export type ReconcileOutcome =
  | { kind: 'done' }
  | { kind: 'requeueAfter'; ms: number }
  | { kind: 'backoff'; retryAfterMs?: number | undefined };

/** The storage operations a reconcile uses. */
export type ArtifactStorage = Pick<
  Storage,
  'verify' | 'urlFor' | 'tempFile' | 'commit' | 'gc' | 'removeObjectDir'
>;

/** The ConfigHub calls a reconcile makes. */
export type UpstreamClient = Pick<ConfigHubClient, 'list' | 'fetch' | 'credentialExpiresAt'>;

export interface Upstream {
  client: UpstreamClient;
  cache: DataCache;
}

/** One ConfigHub client per object, kept across reconciles (see upstream.ts). */
export interface UpstreamPool {
  get(key: string, server: string, timeoutMs: number, credentials: ResolvedCredentials): Upstream;
  forget(key: string): Promise<void>;
}

export interface StepOptions {
  requeueDependencyMs: number;
  intervalJitterPercentage: number;
  /** --max-retry-delay: with the interval, the cap on any Retry-After honoured. */
  maxRetryDelayMs: number;
}

/** Everything a step acts through. */
export interface StepEnv {
  kube: KubeObjectApi;
  storage: ArtifactStorage;
  /** Validation workers, build memory budget and the cache of validated contents. */
  build: BuildEngine;
  upstream: UpstreamPool;
  events: EventFanout;
  metrics: ControllerMetrics;
  /** Informer read of the object's ExternalArtifact. */
  getExternalArtifact(namespace: string, name: string): ExternalArtifactObject | undefined;
  /** The EA statuses written, so the manager can tell someone else's edit from ours. */
  eaStatuses: EaStatusMemory | undefined;
  options: StepOptions;
  schedule: PollSchedule;
  now(): Date;
  random(): number;
  /** Drops what this process remembers about an object (status written, next poll, delivery). */
  forget(namespace: string, name: string): void;
}

/** The object being reconciled, before its status is read: the finalizer and suspend steps. */
export interface ObjectContext {
  readonly env: StepEnv;
  readonly namespace: string;
  readonly name: string;
  /** Replaced by the API server's answer when the finalizer is added. */
  object: RepositoryObject;
  readonly log: Logger;
}

export type WorkingStatus = RepositoryStatus & { conditions: Condition[] };

/** What the source steps find, each set by the step named, in ladder order. */
export interface Findings {
  /** validateSpec */
  spec?: RepositorySpec;
  intervalMs?: number;
  timeoutMs?: number;
  /** verifyStorage: the artifact the status recorded, and whether this replica's file matches it. */
  previous?: Artifact;
  stored?: VerifyResult;
  /** credentials */
  upstream?: Upstream;
  /** list */
  listing?: SpaceListing;
  /** reuse or build; `published` when consumers get something new. */
  artifact?: Artifact;
  published?: boolean;
}

/** The source ladder's context: the working status, summarized and written once at the end. */
export interface ReconcileContext extends ObjectContext, Findings {
  /** `namespace/name`, the key of the work queue and of what is remembered per object. */
  readonly key: string;
  readonly generation: number | undefined;
  readonly status: WorkingStatus;
  /** Ready's status before this reconcile, to announce a recovery. */
  readonly previousReady: string | undefined;
  /** This reconcile's timestamp, for every condition it sets. */
  readonly now: string;
  /** Set when the upstream was polled successfully: drift is checked then, not on every consumer event. */
  polled: boolean;
}

/**
 * Opens the source ladder: the working status is the one we last wrote when the cache does not show it
 * yet (`remembered`), else the object's. The status is read back from the API, where others can write it
 * too: a status this controller cannot read is replaced as a whole rather than failing every reconcile.
 */
export function openReconcile(
  target: ObjectContext,
  remembered: RepositoryStatus | undefined,
): ReconcileContext {
  const object = remembered === undefined ? target.object : { ...target.object, status: remembered };
  const readable = repositoryStatusSchema.safeParse(object.status ?? {});
  if (!readable.success) {
    const problem = readable.error.issues
      .map((issue) => `status.${issue.path.map(String).join('.')}: ${issue.message}`)
      .join('; ');
    target.log.info({ problem }, 'unreadable status is rebuilt from scratch');
  }
  return {
    env: target.env,
    namespace: target.namespace,
    name: target.name,
    object,
    log: target.log,
    key: `${target.namespace}/${target.name}`,
    generation: object.metadata.generation,
    status: readable.success
      ? { ...structuredClone(readable.data), conditions: [...(readable.data.conditions ?? [])] }
      : { conditions: [] },
    previousReady: readable.success
      ? findCondition(readable.data.conditions, ConditionType.Ready)?.status
      : undefined,
    polled: false,
    now: formatTime(target.env.now()),
  };
}

/** A finding of an earlier step; a step listed before the one that finds it is a bug, said loudly. */
export function need<K extends keyof Findings>(ctx: ReconcileContext, field: K): NonNullable<Findings[K]> {
  const value = ctx[field];
  if (value === undefined) throw new Error(`reconcile steps out of order: '${field}' is not known yet`);
  return value as NonNullable<Findings[K]>;
}

/** Sets one condition on the working status, stamped with this reconcile's generation and time. */
export function mark(
  ctx: ReconcileContext,
  type: string,
  status: 'True' | 'False',
  reason: string,
  message: string,
): void {
  ctx.status.conditions = setCondition(
    ctx.status.conditions,
    { type, status, reason, message },
    ctx.generation,
    ctx.now,
  );
}

/** Removes conditions from the working status (abnormal-true conditions are removed, never False). */
export function unmark(ctx: ReconcileContext, ...types: string[]): void {
  for (const type of types) ctx.status.conditions = removeCondition(ctx.status.conditions, type);
}

/** The jittered interval, as Flux's --interval-jitter-percentage; never below a second. */
export function jitter(env: StepEnv, intervalMs: number): number {
  const pct = env.options.intervalJitterPercentage / 100;
  return Math.max(1000, Math.round(intervalMs * (1 + (env.random() * 2 - 1) * pct)));
}
