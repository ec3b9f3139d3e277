// Reading ConfigHubRepositories for the CLI: validated with the API schema, looked up with messages
// in flux's words, and kstatus as `flux reconcile` computes it.
import { ANNOTATION_REQUESTED_AT, KIND } from '../api/constants.ts';
import { type RepositoryObject, repositoryObjectSchema } from '../api/v1beta1.ts';
import type { KubeClient, KubeObject } from '../kube/client.ts';
import { isNotFound } from '../kube/errors.ts';
import { resources } from '../kube/resources.ts';
import { CommandError } from './errors.ts';

export function parseRepository(raw: unknown): RepositoryObject {
  const parsed = repositoryObjectSchema.safeParse(raw);
  if (!parsed.success) {
    const name = (raw as KubeObject | null)?.metadata?.name ?? '<unnamed>';
    const issue = parsed.error.issues[0];
    throw new CommandError(
      `the API returned a malformed ${KIND} "${name}": ${issue ? `${issue.path.join('.')}: ${issue.message}` : 'invalid'}`,
    );
  }
  return parsed.data;
}

export async function getRepository(
  client: KubeClient,
  namespace: string,
  name: string,
): Promise<{ raw: KubeObject; repository: RepositoryObject }> {
  try {
    const raw = await client.get<KubeObject>(resources.repository, namespace, name);
    return { raw, repository: parseRepository(raw) };
  } catch (error) {
    if (isNotFound(error)) throw new CommandError(`${KIND} "${name}" not found in ${namespace} namespace`);
    throw error;
  }
}

export async function listRepositories(
  client: KubeClient,
  namespace: string | undefined,
): Promise<{ raw: KubeObject[]; repositories: RepositoryObject[]; resourceVersion: string | undefined }> {
  const list = await client.listAll<KubeObject>(resources.repository, namespace ? { namespace } : {});
  return {
    raw: list.items,
    repositories: list.items.map(parseRepository),
    resourceVersion: list.metadata.resourceVersion,
  };
}

export function isSuspended(repository: RepositoryObject): boolean {
  return (repository.spec as { suspend?: unknown } | undefined)?.suspend === true;
}

export function conditionOf(repository: RepositoryObject, type: string) {
  return repository.status?.conditions?.find((c) => c.type === type);
}

export type KStatus = 'InProgress' | 'Current' | 'Failed' | 'Terminating';

/** kstatus for Flux objects: generation not yet observed or Reconciling=True → InProgress, Stalled=True → Failed. */
export function kstatus(repository: RepositoryObject): KStatus {
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
export function handled(repository: RepositoryObject, token: string): boolean {
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
