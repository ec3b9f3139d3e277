// High availability: replicas with --enable-leader-election on one Lease. Exactly one reconciles and
// serves; after kill -9 of the leader the standby takes over once the lease expires; a SIGTERM
// releases the lease so the standby takes over without waiting for it to expire.
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { WAIT } from '../support/progress.ts';
import { CHR, download, type Repo, sha256 } from '../support/repositories.ts';
import {
  artifactServerStatus,
  type ControllerProcess,
  FAST_LEASE,
  reconcileCount,
  useFleet,
} from './controllers.ts';

const LEASE_NAME = 'confighub-source-controller-leader-election';

const { stack, fleet, kubeconfig, leases } = useFleet();

const lease = () => leases().find((l) => l.metadata.name === LEASE_NAME);
const holder = () => lease()?.spec?.holderIdentity ?? undefined;

async function waitForHolder(names: string[], timeoutMs: number): Promise<string> {
  return stack.kube.waitFor(() => (names.includes(holder() ?? '') ? holder() : undefined), {
    timeoutMs,
    description: `the lease to be held by one of ${names.join(', ')}`,
  });
}

/** Waits until the repository's artifact is served by `controller` (and the bytes match the digest). */
async function waitForArtifactOf(controller: ControllerProcess, token: string): Promise<Repo> {
  const repo = await stack.waitForReady(
    'ha',
    'app',
    (r) =>
      r.status?.lastHandledReconcileAt === token &&
      r.status.artifact!.url.startsWith(`${controller.artifactsUrl}/`),
    20_000,
  );
  const { status, bytes } = await download(repo.status!.artifact!.url);
  expect(status).toBe(200);
  expect(sha256(bytes)).toBe(repo.status!.artifact!.digest);
  return repo;
}

describe('two replicas with leader election', () => {
  let leader: ControllerProcess;
  let standby: ControllerProcess;

  beforeAll(async () => {
    const replicas = await Promise.all([
      fleet.start('replica-a', kubeconfig(), FAST_LEASE),
      fleet.start('replica-b', kubeconfig(), FAST_LEASE),
    ]);
    const elected = await waitForHolder(['replica-a', 'replica-b'], 15_000);
    leader = replicas.find((r) => r.name === elected)!;
    standby = replicas.find((r) => r.name !== elected)!;
    await Promise.all(replicas.map(waitForMetrics));
    await stack.createRepository('ha', 'app');
  }, 30_000);

  it('exactly one replica reconciles and serves', async () => {
    stack.requestReconcile('ha', 'app', 'first');
    await waitForArtifactOf(leader, 'first');
    expect(await reconcileCount(leader, 'ha', 'app')).toBeGreaterThan(0);
    expect(await reconcileCount(standby, 'ha', 'app')).toBe(0);
    expect(await artifactServerStatus(leader)).toBe(200);
    expect(await artifactServerStatus(standby)).toBe(503);
    expect(holder()).toBe(leader.name);
  });

  it('after kill -9 of the leader, the standby takes over once the lease expires', async () => {
    const transitions = lease()!.spec!.leaseTransitions ?? 0;
    leader.kill('SIGKILL');
    expect(await leader.exited).toBe('SIGKILL');
    await waitForHolder([standby.name], 15_000);
    // A takeover of an expired lease counts as a transition.
    expect(lease()!.spec!.leaseTransitions).toBe(transitions + 1);

    stack.requestReconcile('ha', 'app', 'after-crash');
    await waitForArtifactOf(standby, 'after-crash');
    expect(await reconcileCount(standby, 'ha', 'app')).toBeGreaterThan(0);
    expect(await artifactServerStatus(standby)).toBe(200);
  }, 30_000);

  it('SIGTERM releases the lease: a new standby takes over without waiting for expiry', async () => {
    const replacement = await fleet.start('replica-c', kubeconfig(), FAST_LEASE);
    // The replacement is up (metrics served) and campaigning while the current leader renews.
    await waitForMetrics(replacement);
    expect(await artifactServerStatus(replacement)).toBe(503);
    const transitions = lease()!.spec!.leaseTransitions ?? 0;

    standby.kill('SIGTERM');
    expect(await standby.exited).toBe(0);
    expect(standby.log()).toContain('lease released');
    await waitForHolder([replacement.name], 15_000);
    // Taking a released lease is not a transition from a live holder: the count stays.
    expect(lease()!.spec!.leaseTransitions).toBe(transitions);

    stack.requestReconcile('ha', 'app', 'after-handover');
    await waitForArtifactOf(replacement, 'after-handover');
    const after = stack.kube.get(CHR, 'ha', 'app') as Repo;
    expect(after.status!.artifact!.url.startsWith(replacement.artifactsUrl)).toBe(true);
  }, 30_000);
});

/** Waits until the process serves /metrics (it has started its servers); an exited one fails at once. */
async function waitForMetrics(controller: ControllerProcess): Promise<void> {
  await vi.waitUntil(
    async () => {
      if (controller.child.exitCode !== null)
        throw new Error(`${controller.name} exited:\n${controller.log()}`);
      return (await fetch(controller.metricsUrl).catch(() => undefined))?.ok === true;
    },
    { timeout: WAIT.timeout, interval: 50 },
  );
}
