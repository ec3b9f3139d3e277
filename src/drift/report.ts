// The drift report stored in status.drift and printed by `confighub-source drift`: one item per drifted
// field (or missing object), with a stable id so state carries over between checks.
import { z } from 'zod';

export const Classification = {
  Scaling: 'scaling',
  Image: 'image',
  Resources: 'resources',
  Config: 'config',
  Labels: 'labels',
  Annotations: 'annotations',
  Ports: 'ports',
  Volumes: 'volumes',
  SecretRef: 'secret-ref',
  ConfigMapRef: 'configmap-ref',
  MissingObject: 'missing-object',
  ExtraField: 'extra-field',
  Other: 'other',
} as const;
export type Classification = (typeof Classification)[keyof typeof Classification];

export const Severity = { Info: 'info', Warning: 'warning', Critical: 'critical' } as const;
export type Severity = (typeof Severity)[keyof typeof Severity];

/** Who changed the live value, from `metadata.managedFields`. */
export const Cause = { ManualEdit: 'manual-edit', Controller: 'controller', Unknown: 'unknown' } as const;
export type Cause = (typeof Cause)[keyof typeof Cause];

export const DetectionMethod = {
  ServerSideDryRun: 'server-side-dry-run',
  FieldComparison: 'field-comparison',
} as const;
export type DetectionMethod = (typeof DetectionMethod)[keyof typeof DetectionMethod];

/** Bounds that keep status.drift well under the object size limit. */
export const MAX_OPEN_ITEMS = 100;
export const MAX_RESOLVED_ITEMS = 20;
export const MAX_ERRORS = 10;
export const MAX_NOTES = 10;
/** Longest JSON rendering of a desired or live value kept in an item. */
export const MAX_VALUE_CHARS = 512;

export const driftItemSchema = z.object({
  /** `Kind/namespace/name#/json/pointer` (`Kind/name#…` when cluster-scoped; `#` alone for the object). */
  id: z.string(),
  apiVersion: z.string(),
  kind: z.string(),
  namespace: z.string().optional(),
  name: z.string(),
  /** RFC 6901 pointer into the object; empty for the whole object. */
  path: z.string(),
  desired: z.unknown().optional(),
  live: z.unknown().optional(),
  classification: z.enum(Object.values(Classification) as [Classification, ...Classification[]]),
  severity: z.enum(Object.values(Severity) as [Severity, ...Severity[]]),
  cause: z.enum(Object.values(Cause) as [Cause, ...Cause[]]),
  /** The field manager that last wrote the live value, when known. */
  manager: z.string().optional(),
  /** `Kind/namespace/name` of the Flux consumer whose applied inventory holds the object. */
  consumer: z.string().optional(),
  method: z.enum(Object.values(DetectionMethod) as [DetectionMethod, ...DetectionMethod[]]),
  firstObserved: z.string(),
  lastObserved: z.string(),
  resolvedAt: z.string().optional(),
});
export type DriftItem = z.infer<typeof driftItemSchema>;

/** An item as a single check finds it, before state assigns times. */
export type DriftFinding = Omit<DriftItem, 'firstObserved' | 'lastObserved' | 'resolvedAt'>;

export const driftReportSchema = z.object({
  mode: z.literal('report'),
  /**
   * What was checked: a consumer's inventory, or every object of the artifact; `pending` while no
   * consumer has applied this revision, so nothing is compared yet.
   */
  source: z.enum(['inventory', 'artifact', 'pending']),
  consumer: z.string().optional(),
  revision: z.string().optional(),
  checkedAt: z.string(),
  summary: z.object({
    objects: z.number().int(),
    drifted: z.number().int(),
    missing: z.number().int(),
    excluded: z.number().int(),
    errors: z.number().int(),
    items: z.number().int(),
  }),
  items: z.array(driftItemSchema).max(MAX_OPEN_ITEMS),
  /** Open items left out of `items` by the bound. */
  truncated: z.number().int().optional(),
  resolved: z.array(driftItemSchema).max(MAX_RESOLVED_ITEMS).optional(),
  errors: z
    .array(z.object({ object: z.string(), message: z.string() }))
    .max(MAX_ERRORS)
    .optional(),
  /** Why consumers or objects were not compared: not applied yet, or a build step not reproduced. */
  notes: z.array(z.string()).max(MAX_NOTES).optional(),
});
export type DriftReport = z.infer<typeof driftReportSchema>;

export function objectRef(o: { kind: string; namespace?: string | undefined; name: string }): string {
  return o.namespace ? `${o.kind}/${o.namespace}/${o.name}` : `${o.kind}/${o.name}`;
}

export function itemId(
  o: { kind: string; namespace?: string | undefined; name: string },
  path: string,
): string {
  return `${objectRef(o)}#${path}`;
}
