// A small pool of worker threads that validate unit YAML off the main event loop.
//
// Parsing is the one CPU-heavy step of a build that grows with what a tenant writes; on the main loop a
// single huge unit would hold up every tenant's probes, metrics and artifact downloads. Here it runs in
// a worker with a capped heap, a task is cancelled by terminating its worker (a parser cannot be
// interrupted otherwise), and workers idle for a while are stopped so an idle controller holds none.
import { Worker } from 'node:worker_threads';
import { siblingModule } from '../util/sibling-module.ts';
import { type LongTimer, setLongTimeout } from '../util/timers.ts';
import { BuildLimitError } from './errors.ts';
import type { KustomizationRefs } from './kustomization-policy.ts';
import type { ValidationReply, ValidationRequest } from './validation-protocol.ts';
import type { ObjectHeader, YamlPosition } from './yaml-check.ts';

const WORKER_URL = siblingModule(import.meta.url, './validation-worker');
/** Idle workers go soon: each holds an isolate of its own, and a new one starts in tens of milliseconds. */
const DEFAULT_IDLE_MS = 15_000;
/**
 * A worker that parsed a unit this large is replaced rather than reused: its heap grew to several times
 * the unit and V8 would keep that until a later collection, so ending the isolate returns it at once.
 */
const RECYCLE_AFTER_BYTES = 1 << 20;
const YOUNG_GENERATION_MB = 8;

export interface ValidatorPoolOptions {
  /** Workers running at once (each validates one unit at a time). */
  workers: number;
  /** Old-generation heap of each worker; a unit needing more is refused with LimitExceeded. */
  maxHeapMb: number;
  /** A worker idle this long is stopped (default 15 s). */
  idleMs?: number;
}

/** A unit the parser refused; the caller names the unit. */
export class UnitCheckFailure extends Error {
  override readonly name = 'UnitCheckFailure';
  readonly position: YamlPosition | undefined;
  /** Refused by the kustomization policy rather than as YAML. */
  readonly policy: boolean;

  constructor(problem: string, position?: YamlPosition, policy = false) {
    super(problem);
    this.position = position;
    this.policy = policy;
  }
}

/** A unit that passed: its objects, and for the kustomization unit the paths it names. */
export interface ValidatedUnit {
  headers: ObjectHeader[];
  kustomization?: KustomizationRefs | undefined;
}

interface Task {
  request: Omit<ValidationRequest, 'id'>;
  signal: AbortSignal;
  resolve: (result: ValidatedUnit) => void;
  reject: (error: unknown) => void;
  onAbort?: () => void;
}

interface Slot {
  worker: Worker;
  task: (Task & { id: number }) | undefined;
  idle: LongTimer | undefined;
}

export class ValidatorPool {
  readonly #options: Required<ValidatorPoolOptions>;
  readonly #slots = new Set<Slot>();
  readonly #queue: Task[] = [];
  #nextId = 1;
  #closed = false;
  /** Workers started over the pool's life, for tests and metrics. */
  started = 0;

  constructor(options: ValidatorPoolOptions) {
    this.#options = { idleMs: DEFAULT_IDLE_MS, ...options };
  }

  get size(): number {
    return this.#slots.size;
  }

  /** Validates one unit's bytes; rejects with UnitCheckFailure, BuildLimitError or the signal's reason. */
  validate(data: Uint8Array, kustomization: boolean, signal: AbortSignal): Promise<ValidatedUnit> {
    if (this.#closed) return Promise.reject(new Error('validator pool is closed'));
    if (signal.aborted) return Promise.reject(signal.reason);
    return new Promise((resolve, reject) => {
      const task: Task = { request: { data, kustomization }, signal, resolve, reject };
      task.onAbort = () => this.#abort(task);
      signal.addEventListener('abort', task.onAbort, { once: true });
      this.#queue.push(task);
      this.#dispatch();
    });
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const task of this.#queue.splice(0)) this.#settle(task, new Error('validator pool is closed'));
    await Promise.all([...this.#slots].map((slot) => this.#stop(slot)));
  }

  #dispatch(): void {
    while (this.#queue.length > 0) {
      let slot = [...this.#slots].find((candidate) => candidate.task === undefined);
      if (slot === undefined) {
        if (this.#slots.size >= this.#options.workers) return;
        slot = this.#spawn();
      }
      const task = this.#queue.shift()!;
      slot.idle?.cancel();
      slot.idle = undefined;
      const id = this.#nextId++;
      slot.task = { ...task, id };
      // A busy worker keeps the process alive (a CLI waiting only on it must not exit); an idle one not.
      slot.worker.ref();
      slot.worker.postMessage({ id, ...task.request } satisfies ValidationRequest);
    }
  }

  #spawn(): Slot {
    const worker = new Worker(WORKER_URL, {
      // A small young generation: a parse allocates millions of short-lived objects, and V8 would
      // otherwise grow its semi-spaces to hundreds of MiB of RSS for them (measured: 173 vs 33 MiB of
      // RSS for a 25 MiB unit at the same speed).
      resourceLimits: {
        maxOldGenerationSizeMb: this.#options.maxHeapMb,
        maxYoungGenerationSizeMb: YOUNG_GENERATION_MB,
      },
    });
    worker.unref();
    this.started++;
    const slot: Slot = { worker, task: undefined, idle: undefined };
    this.#slots.add(slot);
    worker.on('message', (reply: ValidationReply) => {
      const task = slot.task;
      if (task === undefined || task.id !== reply.id) return;
      slot.task = undefined;
      if (reply.ok)
        this.#settle(task, undefined, { headers: reply.headers, kustomization: reply.kustomization });
      else this.#settle(task, new UnitCheckFailure(reply.problem, reply.position, reply.policy === true));
      if (task.request.data.byteLength >= RECYCLE_AFTER_BYTES) void this.#stop(slot);
      else this.#park(slot);
      this.#dispatch();
    });
    worker.on('error', (error: Error & { code?: string }) => {
      const task = slot.task;
      slot.task = undefined;
      this.#slots.delete(slot);
      if (task !== undefined) {
        this.#settle(
          task,
          error.code === 'ERR_WORKER_OUT_OF_MEMORY'
            ? new BuildLimitError(
                `validating it needs more than the ${this.#options.maxHeapMb} MiB a validation worker may use (--build-memory-limit)`,
              )
            : new Error(`validation worker failed: ${error.name}`),
        );
      }
      this.#dispatch();
    });
    worker.on('exit', () => {
      if (!this.#slots.has(slot)) return;
      this.#slots.delete(slot);
      const task = slot.task;
      slot.task = undefined;
      if (task !== undefined) this.#settle(task, new Error('validation worker exited'));
      this.#dispatch();
    });
    return slot;
  }

  /** Stops an idle worker after a while; the next task starts a new one. */
  #park(slot: Slot): void {
    slot.worker.unref();
    slot.idle = setLongTimeout(() => {
      if (slot.task === undefined) void this.#stop(slot);
    }, this.#options.idleMs);
  }

  async #stop(slot: Slot): Promise<void> {
    this.#slots.delete(slot);
    slot.idle?.cancel();
    await slot.worker.terminate();
  }

  #abort(task: Task): void {
    const queued = this.#queue.indexOf(task);
    if (queued >= 0) {
      this.#queue.splice(queued, 1);
      this.#settle(task, task.signal.reason);
      return;
    }
    for (const slot of this.#slots) {
      if (slot.task?.resolve === task.resolve) {
        // A running parse cannot be interrupted: the worker goes, and a new one takes the next task.
        slot.task = undefined;
        void this.#stop(slot);
        this.#settle(task, task.signal.reason);
        this.#dispatch();
        return;
      }
    }
  }

  #settle(task: Task, error: unknown, result?: ValidatedUnit): void {
    if (task.onAbort) task.signal.removeEventListener('abort', task.onAbort);
    if (error === undefined) task.resolve(result ?? { headers: [] });
    else task.reject(error);
  }
}
