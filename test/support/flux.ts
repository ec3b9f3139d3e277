// Helpers for end-to-end tests through the kustomize-controller stand-in: Kustomizations, waiting for
// Flux's status, asking our controller for a fresh drift check, and the real kubectl.
import { execFile } from 'node:child_process';
import type { LocalStack } from '../../testkit/local-stack.ts';
import { CHR, type Repo, requestReconcile } from './repositories.ts';

export const KS = { group: 'kustomize.toolkit.fluxcd.io', plural: 'kustomizations' };

export type DriftItem = {
  id: string;
  path: string;
  classification: string;
  cause: string;
  method: string;
  consumer?: string;
  desired?: unknown;
  live?: unknown;
};
export type DriftRepo = Repo & {
  status?: Repo['status'] & {
    lastHandledReconcileAt?: string;
    drift?: {
      source: string;
      summary: { objects: number; items: number };
      items: DriftItem[];
      resolved?: DriftItem[];
      notes?: string[];
    };
  };
};
export type Ks = {
  metadata: { generation?: number };
  status?: {
    lastAppliedRevision?: string;
    lastAttemptedRevision?: string;
    inventory?: { entries: Array<{ id: string }> };
    conditions?: Array<{ type: string; status: string; reason: string; message: string }>;
  };
};

export function kustomization(
  namespace: string,
  name: string,
  source: string,
  spec: Record<string, unknown> = {},
) {
  return {
    apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
    kind: 'Kustomization',
    metadata: { name, namespace },
    spec: {
      interval: '1m',
      prune: true,
      path: './',
      sourceRef: { kind: 'ExternalArtifact', name: source },
      ...spec,
    },
  };
}

/** The Kustomization once its Ready condition says `status` for its current generation. */
export async function waitForKs(
  stack: LocalStack,
  namespace: string,
  name: string,
  status: 'True' | 'False',
): Promise<Ks> {
  return (await stack.kube.waitForObject(
    KS,
    namespace,
    name,
    (o) => {
      const ready = (o as Ks).status?.conditions?.find((c) => c.type === 'Ready');
      return ready?.status === status;
    },
    { timeoutMs: 15_000 },
  )) as unknown as Ks;
}

let tokens = 0;
/** Asks our controller to reconcile now and returns the repository once it has written that drift check. */
export async function checkDrift(stack: LocalStack, namespace: string, name: string): Promise<DriftRepo> {
  const token = `drift-check-${++tokens}`;
  requestReconcile(stack, namespace, name, token);
  return (await stack.kube.waitForObject(
    CHR,
    namespace,
    name,
    (o) =>
      (o as DriftRepo).status?.lastHandledReconcileAt === token &&
      (o as DriftRepo).status?.drift !== undefined,
    { timeoutMs: 15_000 },
  )) as DriftRepo;
}

export function kubectl(
  kubeconfig: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(
      'kubectl',
      ['--kubeconfig', kubeconfig, ...args],
      { env: { ...process.env, ...env } },
      (error, stdout, stderr) => (error ? reject(new Error(stderr || error.message)) : resolve(stdout)),
    ),
  );
}
