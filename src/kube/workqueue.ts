// Keyed work queue in the shape of client-go's: a key is queued at most once, never processed by two
// workers at the same time (an add while it runs marks it dirty and it runs again afterwards), delayed
// adds keep the earliest deadline, and failures back off exponentially per key.
import { type LongTimer, setLongTimeout } from '../util/timers.ts';

export interface WorkQueueOptions {
  concurrency: number;
  process: (key: string) => Promise<void>;
  minRetryDelayMs: number;
  maxRetryDelayMs: number;
  now?: () => number;
  /** Called with the time a key waited between becoming ready and a worker picking it up. */
  onDequeue?: (waitedMs: number) => void;
}

export class WorkQueue {
  readonly #options: WorkQueueOptions;
  readonly #ready: string[] = [];
  readonly #readySince = new Map<string, number>();
  readonly #processing = new Set<string>();
  readonly #dirty = new Set<string>();
  readonly #timers = new Map<string, { at: number; timer: LongTimer }>();
  readonly #failures = new Map<string, number>();
  readonly #idleWaiters: Array<() => void> = [];
  #active = 0;
  #running = false;
  #shuttingDown = false;

  constructor(options: WorkQueueOptions) {
    this.#options = options;
  }

  get depth(): number {
    return this.#ready.length;
  }

  get processingCount(): number {
    return this.#processing.size;
  }

  /** Keys waiting on a delay (interval requeues, backoff). */
  get scheduledCount(): number {
    return this.#timers.size;
  }

  /** When a delayed key is due (ms since the epoch, by this queue's clock), if it waits on a delay. */
  scheduledAt(key: string): number | undefined {
    return this.#timers.get(key)?.at;
  }

  add(key: string): void {
    if (this.#shuttingDown) return;
    this.#cancelTimer(key);
    if (this.#processing.has(key)) {
      this.#dirty.add(key);
      return;
    }
    if (this.#readySince.has(key)) return;
    this.#ready.push(key);
    this.#readySince.set(key, this.#now());
    this.#pump();
  }

  addAfter(key: string, delayMs: number): void {
    if (this.#shuttingDown) return;
    if (delayMs <= 0) {
      this.add(key);
      return;
    }
    const at = this.#now() + delayMs;
    const existing = this.#timers.get(key);
    if (existing !== undefined && existing.at <= at) return;
    if (existing !== undefined) existing.timer.cancel();
    const timer = setLongTimeout(() => {
      this.#timers.delete(key);
      this.add(key);
    }, delayMs);
    this.#timers.set(key, { at, timer });
  }

  /** Requeues after this key's next backoff step: min * 2^failures, capped; never sooner than atLeastMs. */
  addRateLimited(key: string, atLeastMs = 0): number {
    const failures = this.#failures.get(key) ?? 0;
    this.#failures.set(key, failures + 1);
    const backoff = Math.min(this.#options.maxRetryDelayMs, this.#options.minRetryDelayMs * 2 ** failures);
    const delay = Math.max(backoff, atLeastMs);
    this.addAfter(key, delay);
    return delay;
  }

  forget(key: string): void {
    this.#failures.delete(key);
  }

  /** Drops a key entirely (object deleted). */
  remove(key: string): void {
    this.#cancelTimer(key);
    this.#failures.delete(key);
    this.#dirty.delete(key);
    const index = this.#ready.indexOf(key);
    if (index >= 0) {
      this.#ready.splice(index, 1);
      this.#readySince.delete(key);
    }
  }

  start(): void {
    this.#running = true;
    this.#pump();
  }

  /** Stops taking work and waits for running items to finish. */
  async shutdown(): Promise<void> {
    this.#shuttingDown = true;
    for (const { timer } of this.#timers.values()) timer.cancel();
    this.#timers.clear();
    this.#ready.length = 0;
    this.#readySince.clear();
    if (this.#active === 0) return;
    await new Promise<void>((resolve) => this.#idleWaiters.push(resolve));
  }

  #pump(): void {
    while (this.#running && !this.#shuttingDown && this.#active < this.#options.concurrency) {
      const key = this.#ready.shift();
      if (key === undefined) return;
      const since = this.#readySince.get(key) ?? this.#now();
      this.#readySince.delete(key);
      this.#options.onDequeue?.(this.#now() - since);
      this.#processing.add(key);
      this.#active++;
      void this.#runOne(key);
    }
  }

  async #runOne(key: string): Promise<void> {
    try {
      await this.#options.process(key);
    } catch {
      // The process function owns error handling and requeueing; a throw here must not kill a worker.
    } finally {
      this.#processing.delete(key);
      this.#active--;
      if (this.#dirty.delete(key)) this.add(key);
      if (this.#active === 0 && this.#shuttingDown)
        for (const resolve of this.#idleWaiters.splice(0)) resolve();
      this.#pump();
    }
  }

  #cancelTimer(key: string): void {
    const existing = this.#timers.get(key);
    if (existing !== undefined) {
      existing.timer.cancel();
      this.#timers.delete(key);
    }
  }

  #now(): number {
    return (this.#options.now ?? Date.now)();
  }
}
