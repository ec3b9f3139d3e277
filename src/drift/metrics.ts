// Drift metrics with bounded labels: kind, namespace, classification and severity, never object
// names (one series per drifted object would grow without bound).
import { Counter, Gauge, type Registry } from 'prom-client';
import type { DriftReport } from './report.ts';

export const DRIFT_ITEMS_METRIC = 'confighub_drift_items';
export const DRIFT_CHECKS_METRIC = 'confighub_drift_checks_total';

export class DriftMetrics {
  readonly items: Gauge<'kind' | 'namespace' | 'classification' | 'severity'>;
  readonly checks: Counter<'result'>;
  /** Per repository, so one repository's report replaces only its own share of the gauge. */
  readonly #byRepository = new Map<string, Map<string, number>>();

  constructor(registry: Registry) {
    this.items =
      (registry.getSingleMetric(DRIFT_ITEMS_METRIC) as DriftMetrics['items'] | undefined) ??
      new Gauge({
        name: DRIFT_ITEMS_METRIC,
        help: 'Open drift items found by report-only drift detection.',
        labelNames: ['kind', 'namespace', 'classification', 'severity'] as const,
        registers: [registry],
      });
    this.checks =
      (registry.getSingleMetric(DRIFT_CHECKS_METRIC) as DriftMetrics['checks'] | undefined) ??
      new Counter({
        name: DRIFT_CHECKS_METRIC,
        help: 'Drift checks by result (clean, drifted, error).',
        labelNames: ['result'] as const,
        registers: [registry],
      });
  }

  record(repositoryKey: string, report: DriftReport): void {
    const counts = new Map<string, number>();
    for (const item of report.items) {
      const key = JSON.stringify([item.kind, item.namespace ?? '', item.classification, item.severity]);
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    this.#byRepository.set(repositoryKey, counts);
    this.checks.inc({
      result: report.summary.errors > 0 ? 'error' : report.summary.items > 0 ? 'drifted' : 'clean',
    });
    this.#publish();
  }

  /** Drops a repository's share (repository deleted or drift detection turned off). */
  forget(repositoryKey: string): void {
    if (this.#byRepository.delete(repositoryKey)) this.#publish();
  }

  #publish(): void {
    const totals = new Map<string, number>();
    for (const counts of this.#byRepository.values()) {
      for (const [key, n] of counts) totals.set(key, (totals.get(key) ?? 0) + n);
    }
    this.items.reset();
    for (const [key, n] of totals) {
      const [kind, namespace, classification, severity] = JSON.parse(key) as string[];
      this.items.set({ kind, namespace, classification, severity }, n);
    }
  }
}
