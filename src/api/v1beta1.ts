// ConfigHubRepository (source.confighub.com/v1beta1): zod schemas for what we read and write.
// The served contract is crds/source.confighub.com_confighubrepositories.yaml; a test keeps both in step.
import { z } from 'zod';
import { DEFAULT_CONFIGHUB_URL, DEFAULT_TIMEOUT, DEFAULT_TOOLCHAINS, MAX_STATUS_UNITS } from './constants.ts';
import {
  INTERVAL_PATTERN,
  MAX_DURATION,
  MAX_DURATION_LENGTH,
  MAX_DURATION_MS,
  parseDuration,
  TIMEOUT_PATTERN,
} from './duration.ts';

/** Durations past the maximum are refused rather than silently clamped. */
const withinMaximum = (text: string): boolean => (parseDuration(text) ?? 0) <= MAX_DURATION_MS;

export const SLUG_PATTERN = '^[A-Za-z0-9]([A-Za-z0-9_.-]{0,126}[A-Za-z0-9])?$';
export const UUID_PATTERN = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';
export const SPACE_PATTERN = `(${SLUG_PATTERN})|(${UUID_PATTERN})`;
export const RELEASE_PATTERN = '^(latest|[1-9][0-9]{0,9})$';
export const URL_PATTERN = '^https?://[^\\s/?#@]+(/[^\\s?#]*)?$';
export const MAX_WHERE_LENGTH = 8192;

/**
 * A reference to a Secret. `namespace` exists only so that a cross-namespace reference is refused with a
 * clear message instead of being pruned silently; it must equal the object's own namespace.
 */
const secretReference = z.object({
  name: z.string().min(1).max(253),
  namespace: z.string().min(1).max(63).optional(),
});

export const repositoryRefSchema = z
  .object({
    tag: z.string().regex(new RegExp(SLUG_PATTERN)).optional(),
    release: z.string().regex(new RegExp(RELEASE_PATTERN)).optional(),
  })
  .refine((ref) => !(ref.tag !== undefined && ref.release !== undefined), {
    message: 'at most one of ref.tag and ref.release may be set',
  });

/**
 * The `target` of a Flux ignore rule (Kustomization `spec.driftDetection.ignore`, HelmRelease
 * `spec.driftDetection.ignore`, our `spec.drift.ignore`): each field a regular expression, all optional.
 */
export const ignoreTargetShape = {
  group: z.string().optional(),
  version: z.string().optional(),
  kind: z.string().optional(),
  name: z.string().optional(),
  namespace: z.string().optional(),
};
export type IgnoreTarget = z.infer<z.ZodObject<typeof ignoreTargetShape>>;

export const driftSpecSchema = z.object({
  mode: z.enum(['disabled', 'report']).default('disabled'),
  ignore: z
    .array(
      z.object({
        paths: z.array(z.string().min(1)).min(1),
        target: z.object(ignoreTargetShape).optional(),
      }),
    )
    .max(64)
    .optional(),
});

/**
 * What to do with a head revision ConfigHub itself would not release (validation errors, open apply
 * gates, unresolved placeholders): `hold` keeps the last artifact, `ignore` publishes and says so.
 */
export const gatesSpecSchema = z.object({
  mode: z.enum(['hold', 'ignore']).default('hold'),
});

export const repositorySpecSchema = z.object({
  interval: z
    .string()
    .max(MAX_DURATION_LENGTH)
    .regex(new RegExp(INTERVAL_PATTERN), 'must be a duration such as 5m or 1h30m')
    .refine(withinMaximum, `must be at most ${MAX_DURATION}`),
  timeout: z
    .string()
    .max(MAX_DURATION_LENGTH)
    .regex(new RegExp(TIMEOUT_PATTERN), 'must be a duration above 0s such as 60s or 2m')
    .refine((text) => (parseDuration(text) ?? 0) > 0, 'must be greater than 0s')
    .refine(withinMaximum, `must be at most ${MAX_DURATION}`)
    .default(DEFAULT_TIMEOUT),
  suspend: z.boolean().optional(),
  url: z.string().regex(new RegExp(URL_PATTERN), 'must be an http(s) URL').default(DEFAULT_CONFIGHUB_URL),
  space: z.string().regex(new RegExp(SPACE_PATTERN), 'must be a space slug or UUID'),
  secretRef: secretReference,
  where: z
    .string()
    .max(MAX_WHERE_LENGTH)
    .refine((w) => !w.includes('\\'), 'must not contain a backslash (ConfigHub has no escape in literals)')
    .optional(),
  ref: repositoryRefSchema.optional(),
  toolchains: z
    .array(z.string().min(1))
    .min(1)
    .default(() => [...DEFAULT_TOOLCHAINS]),
  certSecretRef: secretReference.optional(),
  insecure: z.boolean().optional(),
  drift: driftSpecSchema.optional(),
  gates: gatesSpecSchema.optional(),
});
export type RepositorySpec = z.infer<typeof repositorySpecSchema>;
export type RepositoryRef = z.infer<typeof repositoryRefSchema>;

export const conditionSchema = z.object({
  type: z.string(),
  status: z.enum(['True', 'False', 'Unknown']),
  observedGeneration: z.number().int().optional(),
  lastTransitionTime: z.string(),
  reason: z.string(),
  message: z.string(),
});
export type Condition = z.infer<typeof conditionSchema>;

export const artifactSchema = z.object({
  path: z.string(),
  url: z.string(),
  revision: z.string(),
  digest: z.string(),
  lastUpdateTime: z.string(),
  size: z.number().int().optional(),
  metadata: z.record(z.string(), z.string()).optional(),
});
export type Artifact = z.infer<typeof artifactSchema>;

export const fetchedUnitSchema = z.object({
  slug: z.string(),
  unitID: z.string(),
  revisionNum: z.number().int(),
  dataHash: z.string(),
});
export type FetchedUnit = z.infer<typeof fetchedUnitSchema>;

export const fetchedSummarySchema = z.object({
  spaceID: z.string(),
  spaceSlug: z.string().optional(),
  ref: z.string(),
  /** sha256 over the listed (unit, revision, DataHash) set: an unchanged fingerprint means nothing to download. */
  fingerprint: z.string().optional(),
  unitCount: z.number().int(),
  units: z.array(fetchedUnitSchema).max(MAX_STATUS_UNITS).optional(),
  unitsTruncated: z.boolean().optional(),
  /** `ConfigHub-Version` of the server that answered. */
  serverVersion: z.string().optional(),
  /** Release mode: the release's OCI manifest digest (what an OCIRepository on ConfigHub's gateway records). */
  releaseManifestDigest: z.string().optional(),
  /** Release mode: slugs (or IDs) of the units the release skipped. */
  skippedUnits: z.array(z.string()).max(MAX_STATUS_UNITS).optional(),
  /** With `spec.gates.mode: ignore`: what would have held this artifact, one line per unit. */
  ignoredGates: z.array(z.string()).max(MAX_STATUS_UNITS).optional(),
});
export type FetchedSummary = z.infer<typeof fetchedSummarySchema>;

export const consumerStatusSchema = z.object({
  kind: z.string(),
  namespace: z.string(),
  name: z.string(),
  ready: z.string().optional(),
  reason: z.string().optional(),
  message: z.string().optional(),
  lastAppliedRevision: z.string().optional(),
  lastAttemptedRevision: z.string().optional(),
  drifted: z.boolean().optional(),
  lastDriftTime: z.string().optional(),
});
export type ConsumerStatus = z.infer<typeof consumerStatusSchema>;

export const repositoryStatusSchema = z.looseObject({
  observedGeneration: z.number().int().optional(),
  conditions: z.array(conditionSchema).optional(),
  artifact: artifactSchema.optional(),
  lastHandledReconcileAt: z.string().optional(),
  fetched: fetchedSummarySchema.optional(),
  consumers: z.array(consumerStatusSchema).optional(),
});
export type RepositoryStatus = z.infer<typeof repositoryStatusSchema>;

export const objectMetaSchema = z.looseObject({
  name: z.string(),
  namespace: z.string().optional(),
  uid: z.string().optional(),
  resourceVersion: z.string().optional(),
  generation: z.number().int().optional(),
  creationTimestamp: z.string().optional(),
  deletionTimestamp: z.string().optional(),
  labels: z.record(z.string(), z.string()).optional(),
  annotations: z.record(z.string(), z.string()).optional(),
  finalizers: z.array(z.string()).optional(),
});

/** A ConfigHubRepository as read from the API: metadata and status loose, spec left raw for validation. */
export const repositoryObjectSchema = z.looseObject({
  apiVersion: z.string(),
  kind: z.string(),
  metadata: objectMetaSchema,
  spec: z.unknown(),
  status: repositoryStatusSchema.optional(),
});
export type RepositoryObject = z.infer<typeof repositoryObjectSchema>;

/** Turns a zod error into one precise line, e.g. `spec.interval: must be a duration such as 5m or 1h30m`. */
export function describeSpecError(error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      const path = ['spec', ...issue.path.map(String)].join('.');
      return `${path}: ${issue.message}`;
    })
    .join('; ');
}
