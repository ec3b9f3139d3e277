// What Flux did with our artifact, as conditions on the ConfigHubRepository. Pure: the same consumers
// give the same status, so the controller can recompute it on any consumer change without fetching.
//
// `Delivered` and `Drifted` only report. They never feed `Ready`, which stays about our own artifact:
// a failing health check in a consumer is not a reason to stop serving the artifact it needs.

import type { ConditionInput } from '../api/conditions.ts';
import { ConditionType, Reason } from '../api/conditions.ts';
import { MAX_STATUS_CONSUMERS } from '../api/constants.ts';
import type { ConsumerStatus } from '../api/v1beta1.ts';
import { truncate } from '../util/clean-text.ts';
import { type ConsumerObject, conditionOf, consumerKey } from './consumer.ts';

/** status.consumers is bounded in the API (maxItems in the CRD). */
export const MAX_CONSUMERS = MAX_STATUS_CONSUMERS;
const MAX_MESSAGE = 256;
const MAX_NAMED = 5;
/** How long a Flux correction keeps `Drifted=False/DriftCorrected` before it reads NoDriftDetected. */
export const CORRECTION_RETENTION_MS = 24 * 60 * 60 * 1000;

export const DeliveryReason = {
  Succeeded: Reason.Succeeded,
  Progressing: Reason.Progressing,
  Suspended: Reason.Suspended,
  ArtifactFailed: 'ArtifactFailed',
  DriftDetected: 'DriftDetected',
  DriftCorrected: 'DriftCorrected',
  NoDriftDetected: 'NoDriftDetected',
} as const;

export interface DeliveryInput {
  /** status.artifact.revision of the repository; undefined before the first artifact. */
  artifactRevision?: string;
  /** status.artifact.digest; HelmReleases record it rather than the revision. */
  artifactDigest?: string;
}

/** Open items of our own report-only detection (see src/drift), folded into `Drifted`. */
export interface DriftSummary {
  openItems: number;
  message: string;
}

export interface DeliveryResult {
  consumers: ConsumerStatus[];
  /** Conditions to set. */
  conditions: ConditionInput[];
  /** Condition types to remove (nothing to say: no consumers and no drift report). */
  remove: string[];
}

type State = 'delivered' | 'progressing' | 'failed' | 'suspended';

interface Assessment {
  consumer: ConsumerObject;
  state: State;
  reason: string;
  message: string;
  activeDrift?: { time: string; message: string };
  lastDriftTime?: string;
}

export function computeDelivery(
  input: DeliveryInput,
  consumers: readonly ConsumerObject[],
  now: Date,
  drift?: DriftSummary,
): DeliveryResult {
  const sorted = [...consumers].sort((a, b) => consumerKey(a).localeCompare(consumerKey(b)));
  const assessed = sorted.map((c) => assess(c, input));
  const conditions: ConditionInput[] = [];
  const remove: string[] = [];

  const delivered = deliveredCondition(input, assessed);
  if (delivered) conditions.push(delivered);
  else remove.push(ConditionType.Delivered);

  const drifted = driftedCondition(assessed, drift, now);
  if (drifted) conditions.push(drifted);
  else remove.push(ConditionType.Drifted);

  return {
    consumers: assessed.slice(0, MAX_CONSUMERS).map(toStatus),
    conditions,
    remove,
  };
}

function assess(consumer: ConsumerObject, input: DeliveryInput): Assessment {
  const base = { consumer, ...driftOf(consumer) };
  const ready = conditionOf(consumer, 'Ready');
  if (consumer.suspended) {
    return { ...base, state: 'suspended', reason: Reason.Suspended, message: 'suspended' };
  }
  if (ready?.status === 'False') {
    return {
      ...base,
      state: 'failed',
      reason: ready.reason ?? Reason.Failed,
      message: ready.message ?? '',
    };
  }
  if (ready?.status !== 'True') {
    return {
      ...base,
      state: 'progressing',
      reason: ready?.reason ?? Reason.Progressing,
      message: ready?.message ?? 'waiting for Flux to report Ready',
    };
  }
  if (consumer.generation !== undefined && consumer.observedGeneration !== consumer.generation) {
    return {
      ...base,
      state: 'progressing',
      reason: Reason.Progressing,
      message: 'new generation not yet reconciled',
    };
  }
  if (input.artifactRevision === undefined || !atRevision(consumer, input)) {
    const applied = appliedRevision(consumer);
    return {
      ...base,
      state: 'progressing',
      reason: Reason.Progressing,
      message: `applied revision ${applied ?? '(none)'}, waiting for ${input.artifactRevision ?? 'an artifact'}`,
    };
  }
  return { ...base, state: 'delivered', reason: Reason.Succeeded, message: ready.message ?? '' };
}

/**
 * Kustomizations record the artifact revision. HelmReleases record the chart version Helm released,
 * which helm-controller suffixes with `+<first 12 hex of the digest>` for ExternalArtifact charts, and
 * the artifact digest they attempted.
 */
function atRevision(consumer: ConsumerObject, input: DeliveryInput): boolean {
  if (consumer.lastAppliedRevision !== undefined)
    return consumer.lastAppliedRevision === input.artifactRevision;
  if (consumer.kind !== 'HelmRelease') return false;
  if (input.artifactDigest !== undefined && consumer.lastAttemptedRevisionDigest === input.artifactDigest) {
    return true;
  }
  const hex = (input.artifactDigest ?? input.artifactRevision ?? '').split(':').pop() ?? '';
  return hex.length >= 12 && consumer.lastReleasedChartVersion?.endsWith(`+${hex.slice(0, 12)}`) === true;
}

function appliedRevision(consumer: ConsumerObject): string | undefined {
  return consumer.lastAppliedRevision ?? consumer.lastReleasedChartVersion;
}

function driftOf(consumer: ConsumerObject): Pick<Assessment, 'activeDrift' | 'lastDriftTime'> {
  const { detected, corrected } = consumer.signals;
  const condition = conditionOf(consumer, ConditionType.Drifted);
  let activeDrift: Assessment['activeDrift'];
  if (condition !== undefined) {
    // helm-controller's condition is authoritative when present; events only fill the gap.
    if (condition.status === 'True') {
      activeDrift = {
        time: condition.lastTransitionTime ?? detected?.time ?? '',
        message: condition.message ?? '',
      };
    }
  } else if (detected !== undefined && (corrected === undefined || after(detected.time, corrected.time))) {
    activeDrift = detected;
  }
  const times = [detected?.time, corrected?.time, activeDrift?.time].filter(
    (t): t is string => t !== undefined && t !== '',
  );
  const lastDriftTime = times.sort((a, b) => Date.parse(a) - Date.parse(b)).pop();
  return {
    ...(activeDrift ? { activeDrift } : {}),
    ...(lastDriftTime ? { lastDriftTime } : {}),
  };
}

function deliveredCondition(input: DeliveryInput, assessed: Assessment[]): ConditionInput | undefined {
  if (assessed.length === 0) return undefined;
  const total = assessed.length;
  const done = assessed.filter((a) => a.state === 'delivered');
  if (input.artifactRevision === undefined) {
    return {
      type: ConditionType.Delivered,
      status: 'False',
      reason: DeliveryReason.ArtifactFailed,
      message: `no artifact published yet for ${plural(total, 'consumer')}`,
    };
  }
  if (done.length === total) {
    return {
      type: ConditionType.Delivered,
      status: 'True',
      reason: DeliveryReason.Succeeded,
      message: `revision ${input.artifactRevision} applied by ${plural(total, 'consumer')}`,
    };
  }
  const lagging = assessed.filter((a) => a.state !== 'delivered');
  // The most actionable reason wins: a consumer's own failure, then a suspension, then plain progress.
  const failed = lagging.find((a) => a.state === 'failed');
  const suspended = lagging.find((a) => a.state === 'suspended');
  const reason = failed?.reason ?? (suspended ? DeliveryReason.Suspended : DeliveryReason.Progressing);
  const named = lagging
    .slice(0, MAX_NAMED)
    .map((a) => `${consumerKey(a.consumer)} (${a.reason}${a.message ? `: ${firstLine(a.message)}` : ''})`);
  const more = lagging.length > MAX_NAMED ? ` and ${lagging.length - MAX_NAMED} more` : '';
  return {
    type: ConditionType.Delivered,
    status: 'False',
    reason,
    message: `${done.length}/${total} consumers at revision ${input.artifactRevision}; waiting for ${named.join(', ')}${more}`,
  };
}

function driftedCondition(
  assessed: Assessment[],
  drift: DriftSummary | undefined,
  now: Date,
): ConditionInput | undefined {
  const active = assessed.filter((a) => a.activeDrift !== undefined);
  const parts: string[] = [];
  for (const a of active.slice(0, MAX_NAMED)) {
    parts.push(
      `${consumerKey(a.consumer)} reports drift${a.activeDrift?.message ? `: ${firstLine(a.activeDrift.message)}` : ''}`,
    );
  }
  if (active.length > MAX_NAMED) parts.push(`and ${active.length - MAX_NAMED} more consumers`);
  if (drift !== undefined && drift.openItems > 0) parts.push(drift.message);
  if (parts.length > 0) {
    return {
      type: ConditionType.Drifted,
      status: 'True',
      reason: DeliveryReason.DriftDetected,
      message: parts.join('; '),
    };
  }
  const corrected = assessed
    .filter(
      (a) =>
        a.consumer.signals.corrected !== undefined &&
        now.getTime() - Date.parse(a.consumer.signals.corrected.time) < CORRECTION_RETENTION_MS,
    )
    .sort(
      (a, b) =>
        Date.parse(b.consumer.signals.corrected!.time) - Date.parse(a.consumer.signals.corrected!.time),
    );
  const latest = corrected[0];
  if (latest?.consumer.signals.corrected !== undefined) {
    const signal = latest.consumer.signals.corrected;
    return {
      type: ConditionType.Drifted,
      status: 'False',
      reason: DeliveryReason.DriftCorrected,
      message: `${consumerKey(latest.consumer)} corrected drift at ${signal.time} (${firstLine(signal.message)})`,
    };
  }
  if (assessed.length === 0 && drift === undefined) return undefined;
  return {
    type: ConditionType.Drifted,
    status: 'False',
    reason: DeliveryReason.NoDriftDetected,
    message: drift !== undefined ? drift.message : 'no consumer reported drift',
  };
}

function toStatus(a: Assessment): ConsumerStatus {
  const c = a.consumer;
  const ready = conditionOf(c, 'Ready');
  return {
    kind: c.kind,
    namespace: c.namespace,
    name: c.name,
    ready: c.suspended ? 'Suspended' : (ready?.status ?? 'Unknown'),
    reason: a.reason,
    ...(a.message ? { message: truncate(firstLine(a.message), MAX_MESSAGE) } : {}),
    ...(appliedRevision(c) !== undefined ? { lastAppliedRevision: appliedRevision(c) } : {}),
    ...(c.lastAttemptedRevision !== undefined ? { lastAttemptedRevision: c.lastAttemptedRevision } : {}),
    drifted: a.activeDrift !== undefined,
    ...(a.lastDriftTime !== undefined ? { lastDriftTime: a.lastDriftTime } : {}),
  };
}

const after = (a: string, b: string): boolean => Date.parse(a) > Date.parse(b);
const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;
const firstLine = (s: string): string => s.split('\n')[0] ?? '';
