// Waiting on one object through the watch API (no polling): read it, then watch from its
// resourceVersion until `decide` returns a value, the deadline passes or the caller aborts. A watch
// the server ends or expires (410) is resumed from a fresh read.
import type { KubeClient, KubeObject } from '../kube/client.ts';
import { isNotFound } from '../kube/errors.ts';
import type { ResourceType } from '../kube/resources.ts';
import { delay, timeoutSignal } from '../util/timers.ts';
import { CommandError } from './errors.ts';

export class WaitTimeoutError extends CommandError {
  constructor(what: string, timeoutMs: number, detail?: string) {
    super(`timed out after ${formatSeconds(timeoutMs)} waiting for ${what}${detail ? `; ${detail}` : ''}`);
    this.name = 'WaitTimeoutError';
  }
}

export interface WaitOptions {
  timeoutMs: number;
  /** Words for the timeout message, e.g. "ConfigHubRepository reconciliation". */
  description: string;
  signal?: AbortSignal | undefined;
  /** Seconds a single watch request may last before it is renewed. */
  watchSeconds?: number;
}

/**
 * Resolves with the first defined result of `decide(object)`; `decide(undefined)` is asked when the
 * object does not exist or is deleted.
 */
export async function waitForObject<T>(
  client: KubeClient,
  type: ResourceType,
  namespace: string,
  name: string,
  decide: (object: KubeObject | undefined) => T | undefined,
  options: WaitOptions,
): Promise<T> {
  const timeout = timeoutSignal(options.timeoutMs);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  const stopped = () => {
    if (timeout.aborted) return new WaitTimeoutError(options.description, options.timeoutMs);
    return new CommandError(`interrupted while waiting for ${options.description}`);
  };
  while (!signal.aborted) {
    let current: KubeObject | undefined;
    try {
      current = await client.get<KubeObject>(type, namespace, name);
    } catch (error) {
      if (signal.aborted) break;
      if (!isNotFound(error)) throw error;
    }
    const initial = decide(current);
    if (initial !== undefined) return initial;

    const watch = new AbortController();
    const onAbort = () => watch.abort();
    signal.addEventListener('abort', onAbort, { once: true });
    let result: T | undefined;
    const started = Date.now();
    try {
      await client.watch(
        type,
        {
          namespace,
          // Only this object's events; the name check below stays as a guard.
          fieldSelector: `metadata.name=${name}`,
          signal: watch.signal,
          timeoutSeconds: options.watchSeconds ?? 60,
          ...(current?.metadata.resourceVersion ? { resourceVersion: current.metadata.resourceVersion } : {}),
        },
        (event) => {
          if (result !== undefined || event.object.metadata?.name !== name) return;
          if (event.type !== 'ADDED' && event.type !== 'MODIFIED' && event.type !== 'DELETED') return;
          const decided = decide(event.type === 'DELETED' ? undefined : event.object);
          if (decided === undefined) return;
          result = decided;
          watch.abort();
        },
      );
    } catch (error) {
      // An abort (ours or the caller's) ends the stream; anything else but an expired watch (410,
      // resumed by the next read) or a dropped connection is a real failure.
      if (!watch.signal.aborted && !isRetryable(error)) throw error;
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
    if (result !== undefined) return result;
    // A server that keeps ending watches at once must not turn this into a tight read loop.
    if (Date.now() - started < 1000) await pause(250, signal);
  }
  throw stopped();
}

function isRetryable(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 410) return true;
  return typeof code === 'string' && /^(UND_ERR_|ECONNRESET|EPIPE)/.test(code);
}

/** Sleeps `ms`, or less when the signal aborts. */
export function pause(ms: number, signal: AbortSignal): Promise<void> {
  return delay(ms, signal, { ref: true });
}

function formatSeconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

/** An AbortSignal that fires on SIGINT/SIGTERM, for commands run from a terminal. */
export function interruptSignal(): AbortSignal {
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return controller.signal;
}
