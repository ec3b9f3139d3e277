// The one place that decides what a failed reconcile means, after source-controller's internal/error
// and internal/reconcile: the kind of error, not the call site, decides the disposition, and from it the
// conditions, the event type, the log level and the requeue.
//
// Steps throw either a reconcile error they decided themselves, where the knowledge is (StalledError for
// a bad spec or Secret, WaitingError for a held revision, TransientError for a missing Secret or an empty
// selection), or whatever a library threw. The latter is read here by what the error says about itself
// (its reason and whether it is retryable) and by the step it came from, whose work names the message.
//
// Dispositions:
// - stalled: only a change to the object can help (not retryable, and the spec is at fault): Stalled=True,
//   Warning event, error log, no requeue until the object changes.
// - waiting: a dependency is not ready: Normal event, info log, requeue after a fixed delay.
// - retry: anything else, Warning event, error log, backoff. A retryable error's own delay (Retry-After,
//   --requeue-dependency) is honoured up to the larger of --max-retry-delay and the interval. A
//   non-retryable one whose fault lies outside the spec (a rejected credential, a missing space, a refused
//   unit) also backs off: the fix happens in ConfigHub or in a Secret, which no generation change announces.
import { ConditionType, Reason } from '../api/conditions.ts';
import { BuildLimitError, InvalidUnitError, StorageError, UnsafeNameError } from '../artifact/index.ts';
import { ConfigHubError } from '../confighub/index.ts';
import { describeError, KubeApiError } from '../kube/errors.ts';
import { capRetryAfter } from '../util/timers.ts';
import { StalledError, TransientError, WaitingError } from './errors.ts';
import { ExternalArtifactConflictError } from './external-artifact.ts';
import type { ReconcileOutcome } from './reconcile-context.ts';
import type { StepName } from './steps/runner.ts';

interface FailureBase {
  reason: Reason;
  message: string;
  event: 'Normal' | 'Warning';
  logLevel: 'info' | 'error';
  /** No rule here knew the error: it is logged as unexpected, and reported as Failed. */
  unexpected: boolean;
}

export type Failure =
  | (FailureBase & { disposition: 'stalled' })
  | (FailureBase & { disposition: 'waiting'; requeueAfterMs: number })
  | (FailureBase & {
      disposition: 'retry';
      /** The negative-polarity condition raised; undefined when only Ready reports it (API writes). */
      condition: ConditionType | undefined;
      /** The delay the error asked for, for retryable errors only. */
      retryAfterMs: number | undefined;
    });

/** Where the error came from. */
export interface FailureSite {
  step: StepName;
  namespace: string;
  name: string;
  /** The listing, once there is one: build failures name its space and ref. */
  listing?: { spaceSlug: string; refId: string } | undefined;
}

/** ConfigHub reasons that only a spec change can fix, when the error is not retryable. */
const SPEC_REASONS: ReadonlySet<Reason> = new Set([
  Reason.InvalidFilter,
  Reason.InvalidSpec,
  Reason.InvalidURL,
]);

/** What an error says about itself, whatever threw it. */
interface Diagnosis {
  reason: Reason;
  message: string;
  condition: ConditionType | undefined;
  /** Whether the same attempt can succeed later (the error's own word for ConfigHub errors). */
  retryable: boolean;
  /** The fault lies in the object (its spec): when not retryable, nothing but a change to it helps. */
  needsChange?: boolean;
  retryAfterMs?: number | undefined;
  waitMs?: number;
  unexpected?: boolean;
}

/** What a source step's failure means; see the dispositions above. */
export function classifyError(error: unknown, site: FailureSite): Failure {
  const d = diagnose(error, site);
  const base = { reason: d.reason, message: d.message, unexpected: d.unexpected === true };
  if (d.waitMs !== undefined) {
    return { ...base, disposition: 'waiting', requeueAfterMs: d.waitMs, event: 'Normal', logLevel: 'info' };
  }
  if (!d.retryable && d.needsChange === true) {
    return { ...base, disposition: 'stalled', event: 'Warning', logLevel: 'error' };
  }
  return {
    ...base,
    disposition: 'retry',
    condition: d.condition,
    // A delay asked for by a non-retryable answer would pace nothing: the fix is made elsewhere.
    retryAfterMs: d.retryable ? d.retryAfterMs : undefined,
    event: 'Warning',
    logLevel: 'error',
  };
}

/**
 * The work queue's next move after a classified failure. A retry's delay is capped by the larger of
 * --max-retry-delay and the interval: never sooner than asked, never parked longer than a poll would be.
 */
export function requeueFor(
  failure: Failure,
  limits: { maxRetryDelayMs: number; intervalMs: number },
): ReconcileOutcome {
  switch (failure.disposition) {
    case 'stalled':
      return { kind: 'done' };
    case 'waiting':
      return { kind: 'requeueAfter', ms: failure.requeueAfterMs };
    case 'retry':
      return {
        kind: 'backoff',
        retryAfterMs: capRetryAfter(
          failure.retryAfterMs,
          Math.max(limits.maxRetryDelayMs, limits.intervalMs),
        ),
      };
  }
}

/**
 * A failure outside the source steps (the finalizer patch, the final status write): a Kubernetes API
 * problem, retried with backoff and any Retry-After of the API server honoured up to --max-retry-delay.
 */
export function requeueForApiFailure(error: unknown, maxRetryDelayMs: number): ReconcileOutcome {
  return {
    kind: 'backoff',
    retryAfterMs: capRetryAfter(
      error instanceof KubeApiError ? error.retryAfterMs : undefined,
      maxRetryDelayMs,
    ),
  };
}

function diagnose(error: unknown, site: FailureSite): Diagnosis {
  if (error instanceof StalledError) {
    return {
      reason: error.reason,
      message: error.message,
      condition: undefined,
      retryable: false,
      needsChange: true,
    };
  }
  if (error instanceof WaitingError) {
    return {
      reason: error.reason,
      message: error.message,
      condition: undefined,
      retryable: true,
      waitMs: error.requeueAfterMs,
    };
  }
  if (error instanceof TransientError) {
    return {
      reason: error.reason,
      message: error.message,
      condition: error.condition,
      retryable: true,
      retryAfterMs: error.retryAfterMs,
    };
  }
  return (
    (site.step === 'publish' || site.step === 'skipUntilDue' ? publishFailure(error, site) : undefined) ??
    (site.step === 'build' ? buildFailure(error, site) : undefined) ??
    libraryFailure(error)
  );
}

/** Writing our ExternalArtifact failed: only Ready reports it (the EA is what failed to say anything). */
function publishFailure(error: unknown, site: FailureSite): Diagnosis {
  if (error instanceof ExternalArtifactConflictError) {
    // Retried with backoff, so the object recovers by itself once the other ExternalArtifact is gone.
    return {
      reason: Reason.ExternalArtifactConflict,
      message: error.message,
      condition: undefined,
      retryable: true,
    };
  }
  return {
    reason: Reason.PatchOperationFailed,
    message: `failed to update ExternalArtifact '${site.namespace}/${site.name}': ${describeError(error)}`,
    condition: undefined,
    retryable: true,
    retryAfterMs: error instanceof KubeApiError ? error.retryAfterMs : undefined,
  };
}

/** A revision that was refused or could not be built or stored; the last artifact stays published. */
function buildFailure(error: unknown, site: FailureSite): Diagnosis | undefined {
  const space = `space '${site.listing?.spaceSlug}' (${site.listing?.refId})`;
  if (error instanceof InvalidUnitError || error instanceof UnsafeNameError) {
    // The data must change in ConfigHub: no spec change is needed, so this is retried, not stalled.
    return {
      reason: Reason.InvalidUnit,
      message: `${space} was refused, the last artifact stays published: ${error.message}`,
      condition: ConditionType.FetchFailed,
      retryable: false,
    };
  }
  if (error instanceof BuildLimitError) {
    return {
      reason: Reason.LimitExceeded,
      message: `${space} was not built, the last artifact stays published: ${error.message}`,
      condition: ConditionType.FetchFailed,
      retryable: true,
    };
  }
  if (error instanceof StorageError) {
    return {
      reason: error.reason,
      message: `failed to store artifact: ${error.message}`,
      condition: ConditionType.StorageOperationFailed,
      retryable: true,
    };
  }
  return undefined;
}

function libraryFailure(error: unknown): Diagnosis {
  if (error instanceof ConfigHubError) {
    return {
      reason: error.reason,
      message: `failed to fetch from ConfigHub: ${error.message}`,
      condition: ConditionType.FetchFailed,
      retryable: error.retryable,
      // A filter or ref the server rejects will not start working by itself: the spec must change.
      needsChange: SPEC_REASONS.has(error.reason),
      retryAfterMs: error.retryAfterMs,
    };
  }
  if (error instanceof StorageError) {
    // A full disk or a permission problem clears without a change to the object.
    return {
      reason: error.reason,
      message: `storage operation failed: ${error.message}`,
      condition: ConditionType.StorageOperationFailed,
      retryable: true,
    };
  }
  return {
    reason: Reason.Failed,
    message: describeError(error),
    condition: undefined,
    retryable: true,
    unexpected: true,
  };
}

export { describeError };
