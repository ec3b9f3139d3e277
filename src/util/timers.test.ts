import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  capRetryAfter,
  deadline,
  delay,
  MAX_TIMER_MS,
  parseRetryAfter,
  setLongTimeout,
  timeoutSignal,
  withDeadline,
} from './timers.ts';

describe('timers above 2^31−1 ms', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('a plain setTimeout would fire at once: the helper waits the whole delay', () => {
    const fired = vi.fn();
    const tenThousandHours = 10_000 * 3_600_000;
    setLongTimeout(fired, tenThousandHours);
    vi.advanceTimersByTime(1);
    expect(fired).not.toHaveBeenCalled();
    vi.advanceTimersByTime(MAX_TIMER_MS);
    expect(fired).not.toHaveBeenCalled();
    vi.advanceTimersByTime(tenThousandHours - MAX_TIMER_MS - 2);
    expect(fired).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(fired).toHaveBeenCalledTimes(1);
  });

  it('fires short delays once, treats negative and NaN as 0, and never fires Infinity', () => {
    const short = vi.fn();
    const negative = vi.fn();
    const nan = vi.fn();
    const never = vi.fn();
    setLongTimeout(short, 50);
    setLongTimeout(negative, -5);
    setLongTimeout(nan, Number.NaN);
    setLongTimeout(never, Number.POSITIVE_INFINITY);
    vi.advanceTimersByTime(0);
    expect(negative).toHaveBeenCalledTimes(1);
    expect(nan).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(50);
    expect(short).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(10 * MAX_TIMER_MS);
    expect(never).not.toHaveBeenCalled();
    expect(short).toHaveBeenCalledTimes(1);
  });

  it('cancel stops a chained timer between links', () => {
    const fired = vi.fn();
    const timer = setLongTimeout(fired, 3 * MAX_TIMER_MS);
    vi.advanceTimersByTime(MAX_TIMER_MS + 5);
    timer.cancel();
    vi.advanceTimersByTime(5 * MAX_TIMER_MS);
    expect(fired).not.toHaveBeenCalled();
  });

  it('delay resolves after the delay or when aborted', async () => {
    let done = false;
    void delay(2 * MAX_TIMER_MS).then(() => {
      done = true;
    });
    await vi.advanceTimersByTimeAsync(MAX_TIMER_MS);
    expect(done).toBe(false);
    await vi.advanceTimersByTimeAsync(MAX_TIMER_MS);
    expect(done).toBe(true);

    const controller = new AbortController();
    let aborted = false;
    void delay(MAX_TIMER_MS * 4, controller.signal).then(() => {
      aborted = true;
    });
    controller.abort();
    await vi.advanceTimersByTimeAsync(0);
    expect(aborted).toBe(true);
  });

  it('delay with a signal already aborted resolves at once and arms no timer', async () => {
    const controller = new AbortController();
    controller.abort();
    let done = false;
    void delay(MAX_TIMER_MS, controller.signal).then(() => {
      done = true;
    });
    await vi.advanceTimersByTimeAsync(0);
    expect(done).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('delay that ran to its end lets go of the signal: a later abort changes nothing', async () => {
    const controller = new AbortController();
    const listeners = vi.spyOn(controller.signal, 'removeEventListener');
    let resolved = 0;
    void delay(100, controller.signal).then(() => {
      resolved++;
    });
    await vi.advanceTimersByTimeAsync(100);
    expect(resolved).toBe(1);
    expect(listeners).toHaveBeenCalledWith('abort', expect.any(Function));
    controller.abort();
    await vi.advanceTimersByTimeAsync(0);
    expect(resolved).toBe(1);
  });

  it('timeoutSignal of 40000m does not abort early, and aborts with a TimeoutError at the end', async () => {
    const ms = 40_000 * 60_000;
    const signal = timeoutSignal(ms);
    await vi.advanceTimersByTimeAsync(MAX_TIMER_MS);
    expect(signal.aborted).toBe(false);
    await vi.advanceTimersByTimeAsync(ms - MAX_TIMER_MS);
    expect(signal.aborted).toBe(true);
    expect((signal.reason as DOMException).name).toBe('TimeoutError');
  });
});

describe('deadline', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('aborts with a TimeoutError at the deadline, also above 2^31−1 ms', async () => {
    const ms = MAX_TIMER_MS + 1000;
    const { signal } = deadline(ms);
    await vi.advanceTimersByTimeAsync(ms - 1);
    expect(signal.aborted).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect((signal.reason as DOMException).name).toBe('TimeoutError');
  });

  it('withDeadline clears the timer however the work ends, so nothing fires later', async () => {
    let seen: AbortSignal | undefined;
    await withDeadline(1000, async (signal) => {
      seen = signal;
      return 'done';
    });
    await expect(
      withDeadline(1000, async (signal) => {
        seen = signal;
        throw new Error('failed');
      }),
    ).rejects.toThrow('failed');
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(2000);
    expect(seen?.aborted).toBe(false);
  });

  it('gives the work a signal that aborts when it outlives the deadline', async () => {
    const work = withDeadline(
      1000,
      (signal) =>
        new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(signal.reason))),
    );
    const outcome = work.catch((error: unknown) => (error as DOMException).name);
    await vi.advanceTimersByTimeAsync(1000);
    expect(await outcome).toBe('TimeoutError');
  });
});

describe('timeoutSignal within one timer', () => {
  it('is a platform timeout signal: aborts with a TimeoutError once the time is up', async () => {
    const signal = timeoutSignal(5);
    await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
    expect((signal.reason as DOMException).name).toBe('TimeoutError');
  });

  it('treats zero, negative and NaN as already due', async () => {
    for (const ms of [0, -5, Number.NaN]) {
      const signal = timeoutSignal(ms);
      await vi.waitFor(() => expect(signal.aborted).toBe(true));
    }
  });
});

describe('parseRetryAfter', () => {
  it('parses Retry-After as seconds or HTTP date', () => {
    const now = Date.parse('2026-11-30T10:00:00Z');
    expect(parseRetryAfter('7', now)).toBe(7000);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
    expect(parseRetryAfter('Mon, 30 Nov 2026 10:00:05 GMT', now)).toBe(5000);
    expect(parseRetryAfter('Mon, 30 Nov 2026 09:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter('', now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });
});

describe('capRetryAfter', () => {
  it('honours a Retry-After up to the cap and no further', () => {
    expect(capRetryAfter(undefined, 1000)).toBeUndefined();
    expect(capRetryAfter(500, 1000)).toBe(500);
    expect(capRetryAfter(3_000_000_000, 900_000)).toBe(900_000);
    expect(capRetryAfter(-3, 1000)).toBe(0);
    expect(capRetryAfter(Number.NaN, 1000)).toBeUndefined();
  });
});
