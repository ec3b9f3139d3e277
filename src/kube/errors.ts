// Errors from the Kubernetes API, carrying the `Status` reason so callers branch on meaning, not text.
import { errorMessage } from '../util/errors.ts';

export class KubeApiError extends Error {
  readonly code: number;
  readonly reason: string;
  readonly retryAfterMs: number | undefined;

  constructor(code: number, reason: string, message: string, retryAfterMs?: number) {
    super(message);
    this.name = 'KubeApiError';
    this.code = code;
    this.reason = reason;
    this.retryAfterMs = retryAfterMs;
  }
}

export function isNotFound(error: unknown): boolean {
  return error instanceof KubeApiError && error.code === 404;
}

export function isConflict(error: unknown): boolean {
  return error instanceof KubeApiError && error.code === 409;
}

export function isAlreadyExists(error: unknown): boolean {
  return error instanceof KubeApiError && error.code === 409 && error.reason === 'AlreadyExists';
}

export function isGone(error: unknown): boolean {
  return error instanceof KubeApiError && error.code === 410;
}

/** One line for a failure: an API error with its HTTP code and `Status` reason, anything else by its message. */
export function describeError(error: unknown): string {
  if (error instanceof KubeApiError) return `${error.code} ${error.reason}: ${error.message}`;
  return errorMessage(error);
}
