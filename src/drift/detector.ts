// Report-only drift detection: compares what our artifact says with what is live, for the objects a
// consumer applied (its inventory) or, with no consumer, every object of the artifact. It never
// writes: live objects are read with GET and the prediction of an apply is a dry run.
import type { Logger } from 'pino';
import { readTarGz } from '../artifact/tarball-reader.ts';
import type { ConsumerObject } from '../delivery/consumer.ts';
import type { KubeClient, KubeObject } from '../kube/client.ts';
import { parseApiVersion, type ResourceType } from '../kube/resources.ts';
import { truncate } from '../util/clean-text.ts';
import { errorMessage } from '../util/errors.ts';
import { isRecord } from '../util/is-record.ts';
import { mapLimit } from '../util/map-limit.ts';
import { classify } from './classify.ts';
import { type DriftCluster, KubeDriftCluster } from './cluster.ts';
import { compareObjects, type FieldChange } from './compare.ts';
import { type ArtifactFileInput, type DesiredObject, desiredObjects } from './desired.ts';
import { buildForConsumer, type VarSource } from './flux-build.ts';
import { type IgnoreRule, IgnoreRules, isIgnored, optOutOf } from './ignore.ts';
import { parseInventoryId } from './inventory.ts';
import type { DriftMetrics } from './metrics.ts';
import { attribute } from './ownership.ts';
import { removeAt, toPointer } from './pointer.ts';
import {
  Cause,
  Classification,
  DetectionMethod,
  type DriftFinding,
  type DriftReport,
  itemId,
  MAX_ERRORS,
  MAX_NOTES,
  MAX_VALUE_CHARS,
  objectRef,
  Severity,
} from './report.ts';
import { mergeItems } from './state.ts';

/** kustomize-controller's apply field manager: the dry run must predict *its* apply. */
export const KUSTOMIZE_FIELD_MANAGER = 'kustomize-controller';
const SCALABLE_KINDS = new Set(['Deployment', 'StatefulSet', 'ReplicaSet', 'ReplicationController']);
/** A kind whose dry run was refused (403) is compared field by field for this long before asking again. */
const REFUSED_DRY_RUN_TTL_MS = 10 * 60_000;
const MASK = '***';

export interface DriftRepository {
  namespace: string;
  name: string;
  /** The artifact revision compared (reported, not checked). */
  revision?: string;
  /** spec.drift.ignore. */
  ignore?: readonly IgnoreRule[];
  /** The previous status.drift, so items keep their firstObserved and resolution is noticed. */
  previous?: DriftReport;
}

export interface DriftDetectorOptions {
  logger: Logger;
  /** Either a ready DriftCluster, or the KubeClient to build one. */
  cluster?: DriftCluster;
  kube?: KubeClient;
  metrics?: DriftMetrics;
  /** `auto` dry-runs where the API server allows it and falls back per object; `field-comparison` never dry-runs. */
  method?: 'auto' | 'field-comparison';
  fieldManager?: string;
  /** Objects checked at once. */
  concurrency?: number;
  now?: () => Date;
}

interface Target {
  desired: DesiredObject;
  namespace: string | undefined;
  consumer: ConsumerObject | undefined;
}

/** Ignore rules compiled once per check: the repository's (validated) and each consumer's. */
interface Rules {
  repository: IgnoreRules;
  consumer(consumer: ConsumerObject | undefined): IgnoreRules;
}

/** @throws InvalidIgnoreRuleError naming the spec.drift.ignore entry that is not a JSON pointer. */
function compileRules(repository: DriftRepository): Rules {
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
type AutoscalerCache = Map<string, Promise<KubeObject[]>>;

type Outcome =
  | { kind: 'checked'; findings: DriftFinding[] }
  | { kind: 'excluded' }
  | { kind: 'error'; message: string };

export class DriftDetector {
  readonly #cluster: DriftCluster;
  readonly #options: DriftDetectorOptions;
  /** `group/kind` → when a dry run of that kind was refused with 403. */
  readonly #refused = new Map<string, number>();
  /** Kinds whose dry runs the API server accepted; the first dry run of any other kind goes alone. */
  readonly #allowed = new Set<string>();
  readonly #probing = new Map<string, Promise<unknown>>();

  constructor(options: DriftDetectorOptions) {
    this.#options = options;
    if (options.cluster !== undefined) this.#cluster = options.cluster;
    else if (options.kube !== undefined) this.#cluster = new KubeDriftCluster({ kube: options.kube });
    else throw new Error('DriftDetector needs either cluster or kube');
  }

  async detect(
    repository: DriftRepository,
    artifact: readonly ArtifactFileInput[] | Uint8Array,
    consumers: readonly ConsumerObject[] = [],
  ): Promise<DriftReport> {
    const now = (this.#options.now?.() ?? new Date()).toISOString();
    const files = artifact instanceof Uint8Array ? readTarGz(artifact) : artifact;
    const desired = desiredObjects(files);
    const kustomizations = consumers.filter((c) => c.kind === 'Kustomization');
    const notes: string[] = [];
    let targets: Target[];
    let applied: ConsumerObject[] = [];
    if (kustomizations.length > 0) {
      // Only what a consumer reports as applied at this revision is compared, built as it built it.
      applied = kustomizations.filter((c) => appliedThisRevision(c, repository.revision));
      for (const c of kustomizations) {
        if (!applied.includes(c)) {
          notes.push(`${consumerRef(c)} has not applied ${repository.revision ?? 'this revision'} yet`);
        }
      }
      targets = [];
      const built = await Promise.all(applied.map((c) => buildForConsumer(desired, c, this.#varSource())));
      applied = applied.filter((c, i) => {
        const result = built[i]!;
        if ('unsupported' in result) {
          notes.push(`${consumerRef(c)} not compared: ${result.unsupported}`);
          return false;
        }
        targets.push(...inventoryTargets(result.objects, [c]));
        return true;
      });
    } else {
      targets = artifactTargets(desired);
    }
    if (kustomizations.length > 0 && applied.length === 0) {
      return this.#pending(repository, now, notes);
    }

    const autoscalers: AutoscalerCache = new Map();
    const rules = compileRules(repository);
    const outcomes = await mapLimit(targets, this.#options.concurrency ?? 8, (t) =>
      this.#check(t, rules, autoscalers),
    );
    const findings: DriftFinding[] = [];
    const unchecked = new Set<string>();
    const errors: Array<{ object: string; message: string }> = [];
    let excluded = 0;
    outcomes.forEach((outcome, i) => {
      const ref = refOf(targets[i]!);
      if (outcome.kind === 'excluded') excluded++;
      else if (outcome.kind === 'error') {
        unchecked.add(ref);
        errors.push({ object: ref, message: outcome.message });
      } else findings.push(...outcome.findings);
    });
    const merged = mergeItems({ previous: repository.previous, findings, unchecked, now });
    const report: DriftReport = {
      mode: 'report',
      source: applied.length > 0 ? 'inventory' : 'artifact',
      ...(applied.length > 0
        ? {
            consumer: applied
              .slice(0, 3)
              .map((c) => consumerRef(c))
              .join(', '),
          }
        : {}),
      ...(repository.revision !== undefined ? { revision: repository.revision } : {}),
      checkedAt: now,
      summary: {
        objects: targets.length - excluded,
        drifted: new Set(findings.map((f) => objectRef(f))).size,
        missing: findings.filter((f) => f.classification === Classification.MissingObject).length,
        excluded,
        errors: errors.length,
        items: merged.total,
      },
      items: merged.items,
      ...(merged.total > merged.items.length ? { truncated: merged.total - merged.items.length } : {}),
      ...(merged.resolved.length > 0 ? { resolved: merged.resolved } : {}),
      ...(errors.length > 0 ? { errors: errors.slice(0, MAX_ERRORS) } : {}),
      ...(notes.length > 0 ? { notes: notes.slice(0, MAX_NOTES) } : {}),
    };
    this.#options.metrics?.record(`${repository.namespace}/${repository.name}`, report);
    return report;
  }

  /** A report that compares nothing because no consumer applied this revision yet (or none exists). */
  pending(repository: DriftRepository, note: string): DriftReport {
    return this.#pending(repository, (this.#options.now?.() ?? new Date()).toISOString(), [note]);
  }

  /** Nothing applied at this revision yet: no comparison, so no missing objects and no drift events. */
  #pending(repository: DriftRepository, now: string, notes: string[]): DriftReport {
    const report: DriftReport = {
      mode: 'report',
      source: 'pending',
      ...(repository.revision !== undefined ? { revision: repository.revision } : {}),
      checkedAt: now,
      summary: { objects: 0, drifted: 0, missing: 0, excluded: 0, errors: 0, items: 0 },
      items: [],
      ...(notes.length > 0 ? { notes: notes.slice(0, MAX_NOTES) } : {}),
    };
    this.#options.metrics?.record(`${repository.namespace}/${repository.name}`, report);
    return report;
  }

  /** postBuild.substituteFrom reads; a refused read makes that consumer "not reproduced". */
  #varSource(): VarSource {
    return async (kind, namespace, name) => {
      const type = await this.#cluster.resolve('v1', kind);
      if (type === undefined) return undefined;
      const object = await this.#cluster.get(type, namespace, name);
      return object === undefined ? undefined : ((object['data'] as Record<string, string>) ?? {});
    };
  }

  async #check(target: Target, rules: Rules, autoscalers: AutoscalerCache): Promise<Outcome> {
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

      const { changes, method } = await this.#compare(type, object, live, ignored);
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

  async #compare(
    type: ResourceType,
    desired: Record<string, unknown>,
    live: KubeObject,
    ignored: string[][],
  ): Promise<{ changes: FieldChange[]; method: DetectionMethod }> {
    const strip = (o: Record<string, unknown>) => {
      const copy = structuredClone(o);
      for (const path of ignored) removeAt(copy, path);
      return copy;
    };
    const kindKey = `${type.group}/${type.kind}`;
    // Until one dry run of a kind has come back, the others wait for it rather than all being refused.
    // (No await unless there is a probe: the check and the probe's registration must not be split.)
    const probe = this.#allowed.has(kindKey) ? undefined : this.#probing.get(kindKey);
    if (probe !== undefined) await probe.catch(() => undefined);
    const refusedAt = this.#refused.get(kindKey);
    const nowMs = (this.#options.now?.() ?? new Date()).getTime();
    const refused = refusedAt !== undefined && nowMs - refusedAt < REFUSED_DRY_RUN_TTL_MS;
    if (this.#options.method !== 'field-comparison' && !refused) {
      const attempt = this.#cluster.dryRunApply(
        type,
        desired,
        this.#options.fieldManager ?? KUSTOMIZE_FIELD_MANAGER,
      );
      if (!this.#allowed.has(kindKey) && !this.#probing.has(kindKey)) {
        this.#probing.set(kindKey, attempt);
        void attempt.then(
          () => this.#probing.delete(kindKey),
          () => this.#probing.delete(kindKey),
        );
      }
      try {
        const predicted = await attempt;
        this.#allowed.add(kindKey);
        return {
          changes: compareObjects(type.kind, strip(predicted), strip(live)),
          method: DetectionMethod.ServerSideDryRun,
        };
      } catch (error) {
        // Read-only RBAC refuses every dry run of the kind: ask again only after a while.
        if ((error as { code?: unknown }).code === 403) {
          this.#refused.set(kindKey, nowMs);
          this.#allowed.delete(kindKey);
        }
        this.#options.logger.debug(
          {
            kind: type.kind,
            name: live.metadata.name,
            err: errorMessage(error),
          },
          'server-side dry run unavailable, comparing fields',
        );
      }
    }
    return {
      changes: compareObjects(type.kind, strip(desired), strip(live)),
      method: DetectionMethod.FieldComparison,
    };
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

/** The objects Flux applied: inventory entries that come from our artifact. */
function inventoryTargets(desired: readonly DesiredObject[], consumers: readonly ConsumerObject[]): Target[] {
  const targets: Target[] = [];
  const seen = new Set<string>();
  for (const consumer of consumers) {
    for (const entry of consumer.inventory) {
      if (seen.has(entry.id)) continue;
      const object = parseInventoryId(entry.id, entry.v);
      if (object === undefined) continue;
      const match = desired.find(
        (d) =>
          d.kind === object.kind &&
          d.name === object.name &&
          parseApiVersion(d.apiVersion).group === object.group &&
          (d.namespace === undefined ||
            consumer.targetNamespace !== undefined ||
            d.namespace === object.namespace),
      );
      if (match === undefined) continue;
      seen.add(entry.id);
      targets.push({
        desired: match,
        namespace: object.namespace || undefined,
        consumer,
      });
    }
  }
  return targets;
}

function appliedThisRevision(consumer: ConsumerObject, revision: string | undefined): boolean {
  if (consumer.inventory.length === 0 || consumer.lastAppliedRevision === undefined) return false;
  return revision === undefined || consumer.lastAppliedRevision === revision;
}

function consumerRef(c: ConsumerObject): string {
  return `${c.kind}/${c.namespace}/${c.name}`;
}

function consumerField(consumer: ConsumerObject | undefined): { consumer?: string } {
  return consumer === undefined ? {} : { consumer: consumerRef(consumer) };
}

function artifactTargets(desired: readonly DesiredObject[]): Target[] {
  return desired.map((d) => ({ desired: d, namespace: d.namespace ?? 'default', consumer: undefined }));
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

function refOf(target: Target): string {
  return objectRef({ kind: target.desired.kind, namespace: target.namespace, name: target.desired.name });
}

/** Secret values never leave the cluster through a report; other values are bounded. */
function present(kind: string, segments: readonly string[], value: unknown): unknown {
  if (value === undefined) return undefined;
  if (
    kind === 'Secret' &&
    (segments.length === 0 || segments[0] === 'data' || segments[0] === 'stringData')
  ) {
    return mask(value);
  }
  const json = JSON.stringify(value);
  return json.length > MAX_VALUE_CHARS ? truncate(json, MAX_VALUE_CHARS) : value;
}

function mask(value: unknown): unknown {
  if (isRecord(value)) return Object.fromEntries(Object.keys(value).map((k) => [k, MASK]));
  return MASK;
}

function valueField(key: 'desired' | 'live', value: unknown): Record<string, unknown> {
  return value === undefined ? {} : { [key]: value };
}
