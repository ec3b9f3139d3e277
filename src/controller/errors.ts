// The reconcile error taxonomy (after source-controller's internal/error): the kind of error, not the
// call site, decides conditions, events, logging and requeue.
import type { ConditionType, Reason } from '../api/conditions.ts';

/** Needs a human: Stalled=True, Ready=False, Warning event, no retry until the object changes. */
export class StalledError extends Error {
  readonly reason: Reason;
  constructor(reason: Reason, message: string) {
    super(message);
    this.name = 'StalledError';
    this.reason = reason;
  }
}

/** A dependency is not ready yet: Ready=False, Normal event, requeue after a fixed delay. */
export class WaitingError extends Error {
  readonly reason: Reason;
  readonly requeueAfterMs: number;
  constructor(reason: Reason, message: string, requeueAfterMs: number) {
    super(message);
    this.name = 'WaitingError';
    this.reason = reason;
    this.requeueAfterMs = requeueAfterMs;
  }
}

/**
 * Retry with backoff: the named negative-polarity condition is set (FetchFailed, StorageOperationFailed),
 * Ready=False, Reconciling=ProgressingWithRetry, Warning event.
 */
export class TransientError extends Error {
  readonly reason: Reason;
  /** The negative-polarity condition to raise; undefined when only Ready reports it (API write failures). */
  readonly condition: ConditionType | undefined;
  readonly retryAfterMs: number | undefined;
  constructor(condition: ConditionType | undefined, reason: Reason, message: string, retryAfterMs?: number) {
    super(message);
    this.name = 'TransientError';
    this.condition = condition;
    this.reason = reason;
    this.retryAfterMs = retryAfterMs;
  }
}

export type ReconcileError = StalledError | WaitingError | TransientError;
