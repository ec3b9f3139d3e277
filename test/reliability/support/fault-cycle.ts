// One upstream fault, end to end: a Ready repository, the fault, the condition it must produce, the
// last good artifact still served byte for byte, bounded retries while it lasts, and recovery to Ready
// on the controller's own backoff once it clears (no reconcile request).
import { expect } from 'vitest';
import type { Fault } from '../../../testkit/confighub-emulator/index.ts';
import type { LocalStack } from '../../../testkit/local-stack.ts';
import {
  condition,
  createRepository,
  download,
  type Repo,
  requestReconcile,
  sha256,
  waitForCondition,
  waitForReady,
} from '../../support/repositories.ts';

export interface FaultFigures {
  fault: string;
  reason: string;
  /** Requests the emulator received during the observation window while the fault lasted. */
  requestsInWindow: number;
  /** Listings started (first pages) in that window: one per reconcile attempt or in-process retry. */
  listingsInWindow: number;
  windowMs: number;
  /** From removing the fault to Ready=True again. */
  recoverMs: number;
}

export interface FaultCycle {
  name: string;
  faults: (stack: LocalStack) => Fault[];
  reason: string;
  /** The negative-polarity condition expected next to Ready=False (default FetchFailed). */
  condition?: string;
  spec?: Record<string, unknown>;
  /** Makes the reconcile reach the faulted route, e.g. a unit change so data is downloaded. */
  trigger?: (stack: LocalStack) => void;
  /** Upper bound on listings started in the window: a hot loop would be far above. */
  maxListings?: number;
  /** Undo a fault that outlives its removal (an expired static token). */
  restore?: (stack: LocalStack) => void;
}

export const WINDOW_MS = 1500;

export function listingPath(stack: LocalStack): string {
  return `/api/space/${stack.emulator.getSpace('shop-prod').SpaceID}/unit`;
}

export async function runFaultCycle(stack: LocalStack, ns: string, cycle: FaultCycle): Promise<FaultFigures> {
  await createRepository(stack, ns, 'shop', { interval: '1h', ...cycle.spec });
  const good = (await waitForReady(stack, ns, 'shop')).status!.artifact!;

  const removers = cycle.faults(stack).map((f) => stack.emulator.injectFault(f));
  const clear = () => {
    for (const remove of removers) remove();
    cycle.restore?.(stack);
  };
  try {
    return await observe(stack, ns, cycle, good, clear);
  } finally {
    // A failed expectation must not leave the fault behind for the next case.
    clear();
  }
}

async function observe(
  stack: LocalStack,
  ns: string,
  cycle: FaultCycle,
  good: NonNullable<NonNullable<Repo['status']>['artifact']>,
  clear: () => void,
): Promise<FaultFigures> {
  cycle.trigger?.(stack);
  requestReconcile(stack, ns, 'shop', `fault-${cycle.name}`);
  const failed = await waitForCondition(stack, ns, 'shop', 'Ready', 'False', cycle.reason);
  expect(condition(failed, cycle.condition ?? 'FetchFailed')).toMatchObject({
    status: 'True',
    reason: cycle.reason,
  });
  expect(condition(failed, 'Reconciling')).toMatchObject({ status: 'True', reason: 'ProgressingWithRetry' });
  expect(condition(failed, 'Stalled')).toBeUndefined();
  expect(failed.status!.artifact).toEqual(good);
  const served = await download(good.url);
  expect(served.status).toBe(200);
  expect(sha256(served.bytes)).toBe(good.digest);

  // While the fault lasts: retries, but with backoff.
  stack.emulator.clearRequests();
  await new Promise((resolve) => setTimeout(resolve, WINDOW_MS));
  const requests = [...stack.emulator.requests];
  const listing = listingPath(stack);
  const listings = requests.filter((r) => r.path === listing && r.query['continue'] === undefined).length;
  expect(listings).toBeLessThanOrEqual(cycle.maxListings ?? 10);

  clear();
  const cleared = performance.now();
  const recovered = await waitForReady(
    stack,
    ns,
    'shop',
    (r: Repo) => condition(r, 'FetchFailed') === undefined && condition(r, 'Reconciling') === undefined,
    15_000,
  );
  const recoverMs = Math.round(performance.now() - cleared);
  const served2 = await download(recovered.status!.artifact!.url);
  expect(sha256(served2.bytes)).toBe(recovered.status!.artifact!.digest);
  return {
    fault: cycle.name,
    reason: cycle.reason,
    requestsInWindow: requests.length,
    listingsInWindow: listings,
    windowMs: WINDOW_MS,
    recoverMs,
  };
}

/** Prints the figures as a Markdown table (copied into test/RELIABILITY.md). */
export function printFigures(title: string, figures: FaultFigures[]): void {
  const rows = figures.map(
    (f) =>
      `| ${f.fault} | ${f.reason} | ${f.requestsInWindow} | ${f.listingsInWindow} | ${(f.recoverMs / 1000).toFixed(2)} s |`,
  );
  console.log(
    [
      `### ${title}`,
      `| fault | reason | requests in ${WINDOW_MS / 1000} s | listings started | time to recover |`,
      '|---|---|---|---|---|',
      ...rows,
    ].join('\n'),
  );
}
