// ConfigHub API client: public surface for the controller and the CLI.
export {
  type Authenticator,
  type Credentials,
  checkCredentials,
  credentialsFromSecretData,
  decodeJwtClaims,
} from './auth.ts';
export { createLruDataCache, type DataCache, type LruDataCache } from './cache.ts';
export {
  ConfigHubClient,
  type ConfigHubClientOptions,
  DEFAULT_USER_AGENT,
  type FetchedUnit,
  type FetchOptions,
  type ListedUnit,
  type ListRequest,
  listingFingerprint,
  normalizeServer,
  type SkippedUnit,
  type SpaceListing,
  type SpaceSnapshot,
} from './client.ts';
export {
  AbortedError,
  AmbiguousSpaceError,
  AuthenticationFailedError,
  ConfigHubError,
  ForbiddenError,
  IntegrityError,
  InvalidCredentialsError,
  InvalidFilterError,
  InvalidResponseError,
  LimitExceededError,
  RefNotFoundError,
  SpaceNotFoundError,
  UnitChangedError,
  UpstreamUnavailableError,
} from './errors.ts';
export {
  DEFAULT_LIMITS,
  DEFAULT_RETRY,
  type Limits,
  type RequestEvent,
  type RetryPolicy,
  type TlsOptions,
} from './http.ts';
export { parseRefSelector, type RefSelector, refIdOf, refSelectorFromSpec } from './ref.ts';
export { EMPTY_SHA256 } from './schemas.ts';
