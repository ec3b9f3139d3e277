// What every cluster-facing command shares: the kubectl-style connection flags, loading the kubeconfig
// (file, $KUBECONFIG, ~/.kube/config or in-cluster) with an optional --context, and the namespace the
// command acts in (the context's namespace unless -n or -A says otherwise). client-node and the HTTP
// client load only here, when a command connects: --help and usage errors never pay for them.
import { delimiter } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node/dist/config.js';
import type { KubeClient } from '../kube/client.ts';
import { CommandError, UsageError } from './errors.ts';

/** `parseArgs` options for --kubeconfig, --context and -n/--namespace. */
export const KUBE_FLAGS = {
  kubeconfig: { type: 'string' },
  context: { type: 'string' },
  namespace: { type: 'string', short: 'n' },
} as const;

/** -A/--all-namespaces, for the commands that can act in every namespace. */
export const ALL_NAMESPACES_FLAG = {
  'all-namespaces': { type: 'boolean', short: 'A', default: false },
} as const;

export const KUBE_FLAGS_HELP = `  --kubeconfig PATH      kubeconfig file (default: $KUBECONFIG, ~/.kube/config, in-cluster)
  --context NAME         kubeconfig context to use (default: the current context)
  -n, --namespace NS     namespace (default: the context's namespace, else default)`;

export interface KubeFlagValues {
  kubeconfig?: string | undefined;
  context?: string | undefined;
  namespace?: string | undefined;
  'all-namespaces'?: boolean | undefined;
}

export interface KubeTarget {
  client: KubeClient;
  /** The namespace to act in; with -A, still the default namespace (for messages). */
  namespace: string;
  allNamespaces: boolean;
  close(): Promise<void>;
}

type KubeConfigClass = typeof KubeConfig;

/** Builds a client for the selected kubeconfig context. */
export async function connect(
  values: KubeFlagValues,
  env: Record<string, string | undefined>,
): Promise<KubeTarget> {
  if (values.namespace === '') throw new UsageError('--namespace must not be empty');
  const [clientNode, { KubeClient }] = await Promise.all([
    import('@kubernetes/client-node/dist/config.js'),
    import('../kube/client.ts'),
  ]);
  const Config = clientNode.KubeConfig;
  const config = loadKubeConfig(Config, values.kubeconfig, env);
  if (values.context !== undefined) {
    if (config.getContextObject(values.context) === null) {
      throw new UsageError(`context "${values.context}" does not exist in the kubeconfig`);
    }
    config.setCurrentContext(values.context);
  }
  const contextNamespace = config.getContextObject(config.getCurrentContext())?.namespace;
  let client: KubeClient;
  try {
    client = new KubeClient(allowPlainHttp(Config, config), {
      userAgent: 'confighub-source-cli',
      fieldManager: 'confighub-source-cli',
    });
  } catch (error) {
    throw new CommandError(
      `cannot use the kubeconfig: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  return {
    client,
    namespace: values.namespace ?? (contextNamespace || 'default'),
    allNamespaces: values['all-namespaces'] === true,
    close: () => client.close(),
  };
}

function loadKubeConfig(
  Config: KubeConfigClass,
  path: string | undefined,
  env: Record<string, string | undefined>,
): KubeConfig {
  const config = new Config();
  const files = path !== undefined ? [path] : (env['KUBECONFIG'] ?? '').split(delimiter).filter(Boolean);
  try {
    if (files.length === 0) {
      config.loadFromDefault();
    } else {
      // As kubectl merges $KUBECONFIG: the first file that sets a value wins.
      config.loadFromFile(files[0]!);
      for (const file of files.slice(1)) {
        const more = new Config();
        more.loadFromFile(file);
        config.mergeConfig(more, true);
      }
    }
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new CommandError(
      `cannot load kubeconfig${files.length ? ` ${files.join(delimiter)}` : ''}: ${reason}`,
    );
  }
  if (config.getCurrentCluster() === null) {
    throw new CommandError(
      'the kubeconfig has no current context with a cluster (set one or pass --context)',
    );
  }
  return config;
}

/**
 * kubectl talks to http:// servers (local test clusters, `kubectl proxy`); client-node refuses them
 * unless TLS verification is off, which means nothing without TLS. Mark such clusters so.
 */
function allowPlainHttp(Config: KubeConfigClass, config: KubeConfig): KubeConfig {
  if (!config.clusters.some((c) => c.server.startsWith('http://') && !c.skipTLSVerify)) return config;
  const copy = new Config();
  copy.loadFromOptions({
    clusters: config.clusters.map((c) =>
      c.server.startsWith('http://') ? { ...c, skipTLSVerify: true } : c,
    ),
    users: config.users,
    contexts: config.contexts,
    currentContext: config.getCurrentContext(),
  });
  return copy;
}
