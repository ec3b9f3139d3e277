// What Flux did with our artifact, folded into the ConfigHubRepository's status: consumers and the
// Delivered/Drifted family of conditions (from src/delivery), and, when drift detection is on for the
// object, the report-only drift report (from src/drift). None of this touches Ready.

import { readFile } from 'node:fs/promises';
import type { Logger } from 'pino';
import { removeCondition, setCondition } from '../api/conditions.ts';
import type { RepositoryStatus } from '../api/v1beta1.ts';
import type { Storage } from '../artifact/index.ts';
import { computeDelivery, type DeliveryTracker, type DriftSummary } from '../delivery/index.ts';
import {
  type DriftDetector,
  type DriftEvent,
  type DriftMetrics,
  type DriftMode,
  driftEvents,
  driftModeOf,
  driftRepositoryOf,
  previousReport,
  summarize,
} from '../drift/index.ts';
import { errorMessage } from '../util/errors.ts';

export interface DeliveryReporterDeps {
  tracker: DeliveryTracker;
  detector: DriftDetector | undefined;
  driftMetrics: DriftMetrics | undefined;
  storage: Storage;
  globalDriftMode: DriftMode;
}

export interface DeliveryInputs {
  namespace: string;
  name: string;
  object: { metadata: unknown; spec: unknown };
  status: RepositoryStatus & { conditions: NonNullable<RepositoryStatus['conditions']> };
  generation: number | undefined;
  now: Date;
  nowString: string;
  /** Run drift detection now (after an upstream poll, or when a consumer applied a new revision). */
  checkDrift: boolean;
  log: Logger;
}

export class DeliveryReporter {
  readonly #deps: DeliveryReporterDeps;

  constructor(deps: DeliveryReporterDeps) {
    this.#deps = deps;
  }

  /** True when a consumer applied a revision the status does not show yet: worth a drift check. */
  appliedRevisionsChanged(namespace: string, name: string, status: RepositoryStatus): boolean {
    const recorded = new Map(
      (status.consumers ?? []).map((c) => [`${c.kind}/${c.namespace}/${c.name}`, c.lastAppliedRevision]),
    );
    return this.#deps.tracker
      .consumersOf(namespace, name)
      .some((c) => recorded.get(`${c.kind}/${c.namespace}/${c.name}`) !== c.lastAppliedRevision);
  }

  /** Updates status.consumers, status.drift and the reporting conditions; returns drift events to record. */
  async apply(input: DeliveryInputs): Promise<DriftEvent[]> {
    const { status, namespace, name } = input;
    const consumers = this.#deps.tracker.consumersOf(namespace, name);
    const key = `${namespace}/${name}`;
    const mode = driftModeOf(input.object.spec, this.#deps.globalDriftMode);
    let events: DriftEvent[] = [];
    let drift: DriftSummary | undefined;

    if (mode === 'report' && this.#deps.detector !== undefined && status.artifact !== undefined) {
      const previous = previousReport(status);
      if (input.checkDrift || previous === undefined) {
        try {
          const bytes = await readFile(await this.#deps.storage.absolutePath(status.artifact.path));
          const repository = driftRepositoryOf({ ...input.object, status });
          // Without a consumer nothing applied the artifact: comparing it would only find missing objects.
          const report =
            consumers.length === 0
              ? this.#deps.detector.pending(repository, 'no Flux consumer references this artifact')
              : await this.#deps.detector.detect(repository, bytes, consumers);
          events = driftEvents(previous, report);
          status.drift = report;
          drift = summarize(report);
        } catch (error) {
          // A failed check keeps the last report: drift reporting never fails the reconcile.
          input.log.error({ err: errorMessage(error) }, 'drift check failed');
          if (previous !== undefined) drift = summarize(previous);
        }
      } else {
        drift = summarize(previous);
      }
    } else if (mode === 'disabled' && 'drift' in status) {
      delete status.drift;
      this.#deps.driftMetrics?.forget(key);
    }

    const result = computeDelivery(
      {
        ...(status.artifact?.revision ? { artifactRevision: status.artifact.revision } : {}),
        ...(status.artifact?.digest ? { artifactDigest: status.artifact.digest } : {}),
      },
      consumers,
      input.now,
      drift,
    );
    if (result.consumers.length > 0) status.consumers = result.consumers;
    else delete status.consumers;
    let conditions = status.conditions;
    for (const type of result.remove) conditions = removeCondition(conditions, type);
    for (const condition of result.conditions) {
      conditions = setCondition(conditions, condition, input.generation, input.nowString);
    }
    status.conditions = conditions;
    return events;
  }

  forget(namespace: string, name: string): void {
    this.#deps.driftMetrics?.forget(`${namespace}/${name}`);
  }
}
