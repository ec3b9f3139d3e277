// One object of a drift check: read it live, skip it when opted out or ignored, compare it with what
// the artifact (as the consumer applies it) says, and turn the differences into findings.
import type { Logger } from 'pino';
import type { ConsumerObject } from '../delivery/consumer.ts';
import type { KubeObject } from '../kube/client.ts';
import { parseApiVersion } from '../kube/resources.ts';
import { errorMessage } from '../util/errors.ts';
import { isRecord } from '../util/is-record.ts';
import { classify } from './classify.ts';
import type { DriftCluster } from './cluster.ts';
import type { DesiredObject } from './desired.ts';
import { type IgnoreRule, IgnoreRules, isIgnored, optOutOf } from './ignore.ts';
import { type ComparisonOptions, LiveComparer } from './live-comparison.ts';
import { attribute } from './ownership.ts';
import { toPointer } from './pointer.ts';
import { Cause, Classification, DetectionMethod, type DriftFinding, itemId, Severity } from './report.ts';
import { present, valueField } from './reported-values.ts';
import { consumerField, refOf, type Target } from './targets.ts';

const SCALABLE_KINDS = new Set(['Deployment', 'StatefulSet', 'ReplicaSet', 'ReplicationController']);

/** Ignore rules compiled once per check: the repository's (validated) and each consumer's. */
export interface Rules {
  repository: IgnoreRules;
  consumer(consumer: ConsumerObject | undefined): IgnoreRules;
}

/** @throws InvalidIgnoreRuleError naming the spec.drift.ignore entry that is not a JSON pointer. */
export function compileRules(repository: { ignore?: readonly IgnoreRule[] }): Rules {
  const own = new IgnoreRules(repository.ignore ?? [], 'spec.drift.ignore');
  const none = new IgnoreRules([]);
  const byConsumer = new Map<ConsumerObject, IgnoreRules>();
  return {
    repository: own,
    consumer(consumer) {
      if (consumer === undefined) return none;
      let compiled = byConsumer.get(consumer);
      if (compiled === undefined) {
        compiled = new IgnoreRules(consumer.ignore);
        byConsumer.set(consumer, compiled);
      }
      return compiled;
    },
  };
}

/** HPAs listed once per namespace and check. */
export type AutoscalerCache = Map<string, Promise<KubeObject[]>>;

export type Outcome =
  | { kind: 'checked'; findings: DriftFinding[] }
  | { kind: 'excluded' }
  | { kind: 'error'; message: string };

export class ObjectChecker {
  readonly #cluster: DriftCluster;
  readonly #options: { logger: Logger };
  readonly #comparer: LiveComparer;

  constructor(cluster: DriftCluster, options: ComparisonOptions) {
    this.#cluster = cluster;
    this.#options = options;
    this.#comparer = new LiveComparer(cluster, options);
  }

  async check(target: Target, rules: Rules, autoscalers: AutoscalerCache): Promise<Outcome> {
    const { desired } = target;
    try {
      const type = await this.#cluster.resolve(desired.apiVersion, desired.kind);
      if (type === undefined)
        return { kind: 'error', message: `${desired.apiVersion} ${desired.kind} is not served` };
      const namespace = type.namespaced ? target.namespace : undefined;
      const object = desiredFor(desired, namespace, target.consumer);
      if (optOutOf(metaOf(object))) return { kind: 'excluded' };
      const identity = {
        ...parseApiVersion(desired.apiVersion),
        kind: desired.kind,
        name: desired.name,
        ...(namespace ? { namespace } : {}),
      };
      const ignored = [
        ...rules.repository.pathsFor(identity),
        ...rules.consumer(target.consumer).pathsFor(identity),
      ];
      if (ignored.some((p) => p.length === 0)) return { kind: 'excluded' };
      const base = {
        apiVersion: desired.apiVersion,
        kind: desired.kind,
        name: desired.name,
        ...(namespace ? { namespace } : {}),
      };

      const live = await this.#cluster.get(type, namespace, desired.name);
      if (live === undefined) {
        return {
          kind: 'checked',
          findings: [
            {
              ...base,
              id: itemId(base, ''),
              path: '',
              classification: Classification.MissingObject,
              severity: Severity.Critical,
              cause: Cause.Unknown,
              method: DetectionMethod.FieldComparison,
              ...consumerField(target.consumer),
            },
          ],
        };
      }
      if (optOutOf(live.metadata)) return { kind: 'excluded' };
      if (
        SCALABLE_KINDS.has(desired.kind) &&
        (await this.#autoscaled(desired.kind, desired.name, namespace, autoscalers))
      ) {
        ignored.push(['spec', 'replicas']);
      }

      const { changes, method } = await this.#comparer.compare(type, object, live, ignored);
      const findings: DriftFinding[] = [];
      for (const change of changes) {
        if (isIgnored(change.segments, ignored)) continue;
        const attribution = attribute(live, change.segments);
        // Without a prediction, a field only live may belong to anyone; report it only when a person put it there.
        if (
          method === DetectionMethod.FieldComparison &&
          change.desired === undefined &&
          attribution.cause !== Cause.ManualEdit
        ) {
          continue;
        }
        const path = toPointer(change.segments);
        findings.push({
          ...base,
          id: itemId(base, path),
          path,
          ...valueField('desired', present(desired.kind, change.segments, change.desired)),
          ...valueField('live', present(desired.kind, change.segments, change.live)),
          ...classify(desired.kind, change.segments, change.desired, change.live),
          cause: attribution.cause,
          ...(attribution.manager !== undefined ? { manager: attribution.manager } : {}),
          ...consumerField(target.consumer),
          method,
        });
      }
      return { kind: 'checked', findings };
    } catch (error) {
      const message = errorMessage(error);
      this.#options.logger.debug({ object: refOf(target), err: message }, 'drift check failed');
      return { kind: 'error', message };
    }
  }

  /** An HPA that scales the object owns spec.replicas; a different live count is not drift. */
  async #autoscaled(
    kind: string,
    name: string,
    namespace: string | undefined,
    cache: AutoscalerCache,
  ): Promise<boolean> {
    if (namespace === undefined) return false;
    let pending = cache.get(namespace);
    if (pending === undefined) {
      pending = this.#cluster.autoscalers(namespace);
      cache.set(namespace, pending);
    }
    const hpas = await pending;
    return hpas.some((hpa) => {
      const spec = (hpa as { spec?: { scaleTargetRef?: { kind?: string; name?: string } } }).spec;
      return spec?.scaleTargetRef?.kind === kind && spec.scaleTargetRef.name === name;
    });
  }
}

/** The manifest as the applier sends it: namespace resolved, Flux's owner labels added. */
function desiredFor(
  desired: DesiredObject,
  namespace: string | undefined,
  consumer: ConsumerObject | undefined,
): Record<string, unknown> {
  const object = structuredClone(desired.object);
  const metadata = isRecord(object['metadata']) ? object['metadata'] : {};
  if (namespace !== undefined) metadata['namespace'] = namespace;
  else delete metadata['namespace'];
  if (consumer?.kind === 'Kustomization') {
    metadata['labels'] = {
      ...(isRecord(metadata['labels']) ? metadata['labels'] : {}),
      'kustomize.toolkit.fluxcd.io/name': consumer.name,
      'kustomize.toolkit.fluxcd.io/namespace': consumer.namespace,
    };
  }
  object['metadata'] = metadata;
  delete object['status'];
  return object;
}

function metaOf(object: Record<string, unknown>) {
  return object['metadata'] as
    | { labels?: Record<string, string>; annotations?: Record<string, string> }
    | undefined;
}
