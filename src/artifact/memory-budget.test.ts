import { describe, expect, it } from 'vitest';
import { BuildLimitError } from './errors.ts';
import { MemoryBudget } from './memory-budget.ts';

const never = () => new AbortController().signal;

describe('MemoryBudget', () => {
  it('refuses at once what could never fit, naming the size and the flag', async () => {
    const budget = new MemoryBudget(64 * 2 ** 20);
    const error = await budget.acquire(68 * 2 ** 20, never(), "space 'x'").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BuildLimitError);
    expect((error as Error).message).toBe(
      "space 'x' needs about 68 MiB to build, more than --build-memory-limit allows (64 MiB)",
    );
  });

  it('grants in arrival order as holders release, a large waiter first', async () => {
    const budget = new MemoryBudget(100);
    const first = await budget.acquire(60, never(), 'a');
    const order: string[] = [];
    const large = budget.acquire(80, never(), 'b').then((release) => {
      order.push('large');
      return release;
    });
    // Would fit now, but waits behind the large one so that one is never starved.
    const small = budget.acquire(30, never(), 'c').then((release) => {
      order.push('small');
      return release;
    });
    expect(budget.waiting).toBe(2);
    first();
    const releaseLarge = await large;
    expect(order).toEqual(['large']);
    expect(budget.inUse).toBe(80);
    releaseLarge();
    (await small)();
    expect(order).toEqual(['large', 'small']);
    expect(budget.inUse).toBe(0);
  });

  it('a waiter whose signal aborts leaves the queue and lets the next one in', async () => {
    const budget = new MemoryBudget(100);
    const held = await budget.acquire(90, never(), 'a');
    const stop = new AbortController();
    const gaveUp = budget.acquire(50, stop.signal, 'b');
    const next = budget.acquire(10, never(), 'c');
    stop.abort(new DOMException('late', 'TimeoutError'));
    await expect(gaveUp).rejects.toMatchObject({ name: 'TimeoutError' });
    (await next)();
    held();
    expect(budget.inUse).toBe(0);
    expect(budget.waiting).toBe(0);
  });

  it('a release runs once however often it is called', async () => {
    const budget = new MemoryBudget(10);
    const release = await budget.acquire(10, never(), 'a');
    release();
    release();
    expect(budget.inUse).toBe(0);
  });
});
