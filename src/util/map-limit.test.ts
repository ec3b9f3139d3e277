import { describe, expect, it } from 'vitest';
import { mapLimit } from './map-limit.ts';

/** A promise the test settles by hand, so in-flight calls are counted without timing. */
function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

describe('mapLimit', () => {
  it('keeps order and never runs more than the limit at once', async () => {
    let running = 0;
    let peak = 0;
    const results = await mapLimit([5, 1, 4, 2, 3, 0], 2, async (n) => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((resolve) => setImmediate(resolve));
      running--;
      return n * 10;
    });
    expect(results).toEqual([50, 10, 40, 20, 30, 0]);
    expect(peak).toBe(2);
  });

  it('starts the next call only when one in flight settles', async () => {
    const gates = Array.from({ length: 5 }, () => deferred<number>());
    const started: number[] = [];
    const all = mapLimit([0, 1, 2, 3, 4], 3, (n) => {
      started.push(n);
      return gates[n]!.promise;
    });
    await expect.poll(() => started).toEqual([0, 1, 2]);
    gates[1]!.resolve(10);
    await expect.poll(() => started).toEqual([0, 1, 2, 3]);
    gates[0]!.resolve(0);
    gates[3]!.resolve(30);
    await expect.poll(() => started).toEqual([0, 1, 2, 3, 4]);
    gates[2]!.resolve(20);
    gates[4]!.resolve(40);
    expect(await all).toEqual([0, 10, 20, 30, 40]);
  });

  it('runs one at a time when the limit is below 1, and no more workers than items', async () => {
    let running = 0;
    let peak = 0;
    const task = async (n: number) => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((resolve) => setImmediate(resolve));
      running--;
      return n;
    };
    expect(await mapLimit([1, 2, 3], 0, task)).toEqual([1, 2, 3]);
    expect(peak).toBe(1);
    peak = 0;
    expect(await mapLimit([1, 2], 16, task)).toEqual([1, 2]);
    expect(peak).toBe(2);
  });

  it('rejects with the first failure and stops starting new work', async () => {
    const started: number[] = [];
    await expect(
      mapLimit([1, 2, 3, 4, 5], 1, async (n) => {
        started.push(n);
        if (n === 2) throw new Error('boom 2');
        return n;
      }),
    ).rejects.toThrow('boom 2');
    expect(started).toEqual([1, 2]);
  });

  it('handles an empty list', async () => {
    expect(await mapLimit([], 4, async () => 1)).toEqual([]);
  });
});
