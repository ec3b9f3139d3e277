// A Kubernetes API test server with Flux's consumer kinds, and a KubeClient talking to it over HTTP.
import { KubeConfig } from '@kubernetes/client-node';
import { KubeClient } from '../../src/kube/client.ts';
import { KubeApiServer, type RequestRecord } from '../../testkit/kube-api-server/index.ts';
import {
  CONTROLLER_NAMESPACE,
  CONTROLLER_SERVICE_ACCOUNT,
  kubectlAvailable,
  renderShippedManifests,
} from '../../testkit/shipped-rbac.ts';

export const KS = { group: 'kustomize.toolkit.fluxcd.io', plural: 'kustomizations' };
export const HR = { group: 'helm.toolkit.fluxcd.io', plural: 'helmreleases' };

export interface TestCluster {
  server: KubeApiServer;
  /** A cluster admin, for setting the scene (and for the code under test unless `asController`). */
  kube: KubeClient;
  /** With `asController`: the controller's ServiceAccount under the shipped RBAC; else the admin. */
  controllerKube: KubeClient;
  kubeConfig: KubeConfig;
  /** True when Flux's real Kustomization CRD (../shared/crds) is served, with its schema. */
  fluxCrds: boolean;
  close(): Promise<void>;
}

export async function startCluster(
  options: { helmRelease?: boolean; asController?: boolean } = {},
): Promise<TestCluster> {
  const server = await new KubeApiServer({
    bookmarkIntervalMs: 200,
    namespaces: ['team-a', 'flux-system'],
  }).listen();
  const fluxCrds = server.loadFluxCrds();
  if (!fluxCrds) registerKustomization(server);
  if (options.helmRelease !== false) registerHelmRelease(server);
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromOptions(server.kubeConfig());
  const kube = new KubeClient(kubeConfig, { requestTimeoutMs: 5000 });
  let controllerKube = kube;
  // Rendering the shipped RBAC needs kubectl; without it the code under test acts as the admin.
  if (options.asController && kubectlAvailable()) {
    server.loadRbac(renderShippedManifests());
    const token = server.addServiceAccount(CONTROLLER_NAMESPACE, CONTROLLER_SERVICE_ACCOUNT);
    const controllerConfig = new KubeConfig();
    controllerConfig.loadFromOptions(server.kubeConfig(CONTROLLER_NAMESPACE, token));
    controllerKube = new KubeClient(controllerConfig, { requestTimeoutMs: 5000 });
    server.setRbac(true);
  }
  return {
    server,
    kube,
    controllerKube,
    kubeConfig,
    fluxCrds,
    close: async () => {
      if (controllerKube !== kube) await controllerKube.close();
      await kube.close();
      await server.close();
    },
  };
}

/** Without ../shared/crds the kind is still served, just not schema-checked. */
function registerKustomization(server: KubeApiServer): void {
  server.registerResource({
    group: KS.group,
    version: 'v1',
    kind: 'Kustomization',
    plural: KS.plural,
    namespaced: true,
    subresources: { status: true },
  });
}

export function registerHelmRelease(server: KubeApiServer): void {
  server.registerResource({
    group: HR.group,
    version: 'v2',
    kind: 'HelmRelease',
    plural: HR.plural,
    namespaced: true,
    subresources: { status: true },
  });
}

/** A Kustomization to create; its status is written separately, through the status subresource. */
export function kustomization(
  namespace: string,
  name: string,
  sourceRef: { kind: string; name: string; namespace?: string },
) {
  return {
    apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
    kind: 'Kustomization',
    metadata: { name, namespace },
    spec: { interval: '10m', path: './', prune: true, sourceRef },
  };
}

export function helmRelease(
  namespace: string,
  name: string,
  chartRef: { kind: string; name: string; namespace?: string },
) {
  return {
    apiVersion: 'helm.toolkit.fluxcd.io/v2',
    kind: 'HelmRelease',
    metadata: { name, namespace },
    spec: { interval: '10m', chartRef },
  };
}

export function ready(status: 'True' | 'False' | 'Unknown', reason: string, message = '') {
  return {
    type: 'Ready',
    status,
    reason,
    message,
    lastTransitionTime: '2026-01-01T00:00:00Z',
    observedGeneration: 1,
  };
}

/** Requests that could change state: anything but reads and watches. */
export function writes(requests: readonly RequestRecord[]): RequestRecord[] {
  return requests.filter((r) => r.method !== 'GET');
}
