// ConfigHubRepository status: what the controller writes and reads back. Every field is typed here,
// and the CRD's status schema is generated from these definitions.
import { z } from 'zod';
import { MAX_STATUS_CONSUMERS, MAX_STATUS_UNITS } from './constants.ts';
import { driftReportSchema } from './drift-report.ts';
import { int64, listMap } from './schema-meta.ts';

/** metav1.Condition, with the bounds the API server puts on it. */
export const conditionSchema = z
  .object({
    type: z.string().max(316).describe('type of condition in CamelCase or in foo.example.com/CamelCase.'),
    status: z
      .enum(['True', 'False', 'Unknown'])
      .describe('status of the condition, one of True, False, Unknown.'),
    observedGeneration: int64(
      z
        .number()
        .int()
        .min(0)
        .optional()
        .describe(
          'observedGeneration represents the .metadata.generation that the condition was set based upon. ' +
            'For instance, if .metadata.generation is currently 12, but the ' +
            '.status.conditions[x].observedGeneration is 9, the condition is out of date with respect to ' +
            'the current state of the instance.',
        ),
    ),
    lastTransitionTime: z.iso
      .datetime({ offset: true })
      .describe(
        'lastTransitionTime is the last time the condition transitioned from one status to another. ' +
          'This should be when the underlying condition changed. If that is not known, then using the ' +
          'time when the API field changed is acceptable.',
      ),
    reason: z
      .string()
      .min(1)
      .max(1024)
      .describe(
        "reason contains a programmatic identifier indicating the reason for the condition's last " +
          'transition, in CamelCase, e.g. Succeeded, FetchFailed or InvalidSpec.',
      ),
    message: z
      .string()
      .max(32768)
      .describe(
        'message is a human readable message indicating details about the transition. This may be an ' +
          'empty string.',
      ),
  })
  .describe('Condition contains details for one aspect of the current state of this API Resource.');
export type Condition = z.infer<typeof conditionSchema>;

/** Flux's Artifact (fluxcd/pkg apis/meta), as the ExternalArtifact carries it too. */
export const artifactSchema = z.object({
  path: z
    .string()
    .describe(
      'Path is the relative file path of the Artifact. It can be used to locate the file in the root ' +
        'of the Artifact storage on the local file system of the controller managing the Source.',
    ),
  url: z
    .string()
    .describe(
      'URL is the HTTP address of the Artifact as exposed by the controller managing the Source. It ' +
        'can be used to retrieve the Artifact for consumption, e.g. by another controller applying the ' +
        'Artifact contents.',
    ),
  revision: z
    .string()
    .describe(
      'Revision is a human-readable identifier traceable in the origin source system: ' +
        '<ref>@sha256:<digest hex>, with <ref> one of head, tag-<slug> or release-<number>.',
    ),
  digest: z
    .string()
    .regex(/^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/)
    .describe("Digest is the digest of the file in the form of '<algorithm>:<checksum>'."),
  lastUpdateTime: z.iso
    .datetime({ offset: true })
    .describe('LastUpdateTime is the timestamp corresponding to the last update of the Artifact.'),
  size: int64(z.number().int().optional().describe('Size is the number of bytes in the file.')),
  metadata: z
    .record(z.string(), z.string())
    .optional()
    .describe(
      'Metadata holds upstream information: the ConfigHub space (org.opencontainers.image.source), the ' +
        'revision of its units (org.opencontainers.image.revision), and the ref and space that were read.',
    ),
});
export type Artifact = z.infer<typeof artifactSchema>;

export const fetchedUnitSchema = z.object({
  slug: z.string().describe('Slug of the unit in ConfigHub; its file in the artifact is <slug>.yaml.'),
  unitID: z.string().describe('UnitID is the UUID of the unit in ConfigHub.'),
  revisionNum: z.number().int().describe('RevisionNum is the number of the unit revision that was packaged.'),
  dataHash: z.string().describe("DataHash is ConfigHub's hash of the packaged revision's data."),
});
export type FetchedUnit = z.infer<typeof fetchedUnitSchema>;

export const fetchedSummarySchema = z.object({
  spaceID: z.string().describe('SpaceID is the UUID of the space that was read.'),
  spaceSlug: z.string().optional().describe('SpaceSlug is the slug of the space that was read.'),
  ref: z.string().describe('Ref tells which revisions were read: head, tag-<slug> or release-<number>.'),
  /** sha256 over the listed (unit, revision, DataHash) set: an unchanged fingerprint means nothing to download. */
  fingerprint: z
    .string()
    .optional()
    .describe(
      'Fingerprint is a sha256 over the ID, slug, revision number and DataHash of every packaged unit; ' +
        'it changes when any unit changes.',
    ),
  unitCount: z.number().int().describe('UnitCount is the number of units packaged into the artifact.'),
  units: z
    .array(fetchedUnitSchema)
    .max(MAX_STATUS_UNITS)
    .optional()
    .describe(`Units lists the packaged unit revisions, at most ${MAX_STATUS_UNITS}, for traceability.`),
  unitsTruncated: z
    .boolean()
    .optional()
    .describe(
      `UnitsTruncated is true when more than ${MAX_STATUS_UNITS} units were packaged and units lists only the first.`,
    ),
  serverVersion: z
    .string()
    .optional()
    .describe('ServerVersion is the ConfigHub-Version of the server that answered.'),
  releaseManifestDigest: z
    .string()
    .optional()
    .describe(
      "ReleaseManifestDigest is the release's OCI manifest digest, as an OCIRepository reading the " +
        "release from ConfigHub's gateway would record it (spec.ref.release only).",
    ),
  skippedUnits: z
    .array(z.string())
    .max(MAX_STATUS_UNITS)
    .optional()
    .describe(
      `SkippedUnits lists the units the release left out (spec.ref.release only), at most ${MAX_STATUS_UNITS}.`,
    ),
  ignoredGates: z
    .array(z.string())
    .max(MAX_STATUS_UNITS)
    .optional()
    .describe(
      'IgnoredGates lists, one line per unit, what would have held this artifact back with ' +
        `spec.gates.mode hold (validation errors, open apply gates, placeholders), at most ${MAX_STATUS_UNITS}.`,
    ),
});
export type FetchedSummary = z.infer<typeof fetchedSummarySchema>;

export const consumerStatusSchema = z.object({
  kind: z.string().describe('Kind of the consumer: Kustomization or HelmRelease.'),
  namespace: z.string().describe('Namespace of the consumer.'),
  name: z.string().describe('Name of the consumer.'),
  ready: z
    .string()
    .optional()
    .describe("Ready is the status of the consumer's Ready condition (True, False, Unknown), or Suspended."),
  reason: z.string().optional().describe("Reason of the consumer's Ready condition."),
  message: z.string().optional().describe("Message of the consumer's Ready condition."),
  lastAppliedRevision: z
    .string()
    .optional()
    .describe('LastAppliedRevision is the last artifact revision the consumer applied successfully.'),
  lastAttemptedRevision: z
    .string()
    .optional()
    .describe('LastAttemptedRevision is the last artifact revision the consumer tried to apply.'),
  drifted: z
    .boolean()
    .optional()
    .describe('Drifted is true while the consumer reports drift it has not corrected.'),
  lastDriftTime: z
    .string()
    .optional()
    .describe('LastDriftTime is when the consumer last reported or corrected drift.'),
});
export type ConsumerStatus = z.infer<typeof consumerStatusSchema>;

export const repositoryStatusSchema = z.object({
  observedGeneration: int64(
    z
      .number()
      .int()
      .optional()
      .describe('ObservedGeneration is the last observed generation of the ConfigHubRepository object.'),
  ),
  conditions: listMap(z.array(conditionSchema), ['type'])
    .optional()
    .describe(
      'Conditions holds the conditions for the ConfigHubRepository: Ready, Reconciling and Stalled as ' +
        'for any Flux source, ArtifactInStorage, ArtifactOutdated, FetchFailed and ' +
        'StorageOperationFailed about the artifact, and Delivered and Drifted about what Flux did with it.',
    ),
  artifact: artifactSchema
    .optional()
    .describe(
      'Artifact represents the last successful ConfigHubRepository reconciliation; the ExternalArtifact ' +
        'of the same name carries the same Artifact.',
    ),
  lastHandledReconcileAt: z
    .string()
    .optional()
    .describe(
      'LastHandledReconcileAt holds the value of the most recent reconcile request value, so a change ' +
        'of the annotation value can be detected.',
    ),
  fetched: fetchedSummarySchema
    .optional()
    .describe('Fetched tells what the last successful fetch read from ConfigHub.'),
  consumers: z
    .array(consumerStatusSchema)
    .max(MAX_STATUS_CONSUMERS)
    .optional()
    .describe(
      'Consumers lists the Kustomizations and HelmReleases that reference the ExternalArtifact, and ' +
        `what each did with the artifact, at most ${MAX_STATUS_CONSUMERS}.`,
    ),
  drift: driftReportSchema
    .optional()
    .describe(
      'Drift is the report-only drift report: how the objects Flux applied from this artifact differ ' +
        'from it in the cluster. Written only with spec.drift.mode report (or the --drift-detection=report ' +
        'flag); nothing is corrected.',
    ),
});
export type RepositoryStatus = z.infer<typeof repositoryStatusSchema>;
