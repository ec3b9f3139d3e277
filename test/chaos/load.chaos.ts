// Load soak: 1,000 ConfigHubRepositories against one controller process, 5% of them pointing at a space
// whose listing answers 503 for the whole run. The healthy ones must stay Ready, queue latency must stay
// bounded, the failing ones must back off (no hot loop) and recover once the fault clears, and the
// controller's heap must not grow. Length: CHAOS_LOAD_MINUTES (default 10). Figures: test/RELIABILITY.md.
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { type ControllerProcess, useControllerProcesses } from '../reliability/support/controller-process.ts';
import {
  delta,
  histogram,
  quantileBound,
  type Samples,
  scrape,
  total,
} from '../reliability/support/metrics.ts';
import { CHR, condition } from '../support/repositories.ts';

const MINUTES = Number(process.env['CHAOS_LOAD_MINUTES'] ?? 10);
const REPOSITORIES = Number(process.env['CHAOS_LOAD_REPOSITORIES'] ?? 1000);
const FAILING_SHARE = 0.05;
const NAMESPACES = 20;
const SAMPLE_MS = 10_000;
const LATENCY = 'workqueue_queue_duration_seconds';

interface Sample {
  atS: number;
  healthyReady: number;
  failingReady: number;
  heapUsedBytes: number;
  rssBytes: number;
  queueP99S: number;
  queueDepth: number;
  upstreamRequests: number;
  failingSpaceRequests: number;
}

const { stack, start } = useControllerProcesses('SIGTERM');
let controller: ControllerProcess;
const healthy: { ns: string; name: string }[] = [];
const failing: { ns: string; name: string }[] = [];

/**
 * Checks once a second. (The test API server's waitFor re-runs its predicate on every request, and a
 * predicate over 1,000 objects would then starve the very server it runs in.)
 */
async function poll(predicate: () => boolean, timeout: number, description: string): Promise<void> {
  await expect.poll(predicate, { timeout, interval: 1000, message: description }).toBe(true);
}

const ready = (ns: string, name: string) =>
  condition(stack.kube.get(CHR, ns, name), 'Ready')?.status === 'True';
const countReady = (list: { ns: string; name: string }[]) => list.filter((r) => ready(r.ns, r.name)).length;

beforeAll(async () => {
  const failEvery = Math.round(1 / FAILING_SHARE);
  for (let i = 0; i < REPOSITORIES; i++) {
    const ns = `load-${i % NAMESPACES}`;
    const name = `repo-${i}`;
    const bad = i % failEvery === failEvery - 1;
    (bad ? failing : healthy).push({ ns, name });
    await stack.createRepository(ns, name, { interval: '1m', space: bad ? 'shop-staging' : 'shop-prod' });
  }
  controller = await start('storage', ['--concurrent=10', '--max-retry-delay=30s']);
}, 120_000);

describe(`${REPOSITORIES} repositories, ${FAILING_SHARE * 100}% failing upstream, ${MINUTES} min`, () => {
  it(
    'keeps the healthy ones Ready, bounds queue latency, backs off, recovers, and does not grow',
    async () => {
      const start = Date.now();
      const stagingID = stack.emulator.getSpace('shop-staging').SpaceID;
      const removeFault = stack.emulator.injectFault({
        route: new RegExp(`^/api/space/${stagingID}/`),
        kind: 'status',
        status: 503,
      });
      await poll(() => countReady(healthy) === healthy.length, 600_000, 'every healthy repository Ready');
      const convergedS = (Date.now() - start) / 1000;

      const samples: Sample[] = [];
      let previous: Samples = await scrape(controller.metricsUrl);
      let changes = 0;
      stack.emulator.clearRequests();
      const soakEnd = Date.now() + MINUTES * 60_000;
      let nextChange = Date.now() + 120_000;
      while (Date.now() < soakEnd) {
        await new Promise((resolve) => setTimeout(resolve, SAMPLE_MS));
        // A unit changes every two minutes, so every healthy repository rebuilds under load too.
        if (Date.now() >= nextChange) {
          const unit = stack.emulator.getUnit('shop-prod', 'web-config');
          stack.emulator.setUnitData('shop-prod', 'web-config', `${unit.text}\n# soak change ${++changes}\n`);
          nextChange += 120_000;
        }
        const now = await scrape(controller.metricsUrl);
        const requests = stack.emulator.requests;
        samples.push({
          atS: Math.round((Date.now() - start) / 1000),
          healthyReady: countReady(healthy),
          failingReady: countReady(failing),
          heapUsedBytes: total(now, 'nodejs_heap_size_used_bytes'),
          rssBytes: total(now, 'process_resident_memory_bytes'),
          queueP99S: quantileBound(delta(histogram(now, LATENCY), histogram(previous, LATENCY)), 0.99),
          queueDepth: total(now, 'workqueue_depth'),
          upstreamRequests: requests.length,
          failingSpaceRequests: requests.filter((r) => r.path.includes(stagingID)).length,
        });
        stack.emulator.clearRequests();
        previous = now;
      }

      // Recovery: the fault clears; the failing repositories come back on their own backoff.
      removeFault();
      const clearedAt = Date.now();
      await poll(
        () => countReady(failing) === failing.length,
        120_000,
        'every failing repository Ready after the fault cleared',
      );
      const recoverS = (Date.now() - clearedAt) / 1000;

      // Steady state: after the initial backlog has drained and the failing ones reached their backoff cap.
      const warmUpS = Math.min(120, (MINUTES * 60) / 4);
      const warm = samples.filter((s) => s.atS - convergedS >= warmUpS);
      const failingRequestsPerRepoPerMin =
        warm.reduce((a, s) => a + s.failingSpaceRequests, 0) /
        failing.length /
        ((warm.length * SAMPLE_MS) / 60_000);
      const early = warm.slice(0, Math.max(1, Math.floor(warm.length / 4)));
      const late = warm.slice(-Math.max(1, Math.floor(warm.length / 4)));
      const minHeap = (list: Sample[]) => Math.min(...list.map((s) => s.heapUsedBytes));
      const summary = {
        repositories: REPOSITORIES,
        failing: failing.length,
        minutes: MINUTES,
        convergedS,
        unitChanges: changes,
        minHealthyReady: Math.min(...samples.map((s) => s.healthyReady)),
        maxQueueP99S: Math.max(...warm.map((s) => s.queueP99S)),
        medianQueueP99S:
          [...warm.map((s) => s.queueP99S)].sort((a, b) => a - b)[Math.floor(warm.length / 2)] ?? 0,
        maxQueueDepth: Math.max(...samples.map((s) => s.queueDepth)),
        upstreamRequests: samples.reduce((a, s) => a + s.upstreamRequests, 0),
        faultsInjected: samples.reduce((a, s) => a + s.failingSpaceRequests, 0),
        failingRequestsPerRepoPerMin: Number(failingRequestsPerRepoPerMin.toFixed(2)),
        recoveries: failing.length,
        recoverS,
        heapEarlyMinMiB: Number((minHeap(early) / 2 ** 20).toFixed(1)),
        heapLateMinMiB: Number((minHeap(late) / 2 ** 20).toFixed(1)),
        rssLateMiB: Number(((late.at(-1)?.rssBytes ?? 0) / 2 ** 20).toFixed(1)),
      };
      const report = process.env['CHAOS_REPORT'] ?? join(tmpdir(), 'chaos-load.json');
      await writeFile(report, `${JSON.stringify({ summary, samples }, null, 2)}\n`);
      console.log(JSON.stringify(summary));

      expect(summary.minHealthyReady).toBe(healthy.length);
      expect(samples.every((s) => s.failingReady === 0)).toBe(true);
      // A unit change makes all 950 healthy repositories rebuild within one interval: the 99th percentile
      // wait then reaches the (10 s, 100 s] bucket on two cores, and drops back once the burst is built.
      expect(summary.maxQueueP99S).toBeLessThanOrEqual(100);
      expect(summary.medianQueueP99S).toBeLessThanOrEqual(10);
      // Each listing attempt is retried 4 times in-process; with a 30 s backoff cap a hot loop would be
      // hundreds of requests a minute per repository.
      expect(summary.failingRequestsPerRepoPerMin).toBeLessThan(20);
      expect(summary.heapLateMinMiB).toBeLessThan(summary.heapEarlyMinMiB * 1.5);
    },
    (MINUTES + 12) * 60_000,
  );
});
