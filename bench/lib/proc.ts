// CPU time and RSS of a process from /proc, so the controller is measured apart from the test doubles.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/** Linux USER_HZ: /proc/<pid>/stat counts CPU time in these ticks. */
const CLOCK_TICKS_PER_SECOND = 100;

export interface ProcessSample {
  atMs: number;
  /** user + system CPU seconds so far. */
  cpuSeconds: number;
  rssBytes: number;
  /** Anonymous memory (heap, stacks, buffers): RSS without the mapped binary and libraries. */
  rssAnonBytes: number;
}

export function sampleProcess(pid: number): ProcessSample | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which is in parentheses and may contain spaces.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const field = (name: string) =>
      Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN);
    return {
      atMs: performance.now(),
      cpuSeconds: (utime + stime) / CLOCK_TICKS_PER_SECOND,
      rssBytes: field('VmRSS') * 1024,
      rssAnonBytes: field('RssAnon') * 1024,
    };
  } catch {
    return undefined;
  }
}

/** CPU% (100 = one core) between two samples. */
export function cpuPercent(from: ProcessSample, to: ProcessSample): number {
  const wallSeconds = (to.atMs - from.atMs) / 1000;
  return wallSeconds > 0 ? ((to.cpuSeconds - from.cpuSeconds) / wallSeconds) * 100 : Number.NaN;
}

/** Samples a process every `everyMs` until stopped; keeps every sample. */
export class ProcessSampler {
  readonly samples: ProcessSample[] = [];
  readonly #timer: NodeJS.Timeout;

  constructor(pid: number, everyMs = 1000) {
    const take = () => {
      const sample = sampleProcess(pid);
      if (sample) this.samples.push(sample);
    };
    take();
    this.#timer = setInterval(take, everyMs);
    this.#timer.unref();
  }

  stop(): ProcessSample[] {
    clearInterval(this.#timer);
    return this.samples;
  }

  since(atMs: number): ProcessSample[] {
    return this.samples.filter((s) => s.atMs >= atMs);
  }
}

/** Open file descriptors of a process, and how many of them are sockets. */
export function openDescriptors(pid: number): { total: number; sockets: number } | undefined {
  try {
    const entries = readdirSync(`/proc/${pid}/fd`);
    let sockets = 0;
    for (const fd of entries) {
      try {
        if (readlinkSync(`/proc/${pid}/fd/${fd}`).startsWith('socket:')) sockets++;
      } catch {
        // Closed between the listing and the read.
      }
    }
    return { total: entries.length, sockets };
  } catch {
    return undefined;
  }
}
