// Public API of the artifact package: build, digest, store, serve.
export {
  DIGEST_PATTERN,
  isDigest,
  makeRevision,
  type ParsedDigest,
  parseDigest,
  REVISION_PATTERN,
  sha256Digest,
  sha256Hex,
} from './digest.ts';
export {
  DigestError,
  InvalidUnitError,
  StorageError,
  StorageErrorReason,
  UnsafeNameError,
  UnsafePathError,
} from './errors.ts';
export {
  forgetValidatedContent,
  KUBERNETES_TOOLCHAIN,
  KUSTOMIZATION_FILE,
  type LayoutOptions,
  type UnitInput,
  unitsToFiles,
} from './layout.ts';
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
