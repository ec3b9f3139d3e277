// ConfigHubRepository (source.confighub.com/v1beta1): the zod schemas for what we read and write. The
// spec is in spec.ts, the status in status.ts and drift-report.ts; the served contract,
// crds/source.confighub.com_confighubrepositories.yaml, is generated from them (npm run generate).
import { z } from 'zod';
import { repositoryStatusSchema } from './status.ts';

export * from './drift-report.ts';
export * from './spec.ts';
export * from './status.ts';

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

/** A ConfigHubRepository as read from the API: metadata loose, spec left raw for validation. */
export const repositoryObjectSchema = z.looseObject({
  apiVersion: z.string(),
  kind: z.string(),
  metadata: objectMetaSchema,
  spec: z.unknown(),
  status: repositoryStatusSchema.optional(),
});
export type RepositoryObject = z.infer<typeof repositoryObjectSchema>;
