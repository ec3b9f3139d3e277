// Flux objects that consume our ExternalArtifact, read defensively: only the fields delivery status
// needs, validated with zod, so a Kustomization written by a newer Flux never breaks the controller.
import { z } from 'zod';
import { findCondition } from '../api/conditions.ts';
import { EA_KIND } from '../api/constants.ts';
import { ignoreTargetShape } from '../api/v1beta1.ts';

export const ConsumerKind = { Kustomization: 'Kustomization', HelmRelease: 'HelmRelease' } as const;
export type ConsumerKind = (typeof ConsumerKind)[keyof typeof ConsumerKind];

const conditionSchema = z.looseObject({
  type: z.string(),
  status: z.string(),
  reason: z.string().optional(),
  message: z.string().optional(),
  lastTransitionTime: z.string().optional(),
  observedGeneration: z.number().optional(),
});
export type ConsumerCondition = z.infer<typeof conditionSchema>;

const sourceRefSchema = z.looseObject({
  kind: z.string(),
  name: z.string(),
  namespace: z.string().optional(),
});

const ignoreRuleSchema = z.looseObject({
  paths: z.array(z.string()),
  target: z.looseObject(ignoreTargetShape).optional(),
});
export type ConsumerIgnoreRule = z.infer<typeof ignoreRuleSchema>;

const inventoryEntrySchema = z.looseObject({ id: z.string(), v: z.string() });
export type InventoryEntry = z.infer<typeof inventoryEntrySchema>;

const historyEntrySchema = z.looseObject({
  firstReconciled: z.string().optional(),
  lastReconciled: z.string().optional(),
  metadata: z.record(z.string(), z.string()).optional(),
  chartVersion: z.string().optional(),
});

const consumerObjectSchema = z.looseObject({
  metadata: z.looseObject({
    name: z.string(),
    namespace: z.string(),
    generation: z.number().optional(),
  }),
  spec: z
    .looseObject({
      suspend: z.boolean().optional(),
      sourceRef: sourceRefSchema.optional(),
      chartRef: sourceRefSchema.optional(),
      targetNamespace: z.string().optional(),
      // What kustomize-controller does to the artifact: read leniently here, checked in buildOf, so a
      // field shaped unexpectedly never hides the consumer from delivery status.
      namePrefix: z.unknown().optional(),
      nameSuffix: z.unknown().optional(),
      patches: z.unknown().optional(),
      patchesStrategicMerge: z.unknown().optional(),
      patchesJson6902: z.unknown().optional(),
      components: z.unknown().optional(),
      images: z.unknown().optional(),
      commonMetadata: z.unknown().optional(),
      postBuild: z.unknown().optional(),
      ignore: z.array(ignoreRuleSchema).optional(),
      driftDetection: z.looseObject({ ignore: z.array(ignoreRuleSchema).optional() }).optional(),
    })
    .optional(),
  status: z
    .looseObject({
      observedGeneration: z.number().optional(),
      conditions: z.array(conditionSchema).optional(),
      lastAppliedRevision: z.string().optional(),
      lastAttemptedRevision: z.string().optional(),
      lastAttemptedRevisionDigest: z.string().optional(),
      inventory: z.looseObject({ entries: z.array(inventoryEntrySchema).optional() }).nullish(),
      history: z.array(historyEntrySchema).optional(),
    })
    .optional(),
});

/** What Flux last told us about drift on one consumer, from its events. */
export interface DriftSignal {
  time: string;
  message: string;
}

export interface ConsumerDriftSignals {
  /** HelmRelease `DriftDetected` event. */
  detected?: DriftSignal;
  /** HelmRelease `DriftCorrected`, or a Kustomization re-applying objects at an unchanged revision. */
  corrected?: DriftSignal;
}

/** A consumer as delivery status needs it. */
export interface ConsumerObject {
  kind: ConsumerKind;
  namespace: string;
  name: string;
  generation?: number;
  observedGeneration?: number;
  suspended: boolean;
  conditions: ConsumerCondition[];
  lastAppliedRevision?: string;
  lastAttemptedRevision?: string;
  lastAttemptedRevisionDigest?: string;
  /** Chart version Helm released last (HelmRelease only; carries `+<digest prefix>` for EA charts). */
  lastReleasedChartVersion?: string;
  /** Revision → when Flux first finished reconciling it (Kustomization `status.history`). */
  firstReconciled: Record<string, string>;
  targetNamespace?: string;
  /** What kustomize-controller does to the artifact before applying it (Kustomization only). */
  build?: KustomizeBuild;
  inventory: InventoryEntry[];
  ignore: ConsumerIgnoreRule[];
  signals: ConsumerDriftSignals;
}

/** The Kustomization fields that change what kustomize-controller applies. */
export interface KustomizeBuild {
  targetNamespace?: string;
  namePrefix?: string;
  nameSuffix?: string;
  patches?: unknown[];
  patchesStrategicMerge?: unknown[];
  patchesJson6902?: unknown[];
  components?: string[];
  images?: Array<{ name: string; newName?: string; newTag?: string; digest?: string }>;
  commonMetadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
  postBuild?: {
    substitute?: Record<string, string>;
    substituteFrom?: Array<{ kind: string; name: string; optional?: boolean }>;
  };
  /** Fields present but not shaped as Flux's API says. */
  unreadable?: string[];
}

const BUILD_FIELDS = [
  'targetNamespace',
  'namePrefix',
  'nameSuffix',
  'patches',
  'patchesStrategicMerge',
  'patchesJson6902',
  'components',
  'images',
  'commonMetadata',
  'postBuild',
] as const;

export interface ExternalArtifactRef {
  namespace: string;
  name: string;
}

export const consumerKey = (c: { kind: string; namespace: string; name: string }): string =>
  `${c.kind}/${c.namespace}/${c.name}`;

export const eaKey = (ref: ExternalArtifactRef): string => `${ref.namespace}/${ref.name}`;

/**
 * The ExternalArtifact a Kustomization (`spec.sourceRef`) or HelmRelease (`spec.chartRef`) points at;
 * undefined for any other source kind. A missing namespace means the consumer's own, as in Flux.
 */
export function externalArtifactRefOf(kind: ConsumerKind, raw: unknown): ExternalArtifactRef | undefined {
  const parsed = consumerObjectSchema.safeParse(raw);
  if (!parsed.success) return undefined;
  const ref = kind === ConsumerKind.Kustomization ? parsed.data.spec?.sourceRef : parsed.data.spec?.chartRef;
  if (ref === undefined || ref.kind !== EA_KIND) return undefined;
  return { namespace: ref.namespace ?? parsed.data.metadata.namespace, name: ref.name };
}

/** Parses a Kustomization or HelmRelease; undefined when it is not shaped like one. */
export function parseConsumer(
  kind: ConsumerKind,
  raw: unknown,
  signals: ConsumerDriftSignals = {},
): ConsumerObject | undefined {
  const parsed = consumerObjectSchema.safeParse(raw);
  if (!parsed.success) return undefined;
  const { metadata, spec, status } = parsed.data;
  const firstReconciled: Record<string, string> = {};
  for (const entry of status?.history ?? []) {
    const revision = entry.metadata?.['revision'];
    if (revision !== undefined && entry.firstReconciled !== undefined) {
      firstReconciled[revision] = entry.firstReconciled;
    }
  }
  const ignore = kind === ConsumerKind.Kustomization ? spec?.ignore : spec?.driftDetection?.ignore;
  return {
    kind,
    namespace: metadata.namespace,
    name: metadata.name,
    ...(metadata.generation !== undefined ? { generation: metadata.generation } : {}),
    ...(status?.observedGeneration !== undefined ? { observedGeneration: status.observedGeneration } : {}),
    suspended: spec?.suspend === true,
    conditions: status?.conditions ?? [],
    ...(status?.lastAppliedRevision ? { lastAppliedRevision: status.lastAppliedRevision } : {}),
    ...(status?.lastAttemptedRevision ? { lastAttemptedRevision: status.lastAttemptedRevision } : {}),
    ...(status?.lastAttemptedRevisionDigest
      ? { lastAttemptedRevisionDigest: status.lastAttemptedRevisionDigest }
      : {}),
    ...(kind === ConsumerKind.HelmRelease && status?.history?.[0]?.chartVersion
      ? { lastReleasedChartVersion: status.history[0].chartVersion }
      : {}),
    firstReconciled,
    ...(spec?.targetNamespace ? { targetNamespace: spec.targetNamespace } : {}),
    ...(kind === ConsumerKind.Kustomization && spec !== undefined ? { build: buildOf(spec) } : {}),
    inventory: status?.inventory?.entries ?? [],
    ignore: ignore ?? [],
    signals,
  };
}

export function conditionOf(consumer: ConsumerObject, type: string): ConsumerCondition | undefined {
  return findCondition(consumer.conditions, type);
}

const buildSchema = z.object({
  targetNamespace: z.string().optional(),
  namePrefix: z.string().optional(),
  nameSuffix: z.string().optional(),
  patches: z.array(z.unknown()).optional(),
  patchesStrategicMerge: z.array(z.unknown()).optional(),
  patchesJson6902: z.array(z.unknown()).optional(),
  components: z.array(z.string()).optional(),
  images: z
    .array(
      z.looseObject({
        name: z.string(),
        newName: z.string().optional(),
        newTag: z.string().optional(),
        digest: z.string().optional(),
      }),
    )
    .optional(),
  commonMetadata: z
    .looseObject({
      labels: z.record(z.string(), z.string()).optional(),
      annotations: z.record(z.string(), z.string()).optional(),
    })
    .optional(),
  postBuild: z
    .looseObject({
      substitute: z.record(z.string(), z.string()).optional(),
      substituteFrom: z
        .array(z.looseObject({ kind: z.string(), name: z.string(), optional: z.boolean().optional() }))
        .optional(),
    })
    .optional(),
});

/** The build fields; one that does not parse is listed in `unreadable` instead. */
function buildOf(spec: Record<string, unknown>): KustomizeBuild {
  const build: Record<string, unknown> = {};
  const unreadable: string[] = [];
  for (const field of BUILD_FIELDS) {
    if (spec[field] === undefined) continue;
    const parsed = buildSchema.shape[field].safeParse(spec[field]);
    if (parsed.success) build[field] = parsed.data;
    else unreadable.push(field);
  }
  if (unreadable.length > 0) build['unreadable'] = unreadable;
  return build as KustomizeBuild;
}
