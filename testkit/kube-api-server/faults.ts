// Injected failures and latency, so clients' retry and backoff paths can be exercised.

import { ApiError, type StatusReason } from './errors.ts';

export interface FailureSpec {
  status: number;
  /** Sent as `Retry-After` and `details.retryAfterSeconds`. */
  retryAfterSeconds?: number;
  /** Only requests with one of these methods fail (default: any). */
  methods?: string[];
  /** Only requests whose path matches fail (a RegExp, or a substring). */
  pathPattern?: RegExp | string;
}

const REASONS: Record<number, StatusReason> = {
  400: 'BadRequest',
  404: 'NotFound',
  409: 'Conflict',
  410: 'Gone',
  429: 'TooManyRequests',
  500: 'InternalError',
  503: 'ServiceUnavailable',
};

const MESSAGES: Record<number, string> = {
  429: 'Too many requests, please try again later.',
  500: 'Internal error occurred: injected failure',
  503: 'The server is currently unable to handle the request',
};

export class Faults {
  readonly #rules: { remaining: number; spec: FailureSpec }[] = [];
  latencyMs = 0;

  failNext(count: number, spec: FailureSpec): void {
    this.#rules.push({ remaining: count, spec });
  }

  clear(): void {
    this.#rules.length = 0;
    this.latencyMs = 0;
  }

  /** The failure for this request, consuming one from the first matching rule. */
  take(method: string, path: string): ApiError | undefined {
    const rule = this.#rules.find(({ spec }) => {
      if (spec.methods && !spec.methods.map((m) => m.toUpperCase()).includes(method)) return false;
      if (spec.pathPattern === undefined) return true;
      return typeof spec.pathPattern === 'string'
        ? path.includes(spec.pathPattern)
        : spec.pathPattern.test(path);
    });
    if (!rule) return undefined;
    rule.remaining--;
    if (rule.remaining <= 0) this.#rules.splice(this.#rules.indexOf(rule), 1);
    const { status, retryAfterSeconds } = rule.spec;
    return new ApiError(
      status,
      REASONS[status] ?? 'InternalError',
      MESSAGES[status] ?? `injected failure (${status})`,
      retryAfterSeconds !== undefined ? { retryAfterSeconds } : undefined,
    );
  }
}
