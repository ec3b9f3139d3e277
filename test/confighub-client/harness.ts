// Shared set-up for the client tests: an emulator with the test fixture and clients that never really sleep.
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { ConfigHubClient, type ConfigHubClientOptions } from '../../src/confighub/index.ts';
import { type ConfigHubEmulator, startEmulator } from '../../testkit/confighub-emulator/index.ts';
import { fixture, TOKEN } from './fixture.ts';

export interface Harness {
  emulator: ConfigHubEmulator;
  /** Every delay a client asked to sleep, in order. */
  sleeps: number[];
  client(overrides?: Partial<ConfigHubClientOptions>): ConfigHubClient;
  /** Requests to the API (or auth) whose path matches, from the emulator's log. */
  count(path: RegExp, method?: string): number;
  close(): Promise<void>;
}

export async function startHarness(options: { tokenTtlSeconds?: number } = {}): Promise<Harness> {
  const emulator = await startEmulator({ fixture, ...options });
  const sleeps: number[] = [];
  const clients: ConfigHubClient[] = [];
  return {
    emulator,
    sleeps,
    client(overrides = {}) {
      const client = new ConfigHubClient({
        server: emulator.url,
        credentials: { kind: 'token', token: TOKEN },
        timeoutMs: 5000,
        sleep: async (ms) => {
          sleeps.push(ms);
        },
        random: () => 1,
        ...overrides,
      });
      clients.push(client);
      return client;
    },
    count(path, method = 'GET') {
      return emulator.requests.filter((r) => r.method === method && path.test(r.path)).length;
    },
    async close() {
      await Promise.all(clients.map((c) => c.close()));
      await emulator.close();
    },
  };
}

/**
 * One harness for the whole file, started before the first test and closed after the last. Before each
 * test the emulator's faults and request log and the recorded sleeps are cleared, so no test sees what
 * an earlier one left behind. The returned object reads through to the running harness.
 */
export function useHarness(options: { tokenTtlSeconds?: number } = {}): Harness {
  let started: Harness | undefined;
  const current = (): Harness => {
    if (!started) throw new Error('the harness is started in beforeAll; use it inside a test or hook');
    return started;
  };
  beforeAll(async () => {
    started = await startHarness(options);
  });
  afterAll(async () => {
    await started?.close();
  });
  beforeEach(() => {
    const h = current();
    h.emulator.clearFaults();
    h.emulator.clearRequests();
    h.sleeps.length = 0;
  });
  return {
    get emulator() {
      return current().emulator;
    },
    get sleeps() {
      return current().sleeps;
    },
    client: (overrides) => current().client(overrides),
    count: (path, method) => current().count(path, method),
    close: () => current().close(),
  };
}

/** Awaits a promise that must reject and returns the error. */
export async function failure(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof Error) return error;
    throw new Error(`rejected with a non-Error: ${String(error)}`);
  }
  throw new Error('expected a rejection, but the promise resolved');
}
