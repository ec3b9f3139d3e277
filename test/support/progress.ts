// Waiting on the controller without sleeping: bounds for condition waits, and proofs that the controller
// has moved past the point where something would have happened, so a test can then count what did.
import { expect, vi } from 'vitest';
import type { RequestLogEntry } from '../../testkit/confighub-emulator/index.ts';
import type { LocalStack } from '../../testkit/local-stack.ts';
import { CHR, createRepository } from './repositories.ts';

/**
 * Options for `vi.waitFor` and `expect.poll`. Their default timeout (1 s) fails on a loaded machine;
 * this one is only reached when the condition never comes.
 */
export const WAIT = { timeout: 20_000, interval: 20 } as const;

/**
 * Reconciles of one object that have ended. Recording the duration is the last thing a reconcile does,
 * so once the count has moved, that reconcile's requests and status writes have all been made.
 */
export async function reconcileCount(stack: LocalStack, namespace: string, name: string): Promise<number> {
  const { values } = await stack.controller!.metrics.reconcileDuration.get();
  return values
    .filter(
      (v) =>
        v.metricName === 'gotk_reconcile_duration_seconds_count' &&
        v.labels['namespace'] === namespace &&
        v.labels['name'] === name,
    )
    .reduce((sum, v) => sum + v.value, 0);
}

/**
 * Proof that the controller has lived through `seconds` more seconds: a repository on shop-staging with
 * `interval: 1s`, created here in `namespace`, has been polled `seconds` times after its first reconcile.
 * It is deleted again afterwards.
 */
export async function secondsPass(stack: LocalStack, namespace: string, seconds: number): Promise<void> {
  await createRepository(stack, namespace, 'clock', { space: 'shop-staging', interval: '1s' });
  await expect.poll(() => reconcileCount(stack, namespace, 'clock'), WAIT).toBeGreaterThan(seconds);
  stack.kube.delete(CHR, namespace, 'clock');
  await stack.kube.waitForDeletion(CHR, namespace, 'clock', { timeoutMs: WAIT.timeout });
}

/** Requests the emulator received about one space (by its ID in the path, or its slug in a lookup). */
export function spaceRequests(stack: LocalStack, slug: string): RequestLogEntry[] {
  const id = stack.emulator.getSpace(slug).SpaceID;
  return stack.emulator.requests.filter(
    (r) => r.path.startsWith(`/api/space/${id}`) || (r.query['where'] ?? '').includes(`'${slug}'`),
  );
}

/**
 * Waits until the object's next reconcile waits on a delay (its interval or a backoff) and returns when
 * it is due (ms since the epoch). The queue arms that delay as a reconcile ends, and a key waiting on one
 * is not being reconciled: from here until it is due, nothing of that object is in flight.
 */
export async function nextReconcileDue(stack: LocalStack, namespace: string, name: string): Promise<number> {
  const queue = stack.controller!.manager.queue;
  return await vi.waitFor(() => {
    const at = queue.scheduledAt(`${namespace}/${name}`);
    if (at === undefined) throw new Error(`${namespace}/${name} is not waiting on a delay`);
    return at;
  }, WAIT);
}
