// Whether drift detection runs for a repository, and its inputs read from the ConfigHubRepository.
// spec.drift.mode, when written, wins over the controller-wide --drift-detection flag in both directions.
import { z } from 'zod';
import { driftSpecSchema } from '../api/v1beta1.ts';
import { isRecord } from '../util/is-record.ts';
import type { DriftRepository } from './detector.ts';
import { type DriftReport, driftReportSchema } from './report.ts';

export type DriftMode = 'disabled' | 'report';

const repositorySchema = z.looseObject({
  metadata: z.looseObject({ name: z.string(), namespace: z.string() }),
  spec: z.unknown(),
  status: z
    .looseObject({
      artifact: z.looseObject({ revision: z.string() }).optional(),
      drift: z.unknown().optional(),
    })
    .optional(),
});

export function driftModeOf(spec: unknown, globalMode: DriftMode): DriftMode {
  const drift = isRecord(spec) ? spec['drift'] : undefined;
  const mode = isRecord(drift) ? drift['mode'] : undefined;
  return mode === 'report' || mode === 'disabled' ? mode : globalMode;
}

/** The previous report from status.drift; undefined when absent or not ours (never fails a reconcile). */
export function previousReport(status: unknown): DriftReport | undefined {
  const drift = isRecord(status) ? status['drift'] : undefined;
  const parsed = driftReportSchema.safeParse(drift);
  return parsed.success ? parsed.data : undefined;
}

/** Reads name, revision, ignore rules and the previous report from a ConfigHubRepository object. */
export function driftRepositoryOf(object: unknown): DriftRepository {
  const repo = repositorySchema.parse(object);
  const spec = isRecord(repo.spec) ? repo.spec : {};
  const drift = driftSpecSchema.safeParse(spec['drift'] ?? {});
  const previous = previousReport(repo.status);
  const revision = repo.status?.artifact?.revision;
  return {
    namespace: repo.metadata.namespace,
    name: repo.metadata.name,
    ...(revision !== undefined ? { revision } : {}),
    ...(drift.success && drift.data.ignore !== undefined ? { ignore: drift.data.ignore } : {}),
    ...(previous !== undefined ? { previous } : {}),
  };
}
