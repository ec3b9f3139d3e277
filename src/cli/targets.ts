// The objects suspend and resume act on: NAME..., or --all in the namespace (every namespace with -A).
import { KIND } from '../api/constants.ts';
import type { RepositoryObject } from '../api/v1beta1.ts';
import type { KubeClient } from '../kube/client.ts';
import { UsageError } from './errors.ts';
import { getRepository, listRepositories } from './repositories.ts';

export const TARGET_FLAGS_HELP = `  --all                  every ConfigHubRepository in the namespace (every namespace with -A)
  -A, --all-namespaces   with --all, act in every namespace`;

export function checkTargetArguments(names: string[], all: boolean, allNamespaces: boolean): void {
  if (all && names.length > 0) throw new UsageError('give NAME arguments or --all, not both');
  if (!all && names.length === 0) throw new UsageError('expected at least one NAME (or --all)');
  if (allNamespaces && !all) throw new UsageError('--all-namespaces requires --all');
}

/** Reads the named objects (failing on the first missing one) or lists them all. */
export async function resolveTargets(
  client: KubeClient,
  options: { names: string[]; all: boolean; namespace: string; allNamespaces: boolean },
): Promise<RepositoryObject[]> {
  if (!options.all) {
    const found: RepositoryObject[] = [];
    for (const name of options.names)
      found.push((await getRepository(client, options.namespace, name)).repository);
    return found;
  }
  const { repositories } = await listRepositories(
    client,
    options.allNamespaces ? undefined : options.namespace,
  );
  return repositories;
}

export function noneFound(namespace: string, allNamespaces: boolean): string {
  return `no ${KIND} objects found${allNamespaces ? '' : ` in ${namespace} namespace`}`;
}
