// Waiting for the controller to handle a reconcile request, and reporting the outcome as
// `flux reconcile` does: handled (lastHandledReconcileAt) and settled (kstatus), then Ready=True.
import { KIND } from '../api/constants.ts';
import type { RepositoryObject } from '../api/v1beta1.ts';
import type { KubeClient } from '../kube/client.ts';
import { resources } from '../kube/resources.ts';
import { CommandError } from './errors.ts';
import type { progress } from './output.ts';
import { conditionOf, handled, parseRepository } from './repositories.ts';
import { waitForObject } from './wait.ts';

export async function waitForReconciliation(
  client: KubeClient,
  namespace: string,
  name: string,
  token: string,
  options: { timeoutMs: number; signal?: AbortSignal | undefined },
): Promise<RepositoryObject> {
  return waitForObject(
    client,
    resources.repository,
    namespace,
    name,
    (object) => {
      if (object === undefined)
        throw new CommandError(`${KIND} "${name}" was deleted in ${namespace} namespace`);
      const repository = parseRepository(object);
      return handled(repository, token) ? repository : undefined;
    },
    { ...options, description: `${KIND} ${namespace}/${name} reconciliation` },
  );
}

/** Prints the outcome; true when Ready=True. */
export function reportOutcome(
  out: ReturnType<typeof progress>,
  repository: RepositoryObject,
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
