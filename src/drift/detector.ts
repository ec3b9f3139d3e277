// Report-only drift detection: compares what our artifact says with what is live, for the objects a
// consumer applied (its inventory) or, with no consumer, every object of the artifact. It never
// writes: live objects are read with GET and the prediction of an apply is a dry run. The phases live
// beside it: choosing targets, checking one object, comparing it with the live one.
import type { Logger } from 'pino';
import { readTarGz } from '../artifact/tarball-reader.ts';
import type { ConsumerObject } from '../delivery/consumer.ts';
import type { KubeClient } from '../kube/client.ts';
import { mapLimit } from '../util/map-limit.ts';
import { type DriftCluster, KubeDriftCluster } from './cluster.ts';
import { type ArtifactFileInput, desiredObjects } from './desired.ts';
import { buildForConsumer, type VarSource } from './flux-build.ts';
import type { IgnoreRule } from './ignore.ts';
import type { DriftMetrics } from './metrics.ts';
import { type AutoscalerCache, compileRules, ObjectChecker } from './object-check.ts';
import {
  Classification,
  type DriftFinding,
  type DriftReport,
  MAX_ERRORS,
  MAX_NOTES,
  objectRef,
} from './report.ts';
import { mergeItems } from './state.ts';
import {
  appliedThisRevision,
  artifactTargets,
  consumerRef,
  inventoryTargets,
  refOf,
  type Target,
} from './targets.ts';

export { KUSTOMIZE_FIELD_MANAGER } from './live-comparison.ts';

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

export class DriftDetector {
  readonly #cluster: DriftCluster;
  readonly #options: DriftDetectorOptions;
  readonly #checker: ObjectChecker;

  constructor(options: DriftDetectorOptions) {
    this.#options = options;
    if (options.cluster !== undefined) this.#cluster = options.cluster;
    else if (options.kube !== undefined) this.#cluster = new KubeDriftCluster({ kube: options.kube });
    else throw new Error('DriftDetector needs either cluster or kube');
    this.#checker = new ObjectChecker(this.#cluster, options);
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
      this.#checker.check(t, rules, autoscalers),
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
}
