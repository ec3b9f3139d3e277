// status.drift: the report-only drift report the controller writes and `confighub-source drift` prints.
// One item per drifted field (or missing object), with a stable id so state carries over between checks.
import { z } from 'zod';
import { anyValue } from './schema-meta.ts';

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

const values = <T extends string>(o: Record<string, T>) => Object.values(o) as [T, ...T[]];

export const driftItemSchema = z.object({
  id: z
    .string()
    .describe(
      'ID identifies the item across checks: Kind/namespace/name#<JSON pointer>, or ' +
        'Kind/name#<JSON pointer> for a cluster-scoped object; the pointer is empty when the item is the ' +
        'whole object.',
    ),
  apiVersion: z.string().describe('APIVersion of the drifted object.'),
  kind: z.string().describe('Kind of the drifted object.'),
  namespace: z.string().optional().describe('Namespace of the drifted object; unset when cluster-scoped.'),
  name: z.string().describe('Name of the drifted object.'),
  path: z
    .string()
    .describe(
      'Path is the RFC 6901 JSON pointer of the drifted field, empty for the whole object. It can be ' +
        'copied as is into spec.drift.ignore.',
    ),
  desired: anyValue(
    z
      .unknown()
      .optional()
      .describe(
        'Desired is the value in the artifact, as the consumer would apply it. Secret values read ***; ' +
          'other values are cut at 512 characters.',
      ),
  ),
  live: anyValue(
    z
      .unknown()
      .optional()
      .describe(
        'Live is the value in the cluster. Secret values read ***; other values are cut at 512 characters.',
      ),
  ),
  classification: z
    .enum(values(Classification))
    .describe('Classification tells which kind of field drifted, e.g. scaling, image or missing-object.'),
  severity: z
    .enum(values(Severity))
    .describe(
      'Severity of the drift: info, warning or critical, from its classification and direction, e.g. ' +
        'critical for a missing object, a Secret value or replicas scaled to 0.',
    ),
  cause: z
    .enum(values(Cause))
    .describe(
      'Cause tells who changed the live value, read from managedFields: manual-edit for kubectl or a UI, ' +
        'controller for any other field manager, unknown when managedFields does not say.',
    ),
  manager: z
    .string()
    .optional()
    .describe('Manager is the field manager that last wrote the live value, when known.'),
  consumer: z
    .string()
    .optional()
    .describe('Consumer is the Flux object (Kind/namespace/name) whose applied inventory holds the object.'),
  method: z
    .enum(values(DetectionMethod))
    .describe(
      'Method tells how the item was found: server-side-dry-run compares the live object with a ' +
        'server-side apply dry run, field-comparison compares it with the artifact field by field.',
    ),
  firstObserved: z.string().describe('FirstObserved is when a check first found this drift.'),
  lastObserved: z.string().describe('LastObserved is when a check last found this drift.'),
  resolvedAt: z
    .string()
    .optional()
    .describe('ResolvedAt is when a check no longer found this drift; set on resolved items only.'),
});
export type DriftItem = z.infer<typeof driftItemSchema>;

export const driftReportSchema = z.object({
  mode: z.literal('report').describe('Mode of the detection that wrote this report; always report.'),
  source: z
    .enum(['inventory', 'artifact', 'pending'])
    .describe(
      "Source tells what was compared: inventory for the objects a consumer's status.inventory lists, " +
        'artifact for every object of the artifact (no Kustomization consumer), pending while no ' +
        'consumer has applied this revision yet, in which case nothing is compared.',
    ),
  consumer: z
    .string()
    .optional()
    .describe(
      'Consumer names the Flux objects (Kind/namespace/name, up to three, comma-separated) whose ' +
        'inventories were compared.',
    ),
  revision: z.string().optional().describe('Revision of the artifact the live objects were compared with.'),
  checkedAt: z.string().describe('CheckedAt is when this report was written.'),
  summary: z
    .object({
      objects: z.number().int().describe('Objects is the number of objects compared.'),
      drifted: z.number().int().describe('Drifted is the number of objects this check found drifted.'),
      missing: z.number().int().describe('Missing is the number of objects not found in the cluster.'),
      excluded: z
        .number()
        .int()
        .describe(
          'Excluded is the number of objects skipped: opted out by an annotation or label, or ignored ' +
            'as a whole by an ignore rule.',
        ),
      errors: z.number().int().describe('Errors is the number of objects that could not be checked.'),
      items: z
        .number()
        .int()
        .describe('Items is the number of open drift items, including those left out of items by its bound.'),
    })
    .describe('Summary counts what the check found.'),
  items: z
    .array(driftItemSchema)
    .max(MAX_OPEN_ITEMS)
    .describe(`Items lists the open drift, most severe first, at most ${MAX_OPEN_ITEMS}.`),
  truncated: z
    .number()
    .int()
    .optional()
    .describe('Truncated is the number of open items left out of items by its bound.'),
  resolved: z
    .array(driftItemSchema)
    .max(MAX_RESOLVED_ITEMS)
    .optional()
    .describe(`Resolved lists recently resolved drift, newest first, at most ${MAX_RESOLVED_ITEMS}.`),
  errors: z
    .array(
      z.object({
        object: z.string().describe('Object that could not be checked, as Kind/namespace/name.'),
        message: z.string().describe('Message says why the object could not be checked.'),
      }),
    )
    .max(MAX_ERRORS)
    .optional()
    .describe(
      `Errors lists objects that could not be checked, at most ${MAX_ERRORS}; their open items stay open.`,
    ),
  notes: z
    .array(z.string())
    .max(MAX_NOTES)
    .optional()
    .describe(
      'Notes say why consumers or objects were not compared, e.g. a revision not applied yet or a ' +
        `kustomize feature the check does not reproduce; at most ${MAX_NOTES}.`,
    ),
});
export type DriftReport = z.infer<typeof driftReportSchema>;
