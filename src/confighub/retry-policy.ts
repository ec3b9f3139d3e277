// When and how long the ConfigHub transport waits before trying a request again.

export interface RetryPolicy {
  /** Total attempts per request, the first included. */
  maxAttempts: number;
  /** First backoff; doubles on every further attempt. */
  baseDelayMs: number;
  /** Cap on one exponential backoff step. */
  maxDelayMs: number;
  /** A Retry-After above this is not waited for in-process; the error carries it for the caller. */
  maxRetryAfterMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = {
  maxAttempts: 4,
  baseDelayMs: 250,
  maxDelayMs: 8_000,
  maxRetryAfterMs: 30_000,
};

/** Statuses retried with backoff; any other answer goes back to the caller. */
export const RETRY_STATUSES = new Set([429, 500, 502, 503, 504]);

/** Exponential backoff for attempt n (1-based) with jitter in [50%, 100%] of the step. */
export function backoffDelay(attempt: number, policy: RetryPolicy, random: () => number): number {
  const step = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return Math.round(step * (0.5 + 0.5 * random()));
}
