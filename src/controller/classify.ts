// Turns whatever a reconcile step threw into one of the three typed errors, in one place.
import { ConditionType, Reason } from '../api/conditions.ts';
import { StorageError } from '../artifact/index.ts';
import { ConfigHubError } from '../confighub/index.ts';
import { KubeApiError } from '../kube/errors.ts';
import { StalledError, TransientError, WaitingError } from './errors.ts';

export function classifyError(
  error: unknown,
  onUnexpected: (message: string) => void,
): StalledError | WaitingError | TransientError {
  if (error instanceof StalledError || error instanceof WaitingError || error instanceof TransientError)
    return error;
  if (error instanceof ConfigHubError) {
    const message = `failed to fetch from ConfigHub: ${error.message}`;
    // A filter or ref the server rejects will not start working by itself: the spec must change.
    if (
      error.reason === Reason.InvalidFilter ||
      error.reason === Reason.InvalidSpec ||
      error.reason === Reason.InvalidURL
    ) {
      return new StalledError(error.reason, message);
    }
    return new TransientError(ConditionType.FetchFailed, error.reason, message, error.retryAfterMs);
  }
  if (error instanceof StorageError) {
    return new TransientError(
      ConditionType.StorageOperationFailed,
      error.reason as Reason,
      `storage operation failed: ${error.message}`,
    );
  }
  onUnexpected(describeError(error));
  return new TransientError(undefined, Reason.Failed, describeError(error));
}

export function describeError(error: unknown): string {
  if (error instanceof KubeApiError) return `${error.code} ${error.reason}: ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}
