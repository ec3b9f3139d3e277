// Reading ConfigHubRepositories for the CLI: the fields the commands show, checked; lookups whose
// failures (NotFound included) reach the user as the API server words them; kstatus as `flux reconcile`
// computes it.
import { findCondition } from '../api/conditions.ts';
import { ANNOTATION_REQUESTED_AT, KIND } from '../api/constants.ts';
import type { KubeClient, KubeObject } from '../kube/client.ts';
import { resources } from '../kube/resources.ts';
import { CommandError } from './errors.ts';
import { type Shape, shapeProblem } from './shape.ts';

export interface Condition {
  type: string;
  status: string;
  reason?: string | undefined;
  message?: string | undefined;
}

/**
 * The part of a ConfigHubRepository the commands read. The API server validated the object against
 * the CRD; the CLI checks only what it reads, so it needs neither the full schema nor its library.
 */
export interface Repository {
  apiVersion?: string | undefined;
  kind?: string | undefined;
  metadata: {
    name: string;
    namespace?: string | undefined;
    generation?: number | undefined;
    creationTimestamp?: string | undefined;
    deletionTimestamp?: string | undefined;
  };
  /** Read through specOf: typed `unknown`, as the API schema's type has it. */
  spec?: unknown;
  status?:
    | {
        observedGeneration?: number | undefined;
        lastHandledReconcileAt?: string | undefined;
        conditions?: Condition[] | undefined;
        artifact?: { revision?: string | undefined } | undefined;
      }
    | undefined;
}

/** Where a value must have a kind (see shape.ts). */
const SHAPE: Shape = [
  ['metadata!', 'object'],
  ['metadata.name!', 'string'],
  ['metadata.namespace', 'string'],
  ['metadata.generation', 'number'],
  ['metadata.creationTimestamp', 'string'],
  ['metadata.deletionTimestamp', 'string'],
  ['spec', 'object'],
  ['spec.suspend', 'boolean'],
  ['spec.url', 'string'],
  ['spec.space', 'string'],
  ['status', 'object'],
  ['status.observedGeneration', 'number'],
  ['status.lastHandledReconcileAt', 'string'],
  ['status.conditions', 'array'],
  ['status.conditions.*', 'object'],
  ['status.conditions.*.type!', 'string'],
  ['status.conditions.*.status!', 'string'],
  ['status.conditions.*.reason', 'string'],
  ['status.conditions.*.message', 'string'],
  ['status.artifact', 'object'],
  ['status.artifact.revision', 'string'],
];

export function parseRepository(raw: unknown): Repository {
  const problem = shapeProblem(raw, SHAPE);
  if (problem !== undefined) {
    const name = (raw as KubeObject | null)?.metadata?.name ?? '<unnamed>';
    throw new CommandError(`the API returned a malformed ${KIND} "${name}": ${problem}`);
  }
  return raw as Repository;
}

/** One repository; a missing one fails with the API server's NotFound, as kubectl reports it. */
export async function getRepository(
  client: KubeClient,
  namespace: string,
  name: string,
): Promise<{ raw: KubeObject; repository: Repository }> {
  const raw = await client.get<KubeObject>(resources.repository, namespace, name);
  return { raw, repository: parseRepository(raw) };
}

export async function listRepositories(
  client: KubeClient,
  namespace: string | undefined,
): Promise<{ raw: KubeObject[]; repositories: Repository[]; resourceVersion: string | undefined }> {
  const list = await client.listAll<KubeObject>(resources.repository, namespace ? { namespace } : {});
  return {
    raw: list.items,
    repositories: list.items.map(parseRepository),
    resourceVersion: list.metadata.resourceVersion,
  };
}

/** The spec fields the commands show (their kinds checked by parseRepository). */
export function specOf(repository: Repository): { suspend?: boolean; url?: string; space?: string } {
  return (repository.spec ?? {}) as { suspend?: boolean; url?: string; space?: string };
}

export function isSuspended(repository: Repository): boolean {
  return specOf(repository).suspend === true;
}

export function conditionOf(repository: Repository, type: string): Condition | undefined {
  return findCondition(repository.status?.conditions, type);
}

export type KStatus = 'InProgress' | 'Current' | 'Failed' | 'Terminating';

/** kstatus for Flux objects: generation not yet observed or Reconciling=True → InProgress, Stalled=True → Failed. */
export function kstatus(repository: Repository): KStatus {
  if (repository.metadata.deletionTimestamp) return 'Terminating';
  const generation = repository.metadata.generation;
  if (generation !== undefined && repository.status?.observedGeneration !== generation) return 'InProgress';
  if (conditionOf(repository, 'Reconciling')?.status === 'True') return 'InProgress';
  if (conditionOf(repository, 'Stalled')?.status === 'True') return 'Failed';
  return 'Current';
}

/**
 * True once the controller handled `token` and the attempt settled: kstatus Current, Failed (stalled),
 * or a failed attempt waiting for its retry (Reconciling=ProgressingWithRetry), whose Ready message is
 * the answer the user waits for; the retry may be minutes away.
 */
export function handled(repository: Repository, token: string): boolean {
  if (repository.status?.lastHandledReconcileAt !== token) return false;
  if (conditionOf(repository, 'Reconciling')?.reason === 'ProgressingWithRetry') return true;
  return kstatus(repository) === 'Current' || kstatus(repository) === 'Failed';
}

/** The merge patch that asks for a reconcile, as `flux reconcile` and `kubectl annotate` write it. */
export function requestPatch(token: string): { metadata: { annotations: Record<string, string> } } {
  return { metadata: { annotations: { [ANNOTATION_REQUESTED_AT]: token } } };
}

/**
 * Now in Go's RFC3339Nano (what flux writes): nanosecond fraction with trailing zeros trimmed.
 * The sub-millisecond digits come from the monotonic clock so two requests in one millisecond differ.
 */
export function rfc3339Nano(
  now = new Date(),
  subMillisecondNanos = Number(process.hrtime.bigint() % 1_000_000n),
) {
  const fraction =
    `${String(now.getUTCMilliseconds()).padStart(3, '0')}${String(subMillisecondNanos).padStart(6, '0')}`.replace(
      /0+$/,
      '',
    );
  return `${now.toISOString().slice(0, 19)}${fraction ? `.${fraction}` : ''}Z`;
}
