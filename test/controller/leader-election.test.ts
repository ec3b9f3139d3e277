// Leader election between replicas sharing one API server: a replica whose lease is taken over stops
// serving and reconciling at once (no two writers), and the standby takes over the objects.
import { describe, expect, it } from 'vitest';
import type { ControllerRuntime } from '../../src/controller/runtime.ts';
import { useLocalStack } from '../support/local-stack.ts';

const LEASE_FLAGS = [
  '--enable-leader-election',
  '--leader-election-lease-duration=2s',
  '--leader-election-renew-deadline=1s',
  '--leader-election-retry-period=100ms',
];
const LEASE = { group: 'coordination.k8s.io', plural: 'leases' };
const LEASE_NAME = 'confighub-source-controller-leader-election';

const stack = useLocalStack({ controller: false });

async function readiness(runtime: ControllerRuntime): Promise<number> {
  try {
    return (await fetch(`${runtime.servers.artifacts.url}/`)).status;
  } catch {
    return 0;
  }
}

describe('leader election', () => {
  it('a replica whose lease is taken stops serving and reconciling; the standby takes over', async () => {
    const first = await stack.startController(LEASE_FLAGS);
    await stack.kube.waitFor(() => first.isLeader(), { description: 'first replica elected' });
    await stack.createRepository('team-a', 'before');
    await stack.waitForReady('team-a', 'before');
    const second = await stack.startController(LEASE_FLAGS);
    expect(second.isLeader()).toBe(false);

    // Someone else holds the lease now (e.g. the first replica was partitioned and its lease expired).
    const now = new Date().toISOString().replace('Z', '000Z');
    stack.kube.patch(LEASE, 'flux-system', LEASE_NAME, {
      spec: { holderIdentity: 'partitioned-away', renewTime: now, acquireTime: now, leaseDurationSeconds: 2 },
    });
    await stack.kube.waitFor(() => !first.isLeader(), {
      timeoutMs: 10_000,
      description: 'first replica demoted',
    });
    expect(await readiness(first)).toBe(503);

    // Objects created from now on are the second replica's: the first one's caches are stopped.
    await stack.createRepository('team-a', 'after');
    await stack.kube.waitFor(() => second.isLeader(), { timeoutMs: 10_000, description: 'standby elected' });
    const after = await stack.waitForReady('team-a', 'after', () => true, 15_000);
    expect(after.status!.artifact!.url.startsWith(second.servers.artifacts.url)).toBe(true);
    expect(first.manager.repositories.get('team-a', 'after')).toBeUndefined();
    expect(first.isLeader()).toBe(false);
    expect(await readiness(second)).toBe(200);
  });
});
