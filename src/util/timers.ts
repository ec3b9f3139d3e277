// The one way this process waits. Node fires any setTimeout above 2^31−1 ms (~24.8 days) after 1 ms,
// so an `interval: 10000h`, a huge Retry-After or a `timeout: 40000m` would spin instead of waiting.
// Every delay here is clamped at 0 and split into chained timers of at most MAX_TIMER_MS.

/** Largest delay one Node timer holds. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

export interface LongTimer {
  cancel(): void;
}

export interface TimerOptions {
  /** Keep the process alive while waiting (default false: a pending delay never holds up exit). */
  ref?: boolean;
}

function normalise(ms: number): number {
  if (Number.isNaN(ms) || ms <= 0) return 0;
  return ms;
}

/** Calls `fn` once after `ms` (Infinity never fires); correct for any delay. */
export function setLongTimeout(fn: () => void, ms: number, options: TimerOptions = {}): LongTimer {
  let remaining = normalise(ms);
  let timer: NodeJS.Timeout | undefined;
  let cancelled = false;
  const arm = () => {
    if (cancelled || remaining === Number.POSITIVE_INFINITY) return;
    const step = Math.min(remaining, MAX_TIMER_MS);
    timer = setTimeout(() => {
      remaining -= step;
      if (remaining > 0) arm();
      else fn();
    }, step);
    if (options.ref !== true) timer.unref();
  };
  arm();
  return {
    cancel() {
      cancelled = true;
      if (timer !== undefined) clearTimeout(timer);
    },
  };
}

/** Resolves after `ms`, or at once when `signal` aborts (never rejects). */
export function delay(ms: number, signal?: AbortSignal, options: TimerOptions = {}): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const onAbort = () => {
      timer.cancel();
      resolve();
    };
    const timer = setLongTimeout(
      () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      },
      ms,
      options,
    );
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * An AbortSignal that aborts after `ms` with a TimeoutError, as AbortSignal.timeout does, but correct
 * above 2^31−1 ms. The timer does not keep the process alive.
 *
 * Up to MAX_TIMER_MS it is AbortSignal.timeout itself, whose timer holds the signal weakly: a finished
 * request's signal (and whatever its listeners captured) is collected at once instead of living until
 * the deadline — with one deadline per reconcile and per ConfigHub request, that was thousands of
 * pending signals at fleet scale.
 */
export function timeoutSignal(ms: number): AbortSignal {
  const delayMs = normalise(ms);
  if (delayMs <= MAX_TIMER_MS) return AbortSignal.timeout(Math.ceil(delayMs));
  return deadline(delayMs).signal;
}

/** A timeout signal with a timer of its own, stopped by `clear()`. */
export interface Deadline {
  readonly signal: AbortSignal;
  /** Stops the timer: finished work leaves nothing to fire later. Idempotent. */
  clear(): void;
}

/**
 * `timeoutSignal` for work that ends before its deadline almost always (a request, a build): the timer
 * is cleared when the work is done. An AbortSignal.timeout is only collected once a major GC finds it
 * unreachable, and until then its timer still fires at the deadline, building a TimeoutError nobody
 * reads (thousands of them a minute at fleet scale).
 */
export function deadline(ms: number): Deadline {
  const controller = new AbortController();
  const timer = setLongTimeout(
    () => controller.abort(new DOMException('The operation timed out.', 'TimeoutError')),
    ms,
  );
  return { signal: controller.signal, clear: () => timer.cancel() };
}

/** `work` with a deadline signal, its timer cleared however the work ends. */
export async function withDeadline<T>(ms: number, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const { signal, clear } = deadline(ms);
  try {
    return await work(signal);
  } finally {
    clear();
  }
}

/** Retry-After as delta-seconds or HTTP date, in milliseconds from `now`; undefined when absent/garbled. */
export function parseRetryAfter(value: string | undefined, now: number): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const date = Date.parse(text);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

/**
 * A server's Retry-After is honoured, but no longer than `capMs`: a misbehaving or hostile upstream must
 * not park an object for years, nor (through an overflowing timer) make us retry at once.
 */
export function capRetryAfter(retryAfterMs: number | undefined, capMs: number): number | undefined {
  if (retryAfterMs === undefined || Number.isNaN(retryAfterMs)) return undefined;
  return Math.min(Math.max(0, retryAfterMs), capMs);
}
