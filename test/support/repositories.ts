// Builders and waits shared by the controller tests.

import { createHash } from 'node:crypto';
import { expect } from 'vitest';
import type { KubeObject } from '../../testkit/kube-api-server/index.ts';
import type { LocalStack } from '../../testkit/local-stack.ts';

export const CHR = { group: 'source.confighub.com', plural: 'confighubrepositories' };
export const EA = { group: 'source.toolkit.fluxcd.io', plural: 'externalartifacts' };
export const SECRET = 'secrets';

type Condition = {
  type: string;
  status: string;
  reason: string;
  message: string;
  observedGeneration?: number;
};
export type Repo = KubeObject & {
  spec: Record<string, unknown>;
  status?: {
    conditions?: Condition[];
    artifact?: {
      path: string;
      url: string;
      revision: string;
      digest: string;
      size: number;
      lastUpdateTime: string;
    };
    observedGeneration?: number;
    lastHandledReconcileAt?: string;
    fetched?: {
      unitCount: number;
      fingerprint?: string;
      units?: { slug: string }[];
      serverVersion?: string;
      skippedUnits?: string[];
      releaseManifestDigest?: string;
      ignoredGates?: string[];
    };
  };
};

export function condition(obj: KubeObject | undefined, type: string): Condition | undefined {
  return ((obj as Repo | undefined)?.status?.conditions ?? []).find((c) => c.type === type);
}

export function tokenSecret(stack: LocalStack, namespace: string, name = 'confighub-token', token?: string) {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace },
    type: 'Opaque',
    data: { token: Buffer.from(token ?? stack.emulator.fixture.token).toString('base64') },
  };
}

/** Puts `token` (the fixture's own when omitted) into the namespace's confighub-token Secret. */
export function setToken(stack: LocalStack, namespace: string, token?: string): void {
  stack.kube.patch(
    SECRET,
    namespace,
    'confighub-token',
    tokenSecret(stack, namespace, 'confighub-token', token),
  );
}

export function repository(
  stack: LocalStack,
  namespace: string,
  name: string,
  spec: Record<string, unknown> = {},
) {
  return {
    apiVersion: 'source.confighub.com/v1beta1',
    kind: 'ConfigHubRepository',
    metadata: { name, namespace },
    spec: {
      interval: '1h',
      url: stack.emulator.url,
      insecure: true,
      space: 'shop-prod',
      secretRef: { name: 'confighub-token' },
      ...spec,
    },
  };
}

export async function createRepository(
  stack: LocalStack,
  namespace: string,
  name: string,
  spec: Record<string, unknown> = {},
): Promise<void> {
  if (!stack.kube.get('namespaces', undefined, namespace)) {
    stack.kube.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
  }
  if (!stack.kube.get(SECRET, namespace, 'confighub-token')) stack.kube.create(tokenSecret(stack, namespace));
  stack.kube.create(repository(stack, namespace, name, spec));
}

/** The repository once `predicate` holds for it. */
async function waitForRepository(
  stack: LocalStack,
  namespace: string,
  name: string,
  predicate: (repo: Repo) => boolean,
  timeoutMs: number,
): Promise<Repo> {
  return (await stack.kube.waitForObject(CHR, namespace, name, (o) => predicate(o as Repo), {
    timeoutMs,
  })) as Repo;
}

export async function waitForReady(
  stack: LocalStack,
  namespace: string,
  name: string,
  predicate: (repo: Repo) => boolean = () => true,
  timeoutMs = 10_000,
): Promise<Repo> {
  const ready = (repo: Repo) => condition(repo, 'Ready')?.status === 'True' && predicate(repo);
  return waitForRepository(stack, namespace, name, ready, timeoutMs);
}

export async function waitForCondition(
  stack: LocalStack,
  namespace: string,
  name: string,
  type: string,
  status: string,
  reason?: string,
  timeoutMs = 10_000,
): Promise<Repo> {
  const holds = (repo: Repo) => {
    const c = condition(repo, type);
    return c?.status === status && (reason === undefined || c.reason === reason);
  };
  return waitForRepository(stack, namespace, name, holds, timeoutMs);
}

/** The repository's ExternalArtifact once its Ready condition says `ready` (default 5 s, as waitForObject). */
export async function waitForExternalArtifact(
  stack: LocalStack,
  namespace: string,
  name: string,
  ready: 'True' | 'False' = 'True',
): Promise<KubeObject> {
  return stack.kube.waitForObject(EA, namespace, name, (o) => condition(o, 'Ready')?.status === ready);
}

export function requestReconcile(stack: LocalStack, namespace: string, name: string, token: string): void {
  stack.kube.patch(CHR, namespace, name, {
    metadata: { annotations: { 'reconcile.fluxcd.io/requestedAt': token } },
  });
}

export async function download(url: string): Promise<{ status: number; bytes: Buffer; headers: Headers }> {
  const response = await fetch(url, { headers: { 'accept-encoding': 'gzip' } });
  return {
    status: response.status,
    bytes: Buffer.from(await response.arrayBuffer()),
    headers: response.headers,
  };
}

export function sha256(bytes: Buffer): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/**
 * Requests the controller made that its RBAC refused. Drift's server-side dry runs are left out: the
 * shipped drift reader is read-only on purpose, and the detector then compares fields instead.
 */
export function forbiddenControllerRequests(stack: LocalStack) {
  return stack.kube.requests.filter(
    (r) =>
      r.user === stack.controllerUser &&
      (r.status === 401 || r.status === 403) &&
      !(r.method === 'PATCH' && r.query['dryRun'] === 'All'),
  );
}

export type RepoArtifact = NonNullable<NonNullable<Repo['status']>['artifact']>;

/** Requests a reconcile and waits until that very request was handled and the reconcile has ended. */
export async function reconcileNow(
  stack: LocalStack,
  namespace: string,
  name: string,
  token: string,
  timeoutMs = 20_000,
): Promise<Repo> {
  requestReconcile(stack, namespace, name, token);
  const handled = (repo: Repo) =>
    repo.status?.lastHandledReconcileAt === token && condition(repo, 'Reconciling')?.reason !== 'Progressing';
  return waitForRepository(stack, namespace, name, handled, timeoutMs);
}

/** The last good artifact is still the published one and is served byte for byte. */
export async function expectStillServed(good: RepoArtifact, repo: Repo): Promise<void> {
  expect(repo.status!.artifact).toEqual(good);
  const served = await download(good.url);
  expect(served.status).toBe(200);
  expect(sha256(served.bytes)).toBe(good.digest);
}

/** The helpers above that act on a stack; a RepositoryStack carries them with the stack already given. */
const STACK_HELPERS = {
  createRepository,
  forbiddenControllerRequests,
  reconcileNow,
  repository,
  requestReconcile,
  setToken,
  tokenSecret,
  waitForCondition,
  waitForExternalArtifact,
  waitForReady,
};
type WithoutStack<F> = F extends (stack: LocalStack, ...rest: infer A) => infer R ? (...rest: A) => R : never;
export type RepositoryHelpers = {
  [K in keyof typeof STACK_HELPERS]: WithoutStack<(typeof STACK_HELPERS)[K]>;
};
/** A stack whose repository helpers need no stack argument: `stack.createRepository('team-a', 'shop')`. */
export type RepositoryStack = LocalStack & RepositoryHelpers;

/** The repository helpers bound to `stack` (which may be a stand-in that finds the running stack late). */
export function repositoryHelpers(stack: LocalStack): RepositoryHelpers {
  const bound = Object.entries(STACK_HELPERS).map(([name, helper]) => [
    name,
    (...rest: unknown[]) => (helper as (stack: LocalStack, ...rest: unknown[]) => unknown)(stack, ...rest),
  ]);
  return Object.fromEntries(bound) as RepositoryHelpers;
}

/** `stack` itself, with the repository helpers bound to it added, for a stack started by hand. */
export function withRepositoryHelpers(stack: LocalStack): RepositoryStack {
  return Object.assign(stack, repositoryHelpers(stack));
}
