// Bytes that builds in flight may hold at once (--build-memory-limit). A build reserves what it will
// hold before it fetches, waits in arrival order while others hold the budget, and is refused at once
// when it could never fit, so many large spaces slow each other down instead of exhausting the pod.
import { BuildLimitError } from './errors.ts';

export type Release = () => void;

interface Waiter {
  bytes: number;
  grant: (release: Release) => void;
  fail: (error: unknown) => void;
}

export class MemoryBudget {
  readonly total: number;
  #inUse = 0;
  readonly #waiters: Waiter[] = [];

  constructor(totalBytes: number) {
    this.total = totalBytes;
  }

  get inUse(): number {
    return this.#inUse;
  }

  get waiting(): number {
    return this.#waiters.length;
  }

  /** Resolves with a release function once `bytes` are reserved; rejects when aborted or impossible. */
  acquire(bytes: number, signal: AbortSignal, what: string): Promise<Release> {
    if (bytes > this.total) {
      return Promise.reject(
        new BuildLimitError(
          `${what} needs about ${mib(bytes)} to build, more than --build-memory-limit allows (${mib(this.total)})`,
        ),
      );
    }
    if (signal.aborted) return Promise.reject(signal.reason);
    if (this.#waiters.length === 0 && this.#inUse + bytes <= this.total) {
      return Promise.resolve(this.#grant(bytes));
    }
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        bytes,
        grant: (release) => {
          signal.removeEventListener('abort', onAbort);
          resolve(release);
        },
        fail: reject,
      };
      const onAbort = () => {
        const index = this.#waiters.indexOf(waiter);
        if (index >= 0) this.#waiters.splice(index, 1);
        reject(signal.reason);
        this.#drain();
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.#waiters.push(waiter);
    });
  }

  #grant(bytes: number): Release {
    this.#inUse += bytes;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#inUse -= bytes;
      this.#drain();
    };
  }

  /** Strict arrival order: a large build at the head is not starved by smaller ones behind it. */
  #drain(): void {
    while (this.#waiters.length > 0) {
      const head = this.#waiters[0]!;
      if (this.#inUse + head.bytes > this.total) return;
      this.#waiters.shift();
      head.grant(this.#grant(head.bytes));
    }
  }
}

export function mib(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(bytes < 2 ** 20 ? 2 : 0)} MiB`;
}
