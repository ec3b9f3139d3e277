// The confighub_fetch_duration_seconds histogram around a ConfigHub read.
import type { ControllerMetrics } from '../../telemetry/metrics.ts';

export async function timed<T>(
  metrics: ControllerMetrics,
  operation: 'list' | 'fetch',
  fn: () => Promise<T>,
): Promise<T> {
  const started = performance.now();
  let result = 'success';
  try {
    return await fn();
  } catch (error) {
    result = 'error';
    throw error;
  } finally {
    metrics.fetchDuration.observe({ operation, result }, (performance.now() - started) / 1000);
  }
}
