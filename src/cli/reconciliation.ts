// Waiting for the controller to handle a reconcile request, and reporting the outcome as
// `flux reconcile` does: handled (lastHandledReconcileAt) and settled (kstatus), then Ready=True.
import { KIND } from '../api/constants.ts';
import type { KubeClient } from '../kube/client.ts';
import { resources } from '../kube/resources.ts';
import { CommandError } from './errors.ts';
import type { progress } from './output.ts';
import type { Repository } from './repositories.ts';
import { conditionOf, handled, parseRepository } from './repositories.ts';
import { WaitTimeoutError, waitForObject } from './wait.ts';

export async function waitForReconciliation(
  client: KubeClient,
  namespace: string,
  name: string,
  token: string,
  options: { timeoutMs: number; signal?: AbortSignal | undefined },
): Promise<Repository> {
  let last: Repository | undefined;
  try {
    return await waitForObject(
      client,
      resources.repository,
      namespace,
      name,
      (object) => {
        if (object === undefined) {
          throw new CommandError(`${KIND} "${name}" was deleted in ${namespace} namespace`);
        }
        last = parseRepository(object);
        return handled(last, token) ? last : undefined;
      },
      { ...options, description: `${KIND} ${namespace}/${name} reconciliation` },
    );
  } catch (error) {
    // On a timeout, say what the controller last reported: often the reason it is stuck.
    const ready = last && conditionOf(last, 'Ready');
    if (!(error instanceof WaitTimeoutError) || ready === undefined) throw error;
    const pending =
      last?.status?.lastHandledReconcileAt === token ? '' : ' (the request was not handled yet)';
    throw new WaitTimeoutError(
      `${KIND} ${namespace}/${name} reconciliation`,
      options.timeoutMs,
      `last status: Ready=${ready.status} ${ready.reason}: ${ready.message}${pending}`,
    );
  }
}

/** Prints the outcome; true when Ready=True. */
export function reportOutcome(
  out: ReturnType<typeof progress>,
  repository: Repository,
  options: { prefix?: string } = {},
): boolean {
  const prefix = options.prefix ?? '';
  const ready = conditionOf(repository, 'Ready');
  if (ready?.status !== 'True') {
    out.failure(
      `${prefix}${ready?.message || `${KIND} is not ready (${ready?.reason ?? 'no Ready condition'})`}`,
    );
    return false;
  }
  out.success(`${prefix}${KIND} reconciliation completed`);
  const revision = repository.status?.artifact?.revision;
  if (revision) out.success(`${prefix}fetched revision ${revision}`);
  return true;
}
