// Condition types and reasons, named as Flux names them (fluxcd/pkg apis/meta, source-controller api/v1).

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

/** The condition of `type` in a status's list, ours or a Flux object's alike; undefined when absent. */
export function findCondition<C extends { type: string }>(
  conditions: readonly C[] | undefined,
  type: string,
): C | undefined {
  return conditions?.find((c) => c.type === type);
}
