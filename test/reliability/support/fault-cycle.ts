// One upstream fault, end to end: a Ready repository, the fault, the condition it must produce, the
// last good artifact still served byte for byte, retries with backoff while it lasts, and recovery to
// Ready on the controller's own backoff once it clears (no reconcile request).
import { afterAll, expect, it } from 'vitest';
import type { Fault } from '../../../testkit/confighub-emulator/index.ts';
import type { LocalStack } from '../../../testkit/local-stack.ts';
import { nextReconcileDue, reconcileCount } from '../../support/progress.ts';
import { condition, download, type Repo, type RepositoryStack, sha256 } from '../../support/repositories.ts';

export interface FaultFigures {
  fault: string;
  reason: string;
  /** Requests the emulator received per failed attempt (a reconcile) while the fault lasted. */
  requestsPerAttempt: number;
  /** Listings started (first pages) per failed attempt: one, or one per in-process try of the client. */
  listingsPerAttempt: number;
  /** From the failure written to the status to the retry the work queue then held the object for. */
  heldMs: number;
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
  /** Upper bound on listings started per attempt (default: the client's 4 tries per request). */
  maxListings?: number;
  /** Undo a fault that outlives its removal (an expired static token). */
  restore?: (stack: LocalStack) => void;
}

/** --min-retry-delay of the local stack: the queue's first backoff step, doubled on every failure. */
const MIN_RETRY_MS = 200;

export function listingPath(stack: LocalStack): string {
  return `/api/space/${stack.emulator.getSpace('shop-prod').SpaceID}/unit`;
}

/** Where most faults go: the GET of the unit listing. */
export function onListing(stack: LocalStack): { route: string; method: string } {
  return { route: listingPath(stack), method: 'GET' };
}

/**
 * One test per cycle, in order, each with its own namespace (`${ns}-${index}`). Returns the figures the
 * cycles measured, which are printed as one table titled `title` once the enclosing block has run.
 */
export function itRunsEachFaultCycle(
  stack: RepositoryStack,
  title: string,
  ns: string,
  cycles: FaultCycle[],
): FaultFigures[] {
  const figures: FaultFigures[] = [];
  afterAll(() => {
    printFigures(title, figures);
  });
  cycles.forEach((cycle, i) => {
    it(`${cycle.name} → Ready=False ${cycle.reason}, last artifact served, backoff, recovery`, async () => {
      figures.push(await runFaultCycle(stack, `${ns}-${i}`, cycle));
    });
  });
  return figures;
}

export async function runFaultCycle(
  stack: RepositoryStack,
  ns: string,
  cycle: FaultCycle,
): Promise<FaultFigures> {
  await stack.createRepository(ns, 'shop', { interval: '1h', ...cycle.spec });
  const good = (await stack.waitForReady(ns, 'shop')).status!.artifact!;

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
  stack: RepositoryStack,
  ns: string,
  cycle: FaultCycle,
  good: NonNullable<NonNullable<Repo['status']>['artifact']>,
  clear: () => void,
): Promise<FaultFigures> {
  // Counting starts when nothing of the Ready object is in flight: it waits out its interval.
  await nextReconcileDue(stack, ns, 'shop');
  const attempts = await reconcileCount(stack, ns, 'shop');
  stack.emulator.clearRequests();
  cycle.trigger?.(stack);
  stack.requestReconcile(ns, 'shop', `fault-${cycle.name}`);
  const failed = await stack.waitForCondition(ns, 'shop', 'Ready', 'False', cycle.reason);
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

  // No hot loop: once the queue holds the object for a backoff, no attempt of it is in flight, and
  // every request the failing attempts made is in the log. A retry loop would have made them by now.
  const due = await nextReconcileDue(stack, ns, 'shop');
  const requests = [...stack.emulator.requests];
  const ended = (await reconcileCount(stack, ns, 'shop')) - attempts;
  const listing = listingPath(stack);
  const listings = requests.filter((r) => r.path === listing && r.query['continue'] === undefined).length;
  expect(listings).toBeLessThanOrEqual((cycle.maxListings ?? 4) * ended);
  // Backoff: the retry is due at least --min-retry-delay after the failure was written, which the
  // attempt did before it ended and armed the delay.
  const failureWritten = stack.kube.requests
    .filter(
      (r) => r.method !== 'GET' && r.path.endsWith(`/namespaces/${ns}/confighubrepositories/shop/status`),
    )
    .at(-1)!.receivedAt;
  const heldMs = due - failureWritten;
  expect(heldMs).toBeGreaterThanOrEqual(MIN_RETRY_MS);

  clear();
  const cleared = performance.now();
  const recovered = await stack.waitForReady(
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
    requestsPerAttempt: requests.length / ended,
    listingsPerAttempt: listings / ended,
    heldMs,
    recoverMs,
  };
}

/** Prints the figures as a Markdown table (copied into test/RELIABILITY.md). */
export function printFigures(title: string, figures: FaultFigures[]): void {
  const rows = figures.map(
    (f) =>
      `| ${f.fault} | ${f.reason} | ${f.requestsPerAttempt} | ${f.listingsPerAttempt} | ${(f.heldMs / 1000).toFixed(2)} s | ${(f.recoverMs / 1000).toFixed(2)} s |`,
  );
  console.log(
    [
      `### ${title}`,
      '| fault | reason | requests per attempt | listings started per attempt | retry held for | time to recover |',
      '|---|---|---|---|---|---|',
      ...rows,
    ].join('\n'),
  );
}
