// Upstream HTTP status and timing faults against the whole system: each must give its Flux condition and
// reason, keep the last good artifact served, retry with backoff and recover once the fault clears.
import { describe, expect, it } from 'vitest';
import { useLocalStack } from '../support/local-stack.ts';
import { nextReconcileDue } from '../support/progress.ts';
import { condition } from '../support/repositories.ts';
import { type FaultCycle, itRunsEachFaultCycle, listingPath, onListing } from './support/fault-cycle.ts';

const stack = useLocalStack();
const cycles: FaultCycle[] = [
  {
    name: '401 Unauthorized',
    faults: (s) => [{ ...onListing(s), kind: 'status', status: 401 }],
    reason: 'AuthenticationFailed',
  },
  {
    name: '403 Forbidden',
    faults: (s) => [{ ...onListing(s), kind: 'status', status: 403 }],
    reason: 'Forbidden',
  },
  {
    name: '404 Not Found',
    faults: (s) => [{ ...onListing(s), kind: 'status', status: 404 }],
    reason: 'SpaceNotFound',
  },
  {
    // Retry-After 1 s on every answer: the client waits it out in-process between its attempts.
    name: '429 Retry-After: 1',
    faults: (s) => [{ ...onListing(s), kind: 'status', status: 429, retryAfterSeconds: 1 }],
    reason: 'UpstreamUnavailable',
  },
  {
    name: '500 Internal Server Error',
    faults: (s) => [{ ...onListing(s), kind: 'status', status: 500 }],
    reason: 'UpstreamUnavailable',
  },
  {
    name: '503 Service Unavailable',
    faults: (s) => [{ ...onListing(s), kind: 'status', status: 503 }],
    reason: 'UpstreamUnavailable',
  },
  {
    name: 'latency 1.5 s beyond timeout 1s',
    spec: { timeout: '1s' },
    faults: (s) => [{ ...onListing(s), kind: 'latency', ms: 1500 }],
    reason: 'UpstreamUnavailable',
  },
];

describe('upstream status faults', () => {
  itRunsEachFaultCycle(stack, 'Upstream status faults', 'status', cycles);
});

describe('a Retry-After beyond what the client waits in-process', () => {
  it('is honoured by the work queue: no request until it passes, a reconcile request still goes through', async () => {
    const removers = [
      stack.emulator.injectFault({
        route: listingPath(stack),
        method: 'GET',
        kind: 'status',
        status: 429,
        retryAfterSeconds: 120,
      }),
    ];
    try {
      await stack.createRepository('retry-after', 'shop');
      const failed = await stack.waitForCondition(
        'retry-after',
        'shop',
        'Ready',
        'False',
        'UpstreamUnavailable',
      );
      expect(condition(failed, 'Ready')!.message).toContain('429');
      // The work queue holds the object for the whole Retry-After (no sleep needed to see it): the
      // retry is scheduled 120 s out, below the cap of max(--max-retry-delay, interval).
      expect((await nextReconcileDue(stack, 'retry-after', 'shop')) - Date.now()).toBeGreaterThan(100_000);
    } finally {
      for (const remove of removers) remove();
    }
    stack.requestReconcile('retry-after', 'shop', 'now');
    await stack.waitForReady('retry-after', 'shop');
  });
});
