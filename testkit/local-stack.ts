// A whole local installation in one process: the ConfigHub emulator, the Kubernetes API test server
// with our CRD and Flux's, and the real controller talking to both over HTTP on 127.0.0.1. The demo
// command and the end-to-end tests both start one.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { EA_KIND, FLUX_SOURCE_GROUP, KUSTOMIZE_GROUP } from '../src/api/constants.ts';
import { type ControllerOptions, parseControllerOptions } from '../src/config/options.ts';
import { type ControllerRuntime, startController } from '../src/controller/runtime.ts';
import { silentLogger } from '../src/telemetry/logger.ts';
import { type ConfigHubEmulator, startEmulator } from './confighub-emulator/index.ts';
import { findKubectl, KustomizeControllerStandIn } from './flux/index.ts';
import { DEFAULT_FLUX_CRDS_DIR, KubeApiServer } from './kube-api-server/index.ts';
import {
  CONTROLLER_NAMESPACE,
  CONTROLLER_SERVICE_ACCOUNT,
  kubectlAvailable,
  renderShippedManifests,
} from './shipped-rbac.ts';

export const PROJECT_CRD = fileURLToPath(
  new URL('../crds/source.confighub.com_confighubrepositories.yaml', import.meta.url),
);

/**
 * The flags a local controller runs with: storage under `storagePath`, every listener on a free
 * 127.0.0.1 port, and retries short enough for tests to watch them.
 */
export function localControllerArgs(storagePath: string): string[] {
  return [
    `--storage-path=${storagePath}`,
    '--storage-addr=127.0.0.1:0',
    '--metrics-addr=127.0.0.1:0',
    '--health-addr=127.0.0.1:0',
    '--min-retry-delay=200ms',
    '--max-retry-delay=5s',
    '--requeue-dependency=1s',
  ];
}

export interface LocalStackOptions {
  /** Extra controller flags, e.g. ['--concurrent=10']. Addresses default to 127.0.0.1:0. */
  controllerArgs?: string[];
  logger?: Logger;
  /** Directory of Flux's CRDs; when absent, ExternalArtifact and Kustomization are served schemaless. */
  fluxCrdsDir?: string;
  /** Start the controller (default true); tests of the stack alone may skip it. */
  controller?: boolean;
  emulator?: Parameters<typeof startEmulator>[0];
  /**
   * Run the controller as its ServiceAccount with the shipped RBAC (config/default plus drift-rbac)
   * enforced by the API server. Default: on when kubectl is available to render the manifests.
   */
  rbac?: boolean;
  /**
   * Run the kustomize-controller stand-in (needs kubectl on PATH; without it `flux` stays undefined).
   * `intervalMs` replaces every Kustomization's spec.interval, `pollMs` how often they are listed.
   */
  kustomizeController?: boolean | { pollMs?: number; intervalMs?: number };
}

export interface LocalStack {
  emulator: ConfigHubEmulator;
  kube: KubeApiServer;
  /** A cluster admin's kubeconfig, for the test's own setup and checks. */
  kubeConfig: KubeConfig;
  /** What the controller runs with: its ServiceAccount's token when RBAC is enforced, else the admin's. */
  controllerKubeConfig: KubeConfig;
  /** The username the controller's requests carry (`system:serviceaccount:flux-system:…` under RBAC). */
  controllerUser: string;
  /** The bearer token of controllerKubeConfig, for controller processes started from a kubeconfig file. */
  controllerToken: string;
  controller: ControllerRuntime | undefined;
  /** The kustomize-controller stand-in, when asked for and kubectl is on PATH. */
  flux: KustomizeControllerStandIn | undefined;
  options: ControllerOptions;
  storagePath: string;
  /** False when Flux's CRDs were not found and their kinds are served without schema validation. */
  fluxCrdsLoaded: boolean;
  /** Starts (again) a controller against the same servers and storage, e.g. after a simulated crash. */
  startController(extraArgs?: string[]): Promise<ControllerRuntime>;
  stop(): Promise<void>;
}

export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const logger = options.logger ?? silentLogger();
  const emulator = await startEmulator(options.emulator);
  const kube = await new KubeApiServer({ namespaces: ['flux-system'] }).listen();
  kube.registerCrd(await readFile(PROJECT_CRD, 'utf8'));
  const fluxCrdsLoaded = kube.loadFluxCrds(options.fluxCrdsDir ?? DEFAULT_FLUX_CRDS_DIR);
  if (!fluxCrdsLoaded) registerFluxKindsWithoutSchema(kube);

  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromOptions(kube.kubeConfig());
  const controllerKubeConfig = new KubeConfig();
  let controllerUser = 'kubernetes-admin';
  if (options.rbac ?? kubectlAvailable()) {
    kube.loadRbac(renderShippedManifests());
    const token = kube.addServiceAccount(CONTROLLER_NAMESPACE, CONTROLLER_SERVICE_ACCOUNT);
    controllerKubeConfig.loadFromOptions(kube.kubeConfig(CONTROLLER_NAMESPACE, token));
    controllerUser = `system:serviceaccount:${CONTROLLER_NAMESPACE}:${CONTROLLER_SERVICE_ACCOUNT}`;
    kube.setRbac(true);
  } else {
    controllerKubeConfig.loadFromOptions(kube.kubeConfig());
  }
  const storagePath = await mkdtemp(join(tmpdir(), 'confighub-source-'));
  const baseArgs = localControllerArgs(storagePath);
  let options_ = parseControllerOptions([...baseArgs, ...(options.controllerArgs ?? [])], {});
  const runtimes: ControllerRuntime[] = [];
  const kubectl = findKubectl();
  const fluxOptions = options.kustomizeController;
  const flux =
    fluxOptions && kubectl !== undefined
      ? new KustomizeControllerStandIn({
          kubeConfig,
          kubectl,
          ...(typeof fluxOptions === 'object' ? fluxOptions : {}),
        }).start()
      : undefined;

  const stack: LocalStack = {
    emulator,
    kube,
    kubeConfig,
    controllerKubeConfig,
    controllerUser,
    controllerToken: controllerKubeConfig.getCurrentUser()!.token!,
    controller: undefined,
    flux,
    options: options_,
    storagePath,
    fluxCrdsLoaded,
    async startController(extraArgs = []) {
      const args = [...baseArgs, ...(options.controllerArgs ?? []), ...extraArgs];
      // Each replica gets its own identity, as pods do, so leader election can tell them apart.
      options_ = parseControllerOptions(args, { POD_NAME: `local-stack-${runtimes.length}` });
      const runtime = await startController(controllerKubeConfig, options_, logger, {
        processMetrics: false,
        watchTimeoutSeconds: 30,
        // The artifact server binds first (port 0), then the advertised address is what it got,
        // unless the caller names one, as a Deployment does with the Service's address.
        advertiseBoundAddress: !args.some((arg) => arg.startsWith('--storage-adv-addr')),
      });
      runtimes.push(runtime);
      stack.controller = runtime;
      stack.options = options_;
      return runtime;
    },
    async stop() {
      for (const runtime of runtimes) await runtime.stop().catch(() => undefined);
      await flux?.stop().catch(() => undefined);
      await kube.close();
      await emulator.close();
      await rm(storagePath, { recursive: true, force: true });
    },
  };
  if (options.controller ?? true) await stack.startController();
  return stack;
}

/** Without ../shared/crds (a user's clone), Flux's kinds are still served, just not schema-checked. */
function registerFluxKindsWithoutSchema(kube: KubeApiServer): void {
  kube.registerResource({
    group: FLUX_SOURCE_GROUP,
    version: 'v1',
    kind: EA_KIND,
    plural: 'externalartifacts',
    namespaced: true,
    shortNames: ['ea'],
    categories: ['all', 'fluxcd', 'fluxcd-sources'],
    subresources: { status: true },
  });
  kube.registerResource({
    group: KUSTOMIZE_GROUP,
    version: 'v1',
    kind: 'Kustomization',
    plural: 'kustomizations',
    namespaced: true,
    shortNames: ['ks'],
    categories: ['all', 'fluxcd', 'fluxcd-appliers'],
    subresources: { status: true },
  });
}
