// The controller as a separate OS process (`node src/cli/main.ts controller --kubeconfig …`), so tests can
// kill it with SIGKILL mid-write and read its own /metrics (process memory included).
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, vi } from 'vitest';
import { useLocalStack } from '../../support/local-stack.ts';
import { freePort } from '../../support/ports.ts';
import { WAIT } from '../../support/progress.ts';
import type { RepositoryStack } from '../../support/repositories.ts';

const CLI = fileURLToPath(new URL('../../../src/cli/main.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export interface ControllerProcess {
  readonly pid: number;
  readonly artifactsUrl: string;
  readonly metricsUrl: string;
  readonly healthUrl: string;
  /** Everything the process wrote to stderr (its JSON log lines). */
  readonly output: () => string;
  readonly exited: Promise<number | null>;
  kill(signal: NodeJS.Signals): Promise<number | null>;
}

export interface ControllerProcessOptions {
  kubeconfigPath: string;
  storagePath: string;
  args?: string[];
}

export async function spawnController(options: ControllerProcessOptions): Promise<ControllerProcess> {
  const [storage, metrics, health] = [await freePort(), await freePort(), await freePort()];
  const child: ChildProcess = spawn(
    process.execPath,
    [
      CLI,
      'controller',
      `--kubeconfig=${options.kubeconfigPath}`,
      `--storage-path=${options.storagePath}`,
      `--storage-addr=127.0.0.1:${storage}`,
      `--storage-adv-addr=127.0.0.1:${storage}`,
      `--metrics-addr=127.0.0.1:${metrics}`,
      `--health-addr=127.0.0.1:${health}`,
      '--min-retry-delay=200ms',
      '--max-retry-delay=5s',
      '--requeue-dependency=1s',
      ...(options.args ?? []),
    ],
    { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, NODE_NO_WARNINGS: '1' } },
  );
  let output = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    output += chunk;
  });
  // A test process that ends without its afterAll (a timeout, an interrupted run) takes its controller along.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      process.off('exit', killOnExit);
      resolve(code);
    }),
  );
  const proc: ControllerProcess = {
    pid: child.pid ?? -1,
    artifactsUrl: `http://127.0.0.1:${storage}`,
    metricsUrl: `http://127.0.0.1:${metrics}/metrics`,
    healthUrl: `http://127.0.0.1:${health}`,
    output: () => output,
    exited,
    async kill(signal) {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return await exited;
    },
  };
  // Ready once the artifact server answers its readiness probe (storage initialised, workers started);
  // an exited process fails at once.
  try {
    await vi.waitUntil(
      async () => {
        if (child.exitCode !== null) throw new Error(`controller exited with ${child.exitCode}`);
        return (await fetch(`${proc.artifactsUrl}/`).catch(() => undefined))?.ok === true;
      },
      { timeout: WAIT.timeout, interval: 50 },
    );
  } catch (error) {
    await proc.kill('SIGKILL');
    throw new Error(`controller did not become ready (${(error as Error).message}): ${output}`);
  }
  return proc;
}

export interface ControllerProcesses {
  /** The local stack, without a controller of its own. */
  stack: RepositoryStack;
  /** Where storage `name` lives: in the file's temporary directory. */
  storagePath(name: string): string;
  /** Starts a controller process on storage `name`, acting as the controller's ServiceAccount. */
  start(name: string, args?: string[]): Promise<ControllerProcess>;
}

/**
 * For a test file: a local stack with no controller, and controller processes run against it under the
 * shipped RBAC. After the file's tests every process still running gets `stopSignal` and the temporary
 * directory is removed.
 */
export function useControllerProcesses(stopSignal: NodeJS.Signals = 'SIGKILL'): ControllerProcesses {
  const stack = useLocalStack({ controller: false });
  const running: ControllerProcess[] = [];
  let dir: string | undefined;
  let kubeconfigPath = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'controller-processes-'));
    kubeconfigPath = await stack.kube.writeKubeconfig(
      join(dir, 'kubeconfig'),
      'default',
      stack.controllerToken,
    );
  });
  afterAll(async () => {
    for (const proc of running) await proc.kill(stopSignal);
    if (dir) await rm(dir, { recursive: true, force: true });
  });
  const storagePath = (name: string) => {
    if (dir === undefined) throw new Error('the storage directory is made in beforeAll');
    return join(dir, name);
  };
  return {
    stack,
    storagePath,
    async start(name, args = []) {
      const proc = await spawnController({ kubeconfigPath, storagePath: storagePath(name), args });
      running.push(proc);
      return proc;
    },
  };
}
