// Metrics in an owned registry. Names and labels follow Flux (gotk_*) and controller-runtime
// (workqueue_*) so existing dashboards and alerts work; ConfigHub-specific series use bounded labels.
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { CONTROLLER_NAME } from '../api/constants.ts';

/**
 * Flux's bounds (ExponentialBuckets(0.01, 10, 4)); longer reconciles land in +Inf. prom-client keys a
 * series' bucket counts by bound, so an integer bound N makes V8 allocate an array of N+1 slots per
 * label set. Measured heap per series at 5,000 series (node 24, prom-client 15):
 * [0.01 … 1000, 1800] 21.5 KiB, [… 600] 7.4 KiB, [… 300] 3.9 KiB, [… 100] 1.6 KiB, [… 60] 1.1 KiB,
 * these 0.5 KiB. Keep the largest bound small: this histogram has one series per repository.
 */
export const RECONCILE_DURATION_BUCKETS = [0.01, 0.1, 1, 10];

export class ControllerMetrics {
  readonly registry = new Registry();

  readonly reconcileDuration = new Histogram({
    name: 'gotk_reconcile_duration_seconds',
    help: 'The duration in seconds of a GitOps Toolkit resource reconciliation.',
    labelNames: ['kind', 'name', 'namespace'] as const,
    buckets: RECONCILE_DURATION_BUCKETS,
    registers: [this.registry],
  });

  /** Deprecated in Flux in favour of kube-state-metrics, still read by many dashboards. */
  readonly reconcileCondition = new Gauge({
    name: 'gotk_reconcile_condition',
    help: 'The current condition status of a GitOps Toolkit resource reconciliation.',
    labelNames: ['kind', 'name', 'namespace', 'type', 'status'] as const,
    registers: [this.registry],
  });

  readonly suspendStatus = new Gauge({
    name: 'gotk_suspend_status',
    help: 'The current suspend status of a GitOps Toolkit resource.',
    labelNames: ['kind', 'name', 'namespace'] as const,
    registers: [this.registry],
  });

  readonly fetchDuration = new Histogram({
    name: 'confighub_fetch_duration_seconds',
    help: 'Duration of ConfigHub reads: the cheap listing poll and the data download.',
    labelNames: ['operation', 'result'] as const,
    // A handful of series; the largest integer bound (60) keeps each under 1 KiB.
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [this.registry],
  });

  readonly fetchErrors = new Counter({
    name: 'confighub_fetch_errors_total',
    help: 'ConfigHub read failures by reason.',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });

  readonly artifactSize = new Gauge({
    name: 'confighub_artifact_size_bytes',
    help: 'Size of the current artifact of each ConfigHubRepository.',
    labelNames: ['name', 'namespace'] as const,
    registers: [this.registry],
  });

  readonly artifactsBuilt = new Counter({
    name: 'confighub_artifacts_built_total',
    help: 'Artifacts built and stored (new revisions and rebuilds).',
    registers: [this.registry],
  });

  readonly queueDepth = new Gauge({
    name: 'workqueue_depth',
    help: 'Current depth of workqueue.',
    labelNames: ['name'] as const,
    registers: [this.registry],
  });

  readonly queueAdds = new Counter({
    name: 'workqueue_adds_total',
    help: 'Total number of adds handled by workqueue.',
    labelNames: ['name'] as const,
    registers: [this.registry],
  });

  readonly queueLatency = new Histogram({
    name: 'workqueue_queue_duration_seconds',
    help: 'How long in seconds an item stays in workqueue before being requested.',
    labelNames: ['name'] as const,
    // One series per controller, so its 1000 s bound (12 KiB, see above) costs nothing per repository.
    buckets: [0.001, 0.01, 0.1, 1, 10, 100, 1000],
    registers: [this.registry],
  });

  readonly queueRetries = new Counter({
    name: 'workqueue_retries_total',
    help: 'Total number of retries handled by workqueue.',
    labelNames: ['name'] as const,
    registers: [this.registry],
  });

  constructor(options: { processMetrics?: boolean } = {}) {
    if (options.processMetrics ?? true) collectDefaultMetrics({ register: this.registry });
    this.queueDepth.set({ name: CONTROLLER_NAME }, 0);
  }

  /** Drops the per-object series of a deleted object so the registry does not grow without bound. */
  forgetObject(kind: string, namespace: string, name: string): void {
    this.reconcileDuration.remove({ kind, name, namespace });
    this.suspendStatus.remove({ kind, name, namespace });
    this.artifactSize.remove({ name, namespace });
    for (const type of ['Ready', 'Reconciling', 'Stalled']) {
      for (const status of ['True', 'False', 'Unknown', 'Deleted']) {
        this.reconcileCondition.remove({ kind, name, namespace, type, status });
      }
    }
  }
}
