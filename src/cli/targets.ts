// The objects suspend and resume act on: NAME..., or --all in the namespace (every namespace with -A),
// each acted on in turn with flux's progress lines.
import { KIND } from '../api/constants.ts';
import type { ClusterRun } from './cluster-command.ts';
import { UsageError } from './errors.ts';
import { ALL_NAMESPACES_FLAG } from './kube-context.ts';
import { progress } from './output.ts';
import { getRepository, listRepositories, type Repository } from './repositories.ts';

export const TARGET_FLAGS = {
  ...ALL_NAMESPACES_FLAG,
  all: { type: 'boolean', default: false },
} as const;

export const TARGET_FLAGS_HELP = `  --all                  every ConfigHubRepository in the namespace (every namespace with -A)
  -A, --all-namespaces   with --all, act in every namespace`;

export interface Targets {
  names: string[];
  all: boolean;
}

/** Checks NAME... against --all and -A. */
export function planTargets(names: string[], values: { all: boolean; 'all-namespaces': boolean }): Targets {
  if (values.all && names.length > 0) throw new UsageError('give NAME arguments or --all, not both');
  if (!values.all && names.length === 0) throw new UsageError('expected at least one NAME (or --all)');
  if (values['all-namespaces'] && !values.all) throw new UsageError('--all-namespaces requires --all');
  return { names, all: values.all };
}

export interface Target {
  name: string;
  namespace: string;
}

/**
 * Runs `act` on each target in turn between `► <doing> KIND name in ns namespace` and
 * `✔ KIND name <done>`. Named objects are all read first, so a missing one fails before any is
 * changed; with --all and nothing to act on, a note on stderr and no results.
 */
export async function forEachTarget<R>(
  { io, cluster }: ClusterRun,
  targets: Targets,
  words: { doing: string; done: string },
  act: (target: Target) => Promise<R>,
): Promise<R[]> {
  const out = progress(io);
  const repositories = await resolve(cluster.client, targets, cluster);
  if (repositories.length === 0) {
    out.failure(
      `no ${KIND} objects found${cluster.allNamespaces ? '' : ` in ${cluster.namespace} namespace`}`,
    );
    return [];
  }
  const results: R[] = [];
  for (const repository of repositories) {
    const { name, namespace = cluster.namespace } = repository.metadata;
    out.action(`${words.doing} ${KIND} ${name} in ${namespace} namespace`);
    results.push(await act({ name, namespace }));
    out.success(`${KIND} ${name} ${words.done}`);
  }
  return results;
}

async function resolve(
  client: ClusterRun['cluster']['client'],
  targets: Targets,
  scope: { namespace: string; allNamespaces: boolean },
): Promise<Repository[]> {
  if (!targets.all) {
    const found: Repository[] = [];
    for (const name of targets.names)
      found.push((await getRepository(client, scope.namespace, name)).repository);
    return found;
  }
  const namespace = scope.allNamespaces ? undefined : scope.namespace;
  return (await listRepositories(client, namespace)).repositories;
}
