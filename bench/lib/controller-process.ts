// The real controller as a child process (`node src/cli/main.ts controller …`), so its CPU and RSS are
// measured apart from the emulator and the Kubernetes API test server that drive it.
import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { freePort, waitForHttp } from './http.ts';

const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const PROJECT_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface HeapMetrics {
  heapUsedBytes: number;
  heapTotalBytes: number;
  /** Committed young generation: V8 sizes it up front, so it is RSS even when mostly empty. */
  newSpaceTotalBytes: number;
  externalBytes: number;
}

export interface ReconcileTimings {
  reconcileMs: number;
  /** ConfigHub unit listing. */
  listMs: number;
  /** ConfigHub unit data download (only when something changed). */
  fetchMs: number;
  /** Time an item waited in the work queue before a worker took it. */
  queueMs: number;
}

export interface ControllerProcess {
  pid: number;
  metricsUrl: string;
  healthUrl: string;
  /** Sum of gotk_reconcile_duration_seconds_count over every object: reconciles finished so far. */
  reconciles(): Promise<number>;
  /**
   * ConfigHub listings so far (every poll lists once). Unlike `reconciles`, a total without
   * per-object labels, so it does not shrink when a deleted object's series are removed.
   */
  listings(): Promise<number>;
  /** Mean durations so far from the controller's histograms, in ms. */
  timings(): Promise<ReconcileTimings>;
  /** V8 heap and external memory from the controller's own process metrics (prom-client defaults). */
  memory(): Promise<HeapMetrics>;
  stop(): Promise<number | null>;
}

export async function startControllerProcess(options: {
  kubeconfig: string;
  storagePath: string;
  logFile: string;
  args?: string[];
  /** Flags for node itself, e.g. V8 heap sizing. */
  nodeArgs?: string[];
  /** Environment beyond PATH and HOME (the image's `ENV`, e.g. allocator tuning). */
  env?: Record<string, string>;
  /** A controller entry that takes the controller's flags directly (dist/main.js), instead of the CLI. */
  script?: string;
}): Promise<ControllerProcess> {
  const [storagePort, metricsPort, healthPort] = [await freePort(), await freePort(), await freePort()];
  const child: ChildProcess = spawn(
    process.execPath,
    [
      ...(options.nodeArgs ?? []),
      ...(options.script === undefined ? [MAIN, 'controller'] : [options.script]),
      `--kubeconfig=${options.kubeconfig}`,
      `--storage-path=${options.storagePath}`,
      `--storage-addr=127.0.0.1:${storagePort}`,
      `--storage-adv-addr=127.0.0.1:${storagePort}`,
      `--metrics-addr=127.0.0.1:${metricsPort}`,
      `--health-addr=127.0.0.1:${healthPort}`,
      '--log-level=error',
      ...(options.args ?? []),
    ],
    {
      cwd: PROJECT_ROOT,
      stdio: ['ignore', 'ignore', 'pipe'],
      env: {
        ...options.env,
        PATH: process.env['PATH'] ?? '/usr/bin:/bin',
        HOME: process.env['HOME'] ?? '/tmp',
      },
    },
  );
  child.stderr?.pipe(createWriteStream(options.logFile));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let exitCode: number | null | undefined;
  void exited.then((code) => {
    exitCode = code;
  });
  try {
    await waitForHttp(`http://127.0.0.1:${healthPort}/readyz`, 30_000);
  } catch (error) {
    child.kill('SIGKILL');
    throw new Error(`controller did not start (see ${options.logFile}): ${(error as Error).message}`);
  }
  const metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
  const scrape = async () => {
    if (exitCode !== undefined)
      throw new Error(`controller exited with ${exitCode} (see ${options.logFile})`);
    return (await fetch(metricsUrl)).text();
  };
  return {
    pid: child.pid!,
    metricsUrl,
    healthUrl: `http://127.0.0.1:${healthPort}/healthz`,
    async reconciles() {
      return sumSeries(await scrape(), /^gotk_reconcile_duration_seconds_count\{[^}]*\} ([0-9.e+]+)$/gm);
    },
    async timings() {
      const text = await scrape();
      const mean = (metric: string, filter = '') => {
        const sum = sumSeries(
          text,
          new RegExp(`^${metric}_sum\\{[^}]*${filter}[^}]*\\} ([0-9.e+-]+)$`, 'gm'),
        );
        const count = sumSeries(
          text,
          new RegExp(`^${metric}_count\\{[^}]*${filter}[^}]*\\} ([0-9.e+-]+)$`, 'gm'),
        );
        return count > 0 ? (sum / count) * 1000 : Number.NaN;
      };
      return {
        reconcileMs: mean('gotk_reconcile_duration_seconds'),
        listMs: mean('confighub_fetch_duration_seconds', 'operation="list"'),
        fetchMs: mean('confighub_fetch_duration_seconds', 'operation="fetch"'),
        queueMs: mean('workqueue_queue_duration_seconds'),
      };
    },
    async memory() {
      const text = await scrape();
      const value = (pattern: RegExp) => Number(pattern.exec(text)?.[1] ?? Number.NaN);
      return {
        heapUsedBytes: value(/^nodejs_heap_size_used_bytes ([0-9.e+]+)$/m),
        heapTotalBytes: value(/^nodejs_heap_size_total_bytes ([0-9.e+]+)$/m),
        newSpaceTotalBytes: value(/^nodejs_heap_space_size_total_bytes\{space="new"\} ([0-9.e+]+)$/m),
        externalBytes: value(/^nodejs_external_memory_bytes ([0-9.e+]+)$/m),
      };
    },
    async listings() {
      return sumSeries(
        await scrape(),
        /^confighub_fetch_duration_seconds_count\{[^}]*operation="list"[^}]*\} ([0-9.e+]+)$/gm,
      );
    },
    async stop() {
      if (exitCode !== undefined) return exitCode;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

function sumSeries(text: string, pattern: RegExp): number {
  let total = 0;
  for (const match of text.matchAll(pattern)) total += Number(match[1]);
  return total;
}
