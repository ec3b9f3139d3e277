// The scale and memory runs' setup: emulator + Kubernetes API test server in this process (from
// startLocalStack, without its in-process controller) and the real controller as a child process.
import { join } from 'node:path';
import { type LocalStack, startLocalStack } from '../../testkit/local-stack.ts';
import { type ControllerProcess, startControllerProcess } from './controller-process.ts';
import { BENCH_TOKEN, benchFixture, spaceSlug } from './fixture.ts';
import { ProcessSampler } from './proc.ts';

export const CHR = { group: 'source.confighub.com', plural: 'confighubrepositories' };
export const EA = { group: 'source.toolkit.fluxcd.io', plural: 'externalartifacts' };
const CHR_RESOURCE = 'confighubrepositories.source.confighub.com';
export const REPOS_PER_NAMESPACE = 100;

type Condition = { type: string; status: string };
type Status = { conditions?: Condition[]; artifact?: { revision: string; digest: string } };

export function namespaceOf(index: number): string {
  return `bench-${Math.floor(index / REPOS_PER_NAMESPACE)}`;
}

export function repoName(index: number): string {
  return `repo-${String(index).padStart(5, '0')}`;
}

function isReady(status: Status | undefined): boolean {
  return (status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

export interface BenchStack {
  local: LocalStack;
  controller: ControllerProcess;
  sampler: ProcessSampler;
  /** Keys (`ns/name`) of repositories whose Ready condition is True right now. */
  ready: Set<string>;
  /** Keys of repositories that have been Ready at least once (a later repoll may be in flight). */
  readyOnce: Set<string>;
  createRepository(index: number, space: number, interval: string): void;
  deleteRepository(index: number): void;
  /** Resolves when `count` repositories are Ready, or rejects after `timeoutMs`. */
  waitForReadyCount(count: number, timeoutMs: number): Promise<void>;
  /** Requests/s of the test doubles are not the controller's: CPU seconds of this process so far. */
  driverCpuSeconds(): number;
  clearRequestLogs(): void;
  stop(): Promise<void>;
}

export async function startBenchStack(options: {
  spaces: number;
  unitsPerSpace: number;
  workDir: string;
  controllerArgs: string[];
  nodeArgs?: string[];
  /** See startControllerProcess. */
  script?: string;
  /** Environment of the controller beyond PATH and HOME. */
  env?: Record<string, string>;
}): Promise<BenchStack> {
  const local = await startLocalStack({
    controller: false,
    emulator: { fixture: benchFixture(options.spaces, options.unitsPerSpace) },
  });
  const ready = new Set<string>();
  const readyOnce = new Set<string>();
  const waiters = new Set<() => void>();
  const unsubscribe = local.kube.store.subscribe((event) => {
    if (event.resource !== CHR_RESOURCE) return;
    const key = `${event.object.metadata.namespace}/${event.object.metadata.name}`;
    const status = (event.object as { status?: Status }).status;
    if (event.type !== 'DELETED' && isReady(status)) {
      ready.add(key);
      readyOnce.add(key);
    } else {
      ready.delete(key);
      if (event.type === 'DELETED') readyOnce.delete(key);
    }
    for (const wake of waiters) wake();
  });
  let controller: ControllerProcess;
  try {
    const kubeconfig = await local.kube.writeKubeconfig(join(options.workDir, 'kubeconfig'));
    controller = await startControllerProcess({
      kubeconfig,
      storagePath: local.storagePath,
      logFile: join(options.workDir, 'controller.log'),
      args: options.controllerArgs,
      nodeArgs: options.nodeArgs ?? [],
      env: options.env ?? {},
      ...(options.script === undefined ? {} : { script: options.script }),
    });
  } catch (error) {
    unsubscribe();
    await local.stop();
    throw error;
  }
  const sampler = new ProcessSampler(controller.pid, 1000);
  const namespaces = new Set<string>();

  return {
    local,
    controller,
    sampler,
    ready,
    readyOnce,
    createRepository(index, space, interval) {
      const namespace = namespaceOf(index);
      if (!namespaces.has(namespace)) {
        local.kube.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
        local.kube.create({
          apiVersion: 'v1',
          kind: 'Secret',
          metadata: { name: 'confighub-token', namespace },
          type: 'Opaque',
          data: { token: Buffer.from(BENCH_TOKEN).toString('base64') },
        });
        namespaces.add(namespace);
      }
      local.kube.create({
        apiVersion: 'source.confighub.com/v1beta1',
        kind: 'ConfigHubRepository',
        metadata: { name: repoName(index), namespace },
        spec: {
          interval,
          url: local.emulator.url,
          insecure: true,
          space: spaceSlug(space),
          secretRef: { name: 'confighub-token' },
        },
      });
    },
    deleteRepository(index) {
      local.kube.delete(CHR, namespaceOf(index), repoName(index));
    },
    waitForReadyCount(count, timeoutMs) {
      if (readyOnce.size >= count) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`only ${readyOnce.size} of ${count} repositories Ready after ${timeoutMs} ms`));
        }, timeoutMs);
        const check = () => {
          if (readyOnce.size < count) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve();
        };
        waiters.add(check);
      });
    },
    driverCpuSeconds() {
      const usage = process.cpuUsage();
      return (usage.user + usage.system) / 1e6;
    },
    clearRequestLogs() {
      local.emulator.clearRequests();
      local.kube.requests.length = 0;
    },
    async stop() {
      sampler.stop();
      unsubscribe();
      await controller.stop();
      await local.stop();
    },
  };
}
