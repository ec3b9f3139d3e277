// Typed errors of the artifact path. Each carries the Flux condition reason the controller reports,
// so the reconciler never has to parse a message. Messages name the offending unit, path or file but
// never carry unit content or credentials.
import { Reason } from '../api/conditions.ts';
import { errorCode } from '../util/errors.ts';
import { quoteName } from './quote.ts';

/** A unit slug that cannot safely become a file name in the artifact. */
export class UnsafeNameError extends Error {
  override readonly name = 'UnsafeNameError';
  readonly reason = Reason.InvalidUnit;
  readonly slug: string;

  constructor(slug: string, problem: string) {
    super(`unit slug ${quoteName(slug)} cannot be used as a file name: ${problem}`);
    this.slug = slug;
  }
}

/** A unit whose data is not a valid set of Kubernetes objects; the whole revision is refused. */
export class InvalidUnitError extends Error {
  override readonly name = 'InvalidUnitError';
  readonly reason = Reason.InvalidUnit;
  readonly unit: string;
  /** 1-based position of the YAML problem, when the parser reported one. */
  readonly line: number | undefined;
  readonly column: number | undefined;

  constructor(
    unit: string,
    problem: string,
    position?: { line: number; column: number },
    verdict = 'is not valid Kubernetes YAML',
  ) {
    const where = position ? ` at line ${position.line}, column ${position.column}` : '';
    super(`unit ${quoteName(unit)} ${verdict}${where}: ${problem}`);
    this.unit = unit;
    this.line = position?.line;
    this.column = position?.column;
  }
}

/** How a kustomization refused by the policy is described (see kustomization-policy.ts). */
export const POLICY_VERDICT = 'is refused by the kustomization policy';

/**
 * A build that would exceed a bound the controller sets on itself: its time budget (spec.timeout), the
 * memory of concurrent builds (--build-memory-limit) or the heap of a validation worker. The revision is
 * refused for now and retried; the last artifact stays published.
 */
export class BuildLimitError extends Error {
  override readonly name = 'BuildLimitError';
  readonly reason = Reason.LimitExceeded;
}

/** An archive entry path that could escape the extraction directory or needs a non-ustar header. */
export class UnsafePathError extends Error {
  override readonly name = 'UnsafePathError';
  readonly reason = Reason.ArchiveOperationFailed;
  readonly path: string;

  constructor(path: string, problem: string) {
    super(`archive path ${quoteName(path)} is not allowed: ${problem}`);
    this.path = path;
  }
}

/** A digest or revision string that does not have the shape Flux consumers accept. */
export class DigestError extends Error {
  override readonly name = 'DigestError';
  readonly reason = Reason.IntegrityError;

  constructor(value: string, problem: string) {
    super(`${quoteName(value)} ${problem}`);
  }
}

export const StorageErrorReason = {
  DirectoryCreationFailed: Reason.DirectoryCreationFailed,
  ArchiveOperationFailed: Reason.ArchiveOperationFailed,
  StatOperationFailed: Reason.StatOperationFailed,
  InvalidPath: Reason.InvalidPath,
} as const;
export type StorageErrorReason = (typeof StorageErrorReason)[keyof typeof StorageErrorReason];

/** A failed storage operation; `reason` is the Flux reason for the StorageOperationFailed condition. */
export class StorageError extends Error {
  override readonly name = 'StorageError';
  readonly reason: StorageErrorReason;

  constructor(reason: StorageErrorReason, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.reason = reason;
  }
}

/** A stored artifact that cannot be read back: not gzip, not the ustar we write, or invalid YAML in it. */
export class ArtifactReadError extends Error {
  override readonly name = 'ArtifactReadError';
  readonly reason = Reason.ArchiveOperationFailed;
}

/** `ENOENT`-style code of a Node fs error, for messages that must not echo arbitrary error text. */
export function errnoCode(error: unknown): string {
  return errorCode(error) ?? 'unknown error';
}
