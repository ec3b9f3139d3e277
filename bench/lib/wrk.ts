// Drives wrk against a URL and parses its report.
import { CommandError, execOk } from './exec.ts';

export interface LoadResult {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  bytesPerSecond: number;
  errors: number;
}

const UNIT_MS: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000 };
const UNIT_BYTES: Record<string, number> = { B: 1, KB: 1024, MB: 1024 ** 2, GB: 1024 ** 3 };

function latency(report: string, label: string): number {
  const match = new RegExp(`^\\s*${label}\\s+([0-9.]+)(us|ms|s|m)\\s*$`, 'm').exec(report);
  if (!match) throw new CommandError(`wrk report has no ${label} latency:\n${report}`);
  return Number(match[1]) * UNIT_MS[match[2]!]!;
}

export function parseWrkReport(report: string): LoadResult {
  const rps = /^Requests\/sec:\s+([0-9.]+)/m.exec(report);
  const transfer = /^Transfer\/sec:\s+([0-9.]+)(B|KB|MB|GB)/m.exec(report);
  if (!rps || !transfer) throw new CommandError(`unexpected wrk report:\n${report}`);
  const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(report)?.[1] ?? 0);
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(report);
  const socketErrors = socket ? socket.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0;
  return {
    requestsPerSecond: Number(rps[1]),
    p50Ms: latency(report, '50%'),
    p99Ms: latency(report, '99%'),
    bytesPerSecond: Number(transfer[1]) * UNIT_BYTES[transfer[2]!]!,
    errors: non2xx + socketErrors,
  };
}

/** Runs the load generator on `cpus` only (taskset's list syntax). */
export interface Pin {
  taskset: string;
  cpus: string;
}

export async function runWrk(
  wrk: string,
  url: string,
  options: { connections: number; threads: number; seconds: number; pin?: Pin },
): Promise<LoadResult> {
  if (!url.startsWith('http://127.0.0.1:'))
    throw new CommandError(`refusing to load a non-loopback URL: ${url}`);
  const pinned = options.pin === undefined ? [] : ['-c', options.pin.cpus];
  const report = await execOk(
    options.pin === undefined ? wrk : options.pin.taskset,
    [
      ...(options.pin === undefined ? [] : [...pinned, wrk]),
      `-t${options.threads}`,
      `-c${options.connections}`,
      `-d${options.seconds}s`,
      '--timeout',
      '30s',
      '--latency',
      url,
    ],
    { timeoutMs: (options.seconds + 60) * 1000 },
  );
  return parseWrkReport(report);
}
