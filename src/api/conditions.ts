// Condition types and reasons, named as Flux names them (fluxcd/pkg apis/meta, source-controller api/v1),
// and the helpers that set them in the manner of fluxcd/pkg runtime/conditions: lastTransitionTime moves
// only when the status flips, and abnormal-true conditions (Reconciling, Stalled, *Failed) are removed
// rather than set to False.
import { stripControl, withoutUserinfo } from '../util/clean-text.ts';
import { sameJson } from '../util/same-json.ts';
import type { Condition } from './v1beta1.ts';

export const ConditionType = {
  Ready: 'Ready',
  Reconciling: 'Reconciling',
  Stalled: 'Stalled',
  ArtifactInStorage: 'ArtifactInStorage',
  ArtifactOutdated: 'ArtifactOutdated',
  FetchFailed: 'FetchFailed',
  StorageOperationFailed: 'StorageOperationFailed',
  Delivered: 'Delivered',
  Drifted: 'Drifted',
} as const;
export type ConditionType = (typeof ConditionType)[keyof typeof ConditionType];

export const Reason = {
  Succeeded: 'Succeeded',
  Failed: 'Failed',
  Progressing: 'Progressing',
  ProgressingWithRetry: 'ProgressingWithRetry',
  Suspended: 'Suspended',
  NewRevision: 'NewRevision',
  ArtifactUpToDate: 'ArtifactUpToDate',
  // Spec and credential problems that need a human (Stalled).
  InvalidSpec: 'InvalidSpec',
  InvalidURL: 'InvalidURL',
  SecretNotFound: 'SecretNotFound',
  InvalidSecret: 'InvalidSecret',
  CrossNamespaceRefNotAllowed: 'CrossNamespaceRefNotAllowed',
  // ConfigHub fetch failures (FetchFailed).
  AuthenticationFailed: 'AuthenticationFailed',
  Forbidden: 'Forbidden',
  SpaceNotFound: 'SpaceNotFound',
  AmbiguousSpace: 'AmbiguousSpace',
  RefNotFound: 'RefNotFound',
  InvalidFilter: 'InvalidFilter',
  UpstreamUnavailable: 'UpstreamUnavailable',
  IntegrityError: 'IntegrityError',
  LimitExceeded: 'LimitExceeded',
  InvalidUnit: 'InvalidUnit',
  /** The selection matched no unit: publishing an empty tree would make consumers prune everything. */
  NoUnitsSelected: 'NoUnitsSelected',
  FetchFailed: 'FetchFailed',
  // A head revision held back because ConfigHub would not release it (spec.gates.mode: hold).
  /** A unit has failed validation gates (`ValidationErrors`). */
  ValidationFailed: 'ValidationFailed',
  /** A unit has open apply gates: its validation triggers have not run yet; clears by itself. */
  GatesPending: 'GatesPending',
  /** A unit's data still holds ConfigHub placeholders (`confighubplaceholder…`, 999999999). */
  UnresolvedPlaceholders: 'UnresolvedPlaceholders',
  /** The pre-minted ConfigHub token in the Secret expires soon (a Warning event). */
  TokenExpiring: 'TokenExpiring',
  // Storage failures (StorageOperationFailed).
  ArchiveOperationFailed: 'ArchiveOperationFailed',
  DirectoryCreationFailed: 'DirectoryCreationFailed',
  StatOperationFailed: 'StatOperationFailed',
  InvalidPath: 'InvalidPath',
  StorageOperationFailed: 'StorageOperationFailed',
  ArtifactVerificationFailed: 'ArtifactVerificationFailed',
  PatchOperationFailed: 'PatchOperationFailed',
  /** An ExternalArtifact of the same name exists and belongs to something else: it is left alone. */
  ExternalArtifactConflict: 'ExternalArtifactConflict',
  // Events only.
  NewArtifact: 'NewArtifact',
  GarbageCollectionSucceeded: 'GarbageCollectionSucceeded',
  GarbageCollectionFailed: 'GarbageCollectionFailed',
} as const;
export type Reason = (typeof Reason)[keyof typeof Reason];

export interface ConditionInput {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
}

/** The condition of `type` in a status's list, ours or a Flux object's alike; undefined when absent. */
export function findCondition<C extends { type: string }>(
  conditions: readonly C[] | undefined,
  type: string,
): C | undefined {
  return conditions?.find((c) => c.type === type);
}

/** Returns a new list with the condition set; keeps lastTransitionTime when the status is unchanged. */
export function setCondition(
  conditions: readonly Condition[],
  input: ConditionInput,
  observedGeneration: number | undefined,
  now: string,
): Condition[] {
  const previous = findCondition(conditions, input.type);
  const next: Condition = {
    type: input.type,
    status: input.status,
    ...(observedGeneration !== undefined ? { observedGeneration } : {}),
    lastTransitionTime:
      previous !== undefined && previous.status === input.status ? previous.lastTransitionTime : now,
    reason: input.reason,
    message: truncateMessage(input.message),
  };
  const others = conditions.filter((c) => c.type !== input.type);
  return sortConditions([...others, next]);
}

export function removeCondition(conditions: readonly Condition[], type: string): Condition[] {
  return conditions.filter((c) => c.type !== type);
}

/** Ready first, then Reconciling and Stalled, then the rest alphabetically, as `kubectl describe` reads best. */
const ORDER = ['Ready', 'Reconciling', 'Stalled'];
function sortConditions(conditions: Condition[]): Condition[] {
  const rank = (c: Condition) => {
    const i = ORDER.indexOf(c.type);
    return i === -1 ? ORDER.length : i;
  };
  return conditions.sort((a, b) => rank(a) - rank(b) || a.type.localeCompare(b.type));
}

/** metav1.Condition allows 32768 characters; control characters never reach `kubectl` output. */
function truncateMessage(raw: string): string {
  const message = stripControl(withoutUserinfo(raw));
  return message.length > 32_000 ? `${message.slice(0, 32_000)}…` : message;
}

/** Equality that ignores lastTransitionTime, for "did anything change" decisions. */
export function sameConditions(
  a: readonly Condition[] | undefined,
  b: readonly Condition[] | undefined,
): boolean {
  const strip = (list: readonly Condition[] | undefined) =>
    (list ?? [])
      .map(({ lastTransitionTime: _t, ...rest }) => rest)
      .sort((x, y) => x.type.localeCompare(y.type));
  return sameJson(strip(a), strip(b));
}
