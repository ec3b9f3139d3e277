// Public API of the artifact package: build, digest, store, serve.

export {
  type BuildEngine,
  type BuildEngineOptions,
  type BuiltTarGz,
  buildTarGzFile,
  createBuildEngine,
} from './build.ts';
export {
  DIGEST_PATTERN,
  isDigest,
  makeRevision,
  type ParsedDigest,
  parseDigest,
  REVISION_PATTERN,
  sha256Digest,
} from './digest.ts';
export {
  ArtifactReadError,
  BuildLimitError,
  DigestError,
  InvalidUnitError,
  StorageError,
  StorageErrorReason,
  UnsafeNameError,
  UnsafePathError,
} from './errors.ts';
export {
  checkUnit,
  KUBERNETES_TOOLCHAIN,
  KUSTOMIZATION_FILE,
  type LayoutOptions,
  type LayoutPlan,
  planLayout,
  type UnitCheck,
  type UnitInput,
  unitsToFiles,
} from './layout.ts';
export { MemoryBudget } from './memory-budget.ts';
export { relativePathProblem } from './paths.ts';
export { type RetainedFile, type RetentionPolicy, selectForDeletion } from './retention.ts';
export {
  DEFAULT_RETENTION_RECORDS,
  DEFAULT_RETENTION_TTL_MS,
  formatTime,
  type ObjectDir,
  Storage,
  type StorageOptions,
  type StoredArtifact,
  type StoreOutcome,
  type StoreResult,
  toArtifact,
  type VerifyResult,
} from './storage.ts';
export {
  type ArtifactFile,
  buildTar,
  buildTarGz,
  DIRECTORY_MODE,
  EXECUTABLE_MODE,
  FILE_MODE,
  GZIP_HEADER,
  gzipDeterministic,
} from './tarball.ts';
export { readTar, readTarGz } from './tarball-reader.ts';
export { type WrittenTarGz, writeTarGz } from './tarball-stream.ts';
export { ValidationCache } from './validation-cache.ts';
export { UnitCheckFailure, ValidatorPool } from './validator-pool.ts';
export { MAX_NESTING_DEPTH, type ObjectHeader } from './yaml-check.ts';
