import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { ControllerMetrics } from './metrics.ts';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const kept: unknown[] = [];

function heapUsed(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

describe('ControllerMetrics memory', () => {
  it('keeps one gotk_reconcile_duration_seconds series under a few KiB of heap', () => {
    const metrics = new ControllerMetrics({ processMetrics: false });
    // Held beyond the last measurement: V8 would otherwise collect it before the heap is read.
    kept.push(metrics);
    const series = 2000;
    const before = heapUsed();
    for (let i = 0; i < series; i++) {
      metrics.reconcileDuration.observe(
        { kind: 'ConfigHubRepository', name: `repo-${i}`, namespace: 'fleet' },
        0.2,
      );
    }
    const perSeries = (heapUsed() - before) / series;
    // 1000/1800 s bounds cost ~21 KiB per series; Flux's four bounds ~0.5 KiB.
    expect(perSeries).toBeLessThan(3 * 1024);
  });

  it('keeps Flux name and labels and drops a deleted object series', async () => {
    const metrics = new ControllerMetrics({ processMetrics: false });
    metrics.reconcileDuration.observe({ kind: 'ConfigHubRepository', name: 'a', namespace: 'ns' }, 42);
    let text = await metrics.registry.metrics();
    expect(text).toContain(
      'gotk_reconcile_duration_seconds_bucket{le="+Inf",kind="ConfigHubRepository",name="a",namespace="ns"} 1',
    );
    metrics.forgetObject('ConfigHubRepository', 'ns', 'a');
    text = await metrics.registry.metrics();
    expect(text).not.toContain('name="a"');
  });
});
