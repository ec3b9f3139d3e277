// How a desired object differs from the live one: a server-side dry run predicts what the apply would
// make of it where the API server allows one, and a field-by-field comparison stands in where not.
import type { Logger } from 'pino';
import type { KubeObject } from '../kube/client.ts';
import type { ResourceType } from '../kube/resources.ts';
import { errorMessage } from '../util/errors.ts';
import type { DriftCluster } from './cluster.ts';
import { compareObjects, type FieldChange } from './compare.ts';
import { removeAt } from './pointer.ts';
import { DetectionMethod } from './report.ts';

/** kustomize-controller's apply field manager: the dry run must predict *its* apply. */
export const KUSTOMIZE_FIELD_MANAGER = 'kustomize-controller';
/** A kind whose dry run was refused (403) is compared field by field for this long before asking again. */
const REFUSED_DRY_RUN_TTL_MS = 10 * 60_000;

/** The detector options a comparison reads (each time, as the detector's own). */
export interface ComparisonOptions {
  logger: Logger;
  method?: 'auto' | 'field-comparison';
  fieldManager?: string;
  now?: () => Date;
}

export class LiveComparer {
  readonly #cluster: DriftCluster;
  readonly #options: ComparisonOptions;
  /** `group/kind` → when a dry run of that kind was refused with 403. */
  readonly #refused = new Map<string, number>();
  /** Kinds whose dry runs the API server accepted; the first dry run of any other kind goes alone. */
  readonly #allowed = new Set<string>();
  readonly #probing = new Map<string, Promise<unknown>>();

  constructor(cluster: DriftCluster, options: ComparisonOptions) {
    this.#cluster = cluster;
    this.#options = options;
  }

  async compare(
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
}
