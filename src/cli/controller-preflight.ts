// What `confighub-source controller` needs spelled out before it starts. In a pod the Deployment names
// everything (and the service account is the cluster); run anywhere else, the defaults would be wrong in
// ways that hurt: /data created as whoever runs it, ExternalArtifact URLs naming this machine's hostname
// (which Flux's controllers cannot reach), or client-node's fallback of http://localhost:8080. So outside
// a pod the command refuses to start until the cluster, the storage and its address are given.
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export interface PreflightInput {
  argv: readonly string[];
  env: Record<string, string | undefined>;
  /** Whether a file exists (injected by tests). */
  exists?: (path: string) => boolean;
  home?: string;
}

const given = (input: PreflightInput, flag: string, envName: string): boolean =>
  input.argv.some((arg) => arg === `--${flag}` || arg.startsWith(`--${flag}=`)) ||
  Boolean(input.env[envName]);

/** In a pod: the service account's environment, as client-node's in-cluster loader reads it. */
export function inCluster(env: Record<string, string | undefined>): boolean {
  return Boolean(env['KUBERNETES_SERVICE_HOST'] && env['KUBERNETES_SERVICE_PORT']);
}

/** The problems that stop the controller from starting here, each with what to pass instead. */
export function preflightProblems(input: PreflightInput): string[] {
  if (inCluster(input.env)) return [];
  const exists = input.exists ?? existsSync;
  const problems: string[] = [];
  const kubeconfig =
    given(input, 'kubeconfig', 'KUBECONFIG') || exists(join(input.home ?? homedir(), '.kube', 'config'));
  if (!kubeconfig) {
    problems.push('no cluster to run against: outside a pod, pass --kubeconfig FILE (or set $KUBECONFIG)');
  }
  if (!given(input, 'storage-path', 'STORAGE_PATH')) {
    problems.push(
      'outside a pod, --storage-path DIR is required: the artifacts are written there (the image mounts /data)',
    );
  }
  if (!given(input, 'storage-adv-addr', 'STORAGE_ADV_ADDR')) {
    problems.push(
      "outside a pod, --storage-adv-addr HOST:PORT is required: Flux's controllers download artifacts " +
        'from that address, and the default (this host name) is not one they can reach',
    );
  }
  return problems;
}
