import { describe, expect, it, vi } from 'vitest';
import { WorkQueue } from './workqueue.ts';

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('WorkQueue', () => {
  it('de-duplicates keys that are already queued', async () => {
    const seen: string[] = [];
    const queue = new WorkQueue({
      concurrency: 1,
      minRetryDelayMs: 10,
      maxRetryDelayMs: 100,
      process: async (key) => {
        seen.push(key);
      },
    });
    queue.add('a');
    queue.add('a');
    queue.add('b');
    queue.add('a');
    queue.start();
    await tick();
    expect(seen).toEqual(['a', 'b']);
  });

  it('never runs a key concurrently with itself and re-runs it once when re-added while running', async () => {
    const gate = deferred();
    let running = 0;
    let maxRunning = 0;
    let runs = 0;
    const queue = new WorkQueue({
      concurrency: 4,
      minRetryDelayMs: 10,
      maxRetryDelayMs: 100,
      process: async () => {
        running++;
        runs++;
        maxRunning = Math.max(maxRunning, running);
        if (runs === 1) await gate.promise;
        running--;
      },
    });
    queue.start();
    queue.add('k');
    await tick();
    queue.add('k');
    queue.add('k');
    await tick();
    expect(runs).toBe(1);
    gate.resolve();
    await tick();
    expect(runs).toBe(2);
    expect(maxRunning).toBe(1);
  });

  it('runs different keys in parallel up to the concurrency limit', async () => {
    const gate = deferred();
    let running = 0;
    let maxRunning = 0;
    const queue = new WorkQueue({
      concurrency: 2,
      minRetryDelayMs: 10,
      maxRetryDelayMs: 100,
      process: async () => {
        running++;
        maxRunning = Math.max(maxRunning, running);
        await gate.promise;
        running--;
      },
    });
    queue.start();
    for (const key of ['a', 'b', 'c', 'd']) queue.add(key);
    await tick();
    expect(maxRunning).toBe(2);
    expect(queue.depth).toBe(2);
    gate.resolve();
    await queue.shutdown();
  });

  it('backs off exponentially per key up to the cap, and forget resets it', () => {
    const queue = new WorkQueue({
      concurrency: 1,
      minRetryDelayMs: 100,
      maxRetryDelayMs: 1000,
      process: async () => {},
    });
    expect([1, 2, 3, 4, 5].map(() => queue.addRateLimited('x'))).toEqual([100, 200, 400, 800, 1000]);
    queue.forget('x');
    expect(queue.addRateLimited('x')).toBe(100);
    expect(queue.addRateLimited('y')).toBe(100);
    void queue.shutdown();
  });

  it('keeps the earliest of two delayed adds', async () => {
    vi.useFakeTimers();
    try {
      const seen: number[] = [];
      const start = Date.now();
      const queue = new WorkQueue({
        concurrency: 1,
        minRetryDelayMs: 10,
        maxRetryDelayMs: 100,
        process: async () => {
          seen.push(Date.now() - start);
        },
      });
      queue.start();
      queue.addAfter('k', 5_000);
      queue.addAfter('k', 20);
      queue.addAfter('k', 10_000);
      expect(queue.scheduledAt('k')).toBe(start + 20);
      await vi.advanceTimersByTimeAsync(20);
      expect(seen).toEqual([20]);
      expect(queue.scheduledCount).toBe(0);
      // The later adds were dropped, not left to fire as well.
      await vi.advanceTimersByTimeAsync(10_000);
      expect(seen).toEqual([20]);
      await queue.shutdown();
    } finally {
      vi.useRealTimers();
    }
  });

  it('keeps working after the process function throws', async () => {
    let calls = 0;
    const queue = new WorkQueue({
      concurrency: 1,
      minRetryDelayMs: 10,
      maxRetryDelayMs: 100,
      process: async () => {
        calls++;
        throw new Error('boom');
      },
    });
    queue.start();
    queue.add('a');
    queue.add('b');
    await tick();
    await tick();
    expect(calls).toBe(2);
  });
});
