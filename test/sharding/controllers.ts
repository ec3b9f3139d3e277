// Controller child processes (`node src/cli/main.ts controller …`) against a Kubernetes API test server
// in the test process: real processes, so kill -9 and SIGTERM behave as they do for pods.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll } from 'vitest';
import { parse, stringify } from 'yaml';
import type { KubeApiServer } from '../../testkit/kube-api-server/index.ts';
import { useLocalStack } from '../support/local-stack.ts';
import { freePort } from '../support/ports.ts';
import type { RepositoryStack } from '../support/repositories.ts';

const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));

export const LEASE = { group: 'coordination.k8s.io', plural: 'leases' };
export const LEASE_NAMESPACE = 'flux-system';
/** Short enough for a takeover in seconds, long enough not to flap on a busy machine. */
export const FAST_LEASE = [
  '--enable-leader-election',
  '--leader-election-lease-duration=3s',
  '--leader-election-renew-deadline=2s',
  '--leader-election-retry-period=500ms',
];

export interface ControllerProcess {
  readonly name: string;
  readonly artifactsUrl: string;
  readonly metricsUrl: string;
  readonly child: ChildProcess;
  /** Everything the process wrote to stderr (its JSON log). */
  log(): string;
  /** Resolves with the exit code (or the signal that ended it). */
  readonly exited: Promise<number | NodeJS.Signals>;
  kill(signal: NodeJS.Signals): void;
}

/** A kubeconfig for the server (as `token`'s user); plain http:// needs skip-TLS-verify for client-node. */
export async function writeKubeconfig(kube: KubeApiServer, dir: string, token?: string): Promise<string> {
  const config = parse(kube.kubeConfigYaml('default', token)) as {
    clusters: { cluster: Record<string, unknown> }[];
  };
  for (const cluster of config.clusters) cluster.cluster['insecure-skip-tls-verify'] = true;
  const path = join(dir, 'kubeconfig');
  await writeFile(path, stringify(config), { mode: 0o600 });
  return path;
}

/** A fleet of controller processes that all end in `stop()`, whatever the test did. */
export class Fleet {
  readonly #processes: ControllerProcess[] = [];
  readonly #dirs: string[] = [];

  /** The CLI entry the processes run: the sources' by default, or an installed package's bin. */
  readonly main: string;

  constructor(main: string = MAIN) {
    this.main = main;
  }

  async start(name: string, kubeconfig: string, extraArgs: string[]): Promise<ControllerProcess> {
    const storage = await mkdtemp(join(tmpdir(), `controller-${name}-`));
    this.#dirs.push(storage);
    const artifactsPort = await freePort();
    const metricsPort = await freePort();
    const child = spawn(
      process.execPath,
      [
        this.main,
        'controller',
        `--kubeconfig=${kubeconfig}`,
        `--storage-path=${storage}`,
        `--storage-addr=127.0.0.1:${artifactsPort}`,
        `--storage-adv-addr=127.0.0.1:${artifactsPort}`,
        `--metrics-addr=127.0.0.1:${metricsPort}`,
        '--health-addr=127.0.0.1:0',
        '--min-retry-delay=200ms',
        '--max-retry-delay=2s',
        '--log-level=info',
        ...extraArgs,
      ],
      {
        stdio: ['ignore', 'ignore', 'pipe'],
        env: { PATH: process.env['PATH'], POD_NAME: name, RUNTIME_NAMESPACE: LEASE_NAMESPACE },
      },
    );
    let log = '';
    child.stderr!.on('data', (chunk: Buffer) => {
      log += chunk.toString();
    });
    const exited = new Promise<number | NodeJS.Signals>((resolve) =>
      child.once('exit', (code, signal) => resolve(code ?? signal ?? 'SIGKILL')),
    );
    const controller: ControllerProcess = {
      name,
      artifactsUrl: `http://127.0.0.1:${artifactsPort}`,
      metricsUrl: `http://127.0.0.1:${metricsPort}/metrics`,
      child,
      log: () => log,
      exited,
      kill: (signal) => {
        if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      },
    };
    this.#processes.push(controller);
    return controller;
  }

  async stop(): Promise<void> {
    for (const p of this.#processes) p.kill('SIGKILL');
    await Promise.all(this.#processes.map((p) => p.exited));
    await Promise.all(this.#dirs.map((dir) => rm(dir, { recursive: true, force: true })));
  }
}

/**
 * For a test file: a local stack without a controller of its own, and a fleet of controller processes
 * against it that all end after the file's tests. `kubeconfig()` is theirs: the controller's
 * ServiceAccount, under the shipped RBAC.
 */
export function useFleet(): {
  stack: RepositoryStack;
  fleet: Fleet;
  kubeconfig(): string;
  /** The Leases in the controllers' namespace, where they elect. */
  leases(): Lease[];
} {
  const stack = useLocalStack({ controller: false });
  const fleet = new Fleet();
  let dir: string | undefined;
  let kubeconfig: string | undefined;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fleet-'));
    kubeconfig = await writeKubeconfig(stack.kube, dir, stack.controllerToken);
  });
  afterAll(async () => {
    await fleet.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });
  return {
    stack,
    fleet,
    kubeconfig: () => {
      if (kubeconfig === undefined) throw new Error('the kubeconfig is written in beforeAll');
      return kubeconfig;
    },
    leases: () => stack.kube.list(LEASE, LEASE_NAMESPACE) as Lease[],
  };
}

/** Reconciles this process recorded for one object (gotk_reconcile_duration_seconds count; 0 if none). */
export async function reconcileCount(
  controller: ControllerProcess,
  namespace: string,
  name: string,
): Promise<number> {
  const text = await (await fetch(controller.metricsUrl)).text();
  const line = text
    .split('\n')
    .find(
      (l) =>
        l.startsWith('gotk_reconcile_duration_seconds_count{') &&
        l.includes(`name="${name}"`) &&
        l.includes(`namespace="${namespace}"`),
    );
  return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(' ') + 1));
}

/** GET / of the artifact server: 200 from the leader, 503 from a standby. */
export async function artifactServerStatus(controller: ControllerProcess): Promise<number> {
  return (await fetch(`${controller.artifactsUrl}/`)).status;
}

export type Lease = {
  metadata: { name: string };
  spec?: { holderIdentity?: string | null; leaseTransitions?: number };
};
