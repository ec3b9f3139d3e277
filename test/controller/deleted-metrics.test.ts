// A deleted object's metric series are dropped and stay dropped: a reconcile that was running while the
// object went away must not bring its gotk_reconcile_duration_seconds series back.
import { describe, expect, it } from 'vitest';
import { listingPath } from '../reliability/support/fault-cycle.ts';
import { useLocalStack } from '../support/local-stack.ts';
import { CHR } from '../support/repositories.ts';

const stack = useLocalStack();

const metrics = async () => (await fetch(`${stack.controller!.servers.metrics.url}/metrics`)).text();
const seriesOf = (text: string, name: string) =>
  text.split('\n').filter((l) => l.startsWith('gotk_') && l.includes(`name="${name}"`));

describe('metric series of deleted objects', () => {
  it('are dropped with the object, even when a reconcile was in flight, and do not come back', async () => {
    await stack.createRepository('gone', 'doomed');
    await stack.waitForReady('gone', 'doomed');
    expect(seriesOf(await metrics(), 'doomed').length).toBeGreaterThan(0);

    // A slow listing keeps a reconcile in flight while the object is deleted.
    const seen = stack.emulator.requests.length;
    const slow = stack.emulator.injectFault({
      route: listingPath(stack),
      kind: 'latency',
      ms: 400,
      times: 1,
    });
    stack.requestReconcile('gone', 'doomed', 'in-flight');
    await expect
      .poll(() => stack.emulator.requests.slice(seen).some((r) => r.path === listingPath(stack)))
      .toBe(true);
    stack.kube.delete(CHR, 'gone', 'doomed');
    await expect.poll(() => stack.kube.get(CHR, 'gone', 'doomed'), { timeout: 10_000 }).toBeUndefined();
    slow();
    await expect.poll(async () => seriesOf(await metrics(), 'doomed'), { timeout: 10_000 }).toEqual([]);

    // Later reconciles of other objects do not bring them back.
    await stack.createRepository('gone', 'survivor');
    await stack.waitForReady('gone', 'survivor');
    const text = await metrics();
    expect(seriesOf(text, 'survivor').length).toBeGreaterThan(0);
    expect(seriesOf(text, 'doomed')).toEqual([]);
  });
});
