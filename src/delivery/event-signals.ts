// Reads Flux's events for drift. helm-controller names it (`DriftDetected`, `DriftCorrected`);
// kustomize-controller does not: a correction of a manual edit is an ordinary apply event
// ("Deployment/ns/web configured") whose revision annotation equals a revision Flux had already
// finished applying. That distinction is the only signal, so it is made carefully here.
import { z } from 'zod';
import { HELM_GROUP, KUSTOMIZE_GROUP } from '../api/constants.ts';
import { parseApiVersion } from '../kube/resources.ts';
import { type ConsumerKind, type ConsumerObject, consumerKey, type DriftSignal } from './consumer.ts';

export const KUSTOMIZE_REVISION_ANNOTATION = `${KUSTOMIZE_GROUP}/revision`;

const eventSchema = z.looseObject({
  metadata: z.looseObject({
    name: z.string(),
    namespace: z.string().optional(),
    creationTimestamp: z.string().optional(),
    annotations: z.record(z.string(), z.string()).optional(),
  }),
  involvedObject: z.looseObject({
    kind: z.string().optional(),
    apiVersion: z.string().optional(),
    name: z.string().optional(),
    namespace: z.string().optional(),
  }),
  reason: z.string().optional(),
  message: z.string().optional(),
  type: z.string().optional(),
  lastTimestamp: z.string().nullish(),
  eventTime: z.string().nullish(),
  firstTimestamp: z.string().nullish(),
});
export type FluxEvent = z.infer<typeof eventSchema>;

export type EventSignal =
  | { consumer: string; kind: 'detected'; signal: DriftSignal }
  | { consumer: string; kind: 'corrected'; signal: DriftSignal }
  | { consumer: string; kind: 'applied'; revision: string; time: string; message: string };

/** One line of a kustomize-controller change set that means "this object was written". */
const APPLY_LINE = /^\S+\/\S+ (configured|created)$/;

const GROUP_OF_KIND: Record<ConsumerKind, string> = {
  Kustomization: KUSTOMIZE_GROUP,
  HelmRelease: HELM_GROUP,
};

export function parseEvent(raw: unknown): FluxEvent | undefined {
  const parsed = eventSchema.safeParse(raw);
  return parsed.success ? parsed.data : undefined;
}

export function eventTime(event: FluxEvent): string | undefined {
  return event.lastTimestamp ?? event.eventTime ?? event.firstTimestamp ?? event.metadata.creationTimestamp;
}

/** The consumer an event is about, when it is about a Flux Kustomization or HelmRelease. */
export function involvedConsumer(event: FluxEvent): { kind: ConsumerKind; key: string } | undefined {
  const { kind, apiVersion, name, namespace } = event.involvedObject;
  if (kind !== 'Kustomization' && kind !== 'HelmRelease') return undefined;
  if (name === undefined || apiVersion === undefined) return undefined;
  if (parseApiVersion(apiVersion).group !== GROUP_OF_KIND[kind]) return undefined;
  const ns = namespace ?? event.metadata.namespace;
  if (ns === undefined) return undefined;
  return { kind, key: consumerKey({ kind, namespace: ns, name }) };
}

/**
 * Classifies an event. Kustomization apply events come back as `applied` with their revision: whether
 * they corrected drift depends on the consumer's state, decided by `isCorrection`.
 */
export function signalOf(event: FluxEvent): EventSignal | undefined {
  const involved = involvedConsumer(event);
  const time = eventTime(event);
  if (involved === undefined || time === undefined) return undefined;
  const message = event.message ?? '';
  if (involved.kind === 'HelmRelease') {
    if (event.reason === 'DriftDetected')
      return { consumer: involved.key, kind: 'detected', signal: { time, message } };
    if (event.reason === 'DriftCorrected') {
      return { consumer: involved.key, kind: 'corrected', signal: { time, message } };
    }
    return undefined;
  }
  if (event.type !== 'Normal') return undefined;
  const revision = event.metadata.annotations?.[KUSTOMIZE_REVISION_ANNOTATION];
  if (revision === undefined) return undefined;
  const applied = appliedLines(message);
  if (applied.length === 0) return undefined;
  return { consumer: involved.key, kind: 'applied', revision, time, message: applied.join('\n') };
}

/** The `… configured` / `… created` lines of a change-set message. */
export function appliedLines(message: string): string[] {
  return message
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => APPLY_LINE.test(line));
}

/**
 * A Kustomization apply event is a drift correction when its revision is the one Flux had already
 * applied: per `status.history`, the event came after Flux first finished reconciling that revision.
 * Without history, `appliedBefore` (the consumer was already at that revision when the event was seen)
 * decides, so the first apply of a new revision is never mistaken for a correction.
 */
export function isCorrection(
  signal: { revision: string; time: string },
  consumer: ConsumerObject | undefined,
  appliedBefore: boolean,
): boolean {
  if (consumer === undefined || consumer.lastAppliedRevision !== signal.revision) return false;
  const first = consumer.firstReconciled[signal.revision];
  if (first !== undefined) return Date.parse(signal.time) > Date.parse(first);
  return appliedBefore;
}
