// Typed failures of the ConfigHub client. Each carries the condition reason the controller reports,
// whether trying again later can help, and the route *template* (never a URL with IDs or a query).
import { Reason } from '../api/conditions.ts';

export interface ConfigHubErrorDetails {
  /** Route template such as `GET /api/space/{space_id}/unit`; absent for failures before any request. */
  route?: string;
  /** HTTP status of the response that caused the failure, when there was one. */
  status?: number;
  /** How long the server asked us to wait (Retry-After), in milliseconds. */
  retryAfterMs?: number;
  cause?: unknown;
}

export class ConfigHubError extends Error {
  readonly reason: Reason;
  readonly retryable: boolean;
  readonly route: string | undefined;
  readonly status: number | undefined;
  readonly retryAfterMs: number | undefined;

  constructor(reason: Reason, retryable: boolean, message: string, details: ConfigHubErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = new.target.name;
    this.reason = reason;
    this.retryable = retryable;
    this.route = details.route;
    this.status = details.status;
    this.retryAfterMs = details.retryAfterMs;
  }
}

/** The credential was rejected (401), also after one fresh worker token exchange. */
export class AuthenticationFailedError extends ConfigHubError {
  constructor(message: string, details?: ConfigHubErrorDetails) {
    super(Reason.AuthenticationFailed, false, message, details);
  }
}

/** The credential is valid but may not read the space (403). */
export class ForbiddenError extends ConfigHubError {
  constructor(message: string, details?: ConfigHubErrorDetails) {
    super(Reason.Forbidden, false, message, details);
  }
}

/** The credential material itself is unusable (empty token, missing worker secret). */
export class InvalidCredentialsError extends ConfigHubError {
  constructor(message: string) {
    super(Reason.InvalidSecret, false, message);
  }
}

export class SpaceNotFoundError extends ConfigHubError {
  constructor(message: string, details?: ConfigHubErrorDetails) {
    super(Reason.SpaceNotFound, false, message, details);
  }
}

export class AmbiguousSpaceError extends ConfigHubError {
  constructor(message: string, details?: ConfigHubErrorDetails) {
    super(Reason.AmbiguousSpace, false, message, details);
  }
}

/** The tag or release named by the ref does not exist (or the release is not published). */
export class RefNotFoundError extends ConfigHubError {
  constructor(message: string, details?: ConfigHubErrorDetails) {
    super(Reason.RefNotFound, false, message, details);
  }
}

/** The `where` expression is unsafe locally or was rejected by the server (400). */
export class InvalidFilterError extends ConfigHubError {
  constructor(message: string, details?: ConfigHubErrorDetails) {
    super(Reason.InvalidFilter, false, message, details);
  }
}

/** 5xx, 429 after retries, timeouts, connection errors, refused redirects, HTML instead of JSON. */
export class UpstreamUnavailableError extends ConfigHubError {
  constructor(message: string, details?: ConfigHubErrorDetails) {
    super(Reason.UpstreamUnavailable, true, message, details);
  }
}

/**
 * A response that does not have the documented shape: truncated or invalid JSON, a `[null]` element,
 * a field of the wrong type. Reported as UpstreamUnavailable since the server is not answering usefully.
 */
export class InvalidResponseError extends UpstreamUnavailableError {}

/** sha256 of the downloaded bytes differs from the DataHash ConfigHub published for them. */
export class IntegrityError extends ConfigHubError {
  constructor(message: string, details?: ConfigHubErrorDetails) {
    super(Reason.IntegrityError, true, message, details);
  }
}

/** A response, a unit, the page count or the unit count is above the configured bound. */
export class LimitExceededError extends ConfigHubError {
  constructor(message: string, details?: ConfigHubErrorDetails) {
    super(Reason.LimitExceeded, false, message, details);
  }
}

/**
 * A unit changed or disappeared between `list` and `fetch`; the snapshot would not match the listing.
 * Listing again resolves it.
 */
export class UnitChangedError extends ConfigHubError {
  constructor(message: string, details?: ConfigHubErrorDetails) {
    super(Reason.FetchFailed, true, message, details);
  }
}

/** The caller's AbortSignal fired; no further request is made. */
export class AbortedError extends ConfigHubError {
  constructor(message: string, details?: ConfigHubErrorDetails) {
    super(Reason.UpstreamUnavailable, true, message, details);
  }
}
