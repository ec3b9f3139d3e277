// Races between a reconcile in flight and the user: deletion and spec changes while ConfigHub is slow,
// and no retry loop for an object that needs a human.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useLocalStack } from '../support/local-stack.ts';
import { reconcileCount, secondsPass, WAIT } from '../support/progress.ts';
import { CHR, condition, EA, type Repo } from '../support/repositories.ts';
import { listingPath } from './support/fault-cycle.ts';

const stack = useLocalStack();

/** Waits until a listing request has arrived at the emulator and is still unanswered. */
async function listingInFlight(): Promise<void> {
  const path = listingPath(stack);
  await stack.kube.waitFor(() => stack.emulator.requests.some((r) => r.path === path && r.status === 0), {
    description: 'a listing in flight',
  });
}

describe('a reconcile in flight', () => {
  it('deleting the object mid-reconcile leaves no ExternalArtifact and no storage behind', async () => {
    await stack.createRepository('delete-race', 'shop');
    await stack.waitForReady('delete-race', 'shop');
    await stack.kube.waitForObject(EA, 'delete-race', 'shop');
    const remove = stack.emulator.injectFault({ route: listingPath(stack), kind: 'latency', ms: 1500 });
    try {
      const unit = stack.emulator.getUnit('shop-prod', 'web-config');
      stack.emulator.setUnitData('shop-prod', 'web-config', `${unit.text}\n# delete race\n`);
      stack.emulator.clearRequests();
      stack.requestReconcile('delete-race', 'shop', 'in-flight');
      await listingInFlight();
      stack.kube.delete(CHR, 'delete-race', 'shop');
      await stack.kube.waitForDeletion(CHR, 'delete-race', 'shop', { timeoutMs: 15_000 });
      // The slow listing answers after the deletion: nothing may be written back.
      const path = listingPath(stack);
      await stack.kube.waitFor(
        () => stack.emulator.requests.every((r) => r.path !== path || r.status !== 0),
        {
          timeoutMs: 10_000,
          description: 'the slow listing answered',
        },
      );
    } finally {
      remove();
    }
    // Whatever the slow answer could still set off has had its turn once another object, created after
    // it, has gone through the queue to Ready.
    await stack.createRepository('delete-race', 'after');
    await stack.waitForReady('delete-race', 'after', undefined, WAIT.timeout);
    await stack.kube.waitForDeletion(EA, 'delete-race', 'shop', { timeoutMs: 10_000 });
    expect(existsSync(join(stack.storagePath, 'confighubrepository', 'delete-race', 'shop'))).toBe(false);
  });

  it('a spec change mid-reconcile is reconciled next: the final status matches the newest generation', async () => {
    await stack.createRepository('spec-race', 'shop');
    await stack.waitForReady('spec-race', 'shop');
    const remove = stack.emulator.injectFault({ route: listingPath(stack), kind: 'latency', ms: 1000 });
    try {
      stack.emulator.clearRequests();
      stack.requestReconcile('spec-race', 'shop', 'in-flight');
      await listingInFlight();
      stack.kube.patch(CHR, 'spec-race', 'shop', { spec: { where: "Slug = 'web'" } });
    } finally {
      remove();
    }
    const repo = await stack.waitForReady(
      'spec-race',
      'shop',
      (r) => r.status?.observedGeneration === 2,
      15_000,
    );
    expect(repo.status!.fetched!.units!.map((u) => u.slug)).toEqual(['web']);
    expect(condition(repo, 'Ready')!.observedGeneration).toBe(2);
  });
});

describe('an object that needs a human', () => {
  it('is not retried: no upstream request and no status write while it stays Stalled', async () => {
    await stack.createRepository('stalled', 'shop', { where: "Slug = 'a' OR Slug = 'b'", interval: '1s' });
    await stack.waitForCondition('stalled', 'shop', 'Stalled', 'True', 'InvalidFilter');
    // The reconcile that stalled it has ended, and left nothing scheduled to wake it.
    await expect.poll(() => reconcileCount(stack, 'stalled', 'shop'), WAIT).toBeGreaterThan(0);
    expect(stack.controller!.manager.queue.scheduledAt('stalled/shop')).toBeUndefined();
    const writes = () =>
      stack.kube.requests.filter((r) => r.method !== 'GET' && r.path.includes('/namespaces/stalled/')).length;
    const before = writes();
    const reconciles = await reconcileCount(stack, 'stalled', 'shop');
    stack.emulator.clearRequests();
    // Two of its intervals go by, and nothing happens.
    await secondsPass(stack, 'stalled-clock', 2);
    expect(stack.emulator.requests.filter((r) => r.query['where']?.includes("'a' OR"))).toEqual([]);
    expect(writes()).toBe(before);
    expect(await reconcileCount(stack, 'stalled', 'shop')).toBe(reconciles);
    expect((stack.kube.get(CHR, 'stalled', 'shop') as Repo).status!.artifact).toBeUndefined();
  });
});
