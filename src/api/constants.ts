// Wire constants. Everything here is API: renaming a value is a breaking change for users,
// their RBAC, their label selectors and their alerts.

export const GROUP = 'source.confighub.com';
export const VERSION = 'v1beta1';
export const API_VERSION = `${GROUP}/${VERSION}`;
export const KIND = 'ConfigHubRepository';
export const PLURAL = 'confighubrepositories';
export const SINGULAR = 'confighubrepository';
export const SHORT_NAME = 'chr';

/** Name of this controller: field manager, event source, reportingController, lease prefix. */
export const CONTROLLER_NAME = 'confighub-source-controller';
export const FIELD_MANAGER = CONTROLLER_NAME;
export const FINALIZER = `${GROUP}/finalizer`;

/** Flux's ExternalArtifact (source-controller >= v1.7, Flux >= v2.7). */
export const FLUX_SOURCE_GROUP = 'source.toolkit.fluxcd.io';
export const EA_VERSION = 'v1';
export const EA_API_VERSION = `${FLUX_SOURCE_GROUP}/${EA_VERSION}`;
export const EA_KIND = 'ExternalArtifact';
export const EA_PLURAL = 'externalartifacts';

/** Flux consumers. */
export const KUSTOMIZE_GROUP = 'kustomize.toolkit.fluxcd.io';
export const KUSTOMIZATION_VERSION = 'v1';
export const KUSTOMIZATION_PLURAL = 'kustomizations';
export const HELM_GROUP = 'helm.toolkit.fluxcd.io';
export const HELMRELEASE_VERSION = 'v2';
export const HELMRELEASE_PLURAL = 'helmreleases';

/** Labels put on objects we create. */
export const LABEL_MANAGED_BY = 'app.kubernetes.io/managed-by';
/** At most 63 characters: longer names are hashed (see name-label.ts); the full name is in ANNOTATION_REPOSITORY_NAME. */
export const LABEL_REPOSITORY_NAME = `${GROUP}/name`;
export const ANNOTATION_REPOSITORY_NAME = `${GROUP}/name`;
export const LABEL_REPOSITORY_NAMESPACE = `${GROUP}/namespace`;
/** Flux's sharding label, selected with --watch-label-selector. */
export const LABEL_SHARD = 'sharding.fluxcd.io/key';

/** Annotations Flux users already know. */
export const ANNOTATION_REQUESTED_AT = 'reconcile.fluxcd.io/requestedAt';
/** Event metadata keys (Flux convention: `<api group>/revision`, `<api group>/digest`). */
export const EVENT_META_REVISION = `${GROUP}/revision`;
export const EVENT_META_DIGEST = `${GROUP}/digest`;
/** Object annotations with this prefix are copied into every event's metadata, as Flux does. */
export const EVENT_ANNOTATION_PREFIX = 'event.toolkit.fluxcd.io/';

/** Storage layout: `<lowercased kind>/<namespace>/<name>/<sha256 hex>.tar.gz`, as Flux sources do. */
export const STORAGE_KIND_DIR = SINGULAR;

/** Secret keys for ConfigHub credentials. */
export const SECRET_KEY_TOKEN = 'token';
export const SECRET_KEY_WORKER_ID = 'workerID';
export const SECRET_KEY_WORKER_SECRET = 'workerSecret';
/** Identity or ServiceAccount key: the private Ed25519 JWK, and optionally the identity and audience. */
export const SECRET_KEY_PRIVATE_KEY = 'privateKey';
export const SECRET_KEY_SUBJECT = 'subject';
export const SECRET_KEY_AUDIENCE = 'audience';
/** Keys of certSecretRef, as Flux's TLS secrets name them. */
export const SECRET_KEY_CA = 'ca.crt';
export const SECRET_KEY_TLS_CERT = 'tls.crt';
export const SECRET_KEY_TLS_KEY = 'tls.key';

export const DEFAULT_CONFIGHUB_URL = 'https://hub.confighub.com';
export const DEFAULT_TIMEOUT = '60s';
export const DEFAULT_TOOLCHAINS = ['Kubernetes/YAML'] as const;

/** Bound on per-unit traceability entries kept in status. */
export const MAX_STATUS_UNITS = 200;
/** Bound on the Flux consumers listed in status.consumers. */
export const MAX_STATUS_CONSUMERS = 50;
