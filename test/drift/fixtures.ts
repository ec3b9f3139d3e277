// The desired state of a small app, as our artifact carries it, and helpers to put it live the way
// kustomize-controller would (server-side apply under its field manager).
import { stringify } from 'yaml';
import type { ArtifactFileInput } from '../../src/drift/index.ts';
import type { KubeClient } from '../../src/kube/client.ts';
import type { ResourceType } from '../../src/kube/resources.ts';
import type { KubeApiServer } from '../../testkit/kube-api-server/index.ts';

export const NS = 'shop';

export const TYPES: Record<string, ResourceType> = {
  Deployment: { group: 'apps', version: 'v1', plural: 'deployments', kind: 'Deployment', namespaced: true },
  Service: { group: '', version: 'v1', plural: 'services', kind: 'Service', namespaced: true },
  ConfigMap: { group: '', version: 'v1', plural: 'configmaps', kind: 'ConfigMap', namespaced: true },
  Secret: { group: '', version: 'v1', plural: 'secrets', kind: 'Secret', namespaced: true },
  HorizontalPodAutoscaler: {
    group: 'autoscaling',
    version: 'v2',
    plural: 'horizontalpodautoscalers',
    kind: 'HorizontalPodAutoscaler',
    namespaced: true,
  },
};

export const container = (image: string, extra: Record<string, unknown> = {}) => ({
  name: 'web',
  image,
  ports: [{ name: 'http', containerPort: 8080 }],
  env: [{ name: 'MODE', valueFrom: { configMapKeyRef: { name: 'web-config', key: 'mode' } } }],
  resources: { requests: { cpu: '100m', memory: '64Mi' } },
  ...extra,
});

export function deployment(name: string, replicas: number | undefined, image: string) {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: NS, labels: { app: name } },
    spec: {
      ...(replicas !== undefined ? { replicas } : {}),
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [container(image)] },
      },
    },
  };
}

export const desired = {
  web: deployment('web', 2, 'ghcr.io/acme/web:1.4.0'),
  api: deployment('api', 2, 'ghcr.io/acme/api:2.0.0'),
  service: {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'web', namespace: NS },
    spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] },
  },
  config: {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'web-config', namespace: NS },
    data: { mode: 'production', 'log.level': 'info' },
  },
  secret: {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'web-secret', namespace: NS },
    stringData: { password: 'hunter2-desired' },
  },
  hpa: {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name: 'api', namespace: NS },
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'api' },
      minReplicas: 2,
      maxReplicas: 10,
    },
  },
};

/** The artifact: one YAML file per unit plus kustomize's own file, as src/artifact lays it out. */
export function artifactFiles(objects: object[] = Object.values(desired)): ArtifactFileInput[] {
  const files = objects.map((o, i) => ({
    path: `unit-${i}.yaml`,
    data: new TextEncoder().encode(stringify(o)),
  }));
  files.push({
    path: 'kustomization.yaml',
    data: new TextEncoder().encode(
      stringify({
        apiVersion: 'kustomize.config.k8s.io/v1beta1',
        kind: 'Kustomization',
        resources: files.map((f) => f.path),
      }),
    ),
  });
  return files;
}

/** kustomize-controller labels every object it applies with its Kustomization's name and namespace. */
export const FLUX_LABELS = {
  'kustomize.toolkit.fluxcd.io/name': 'apps',
  'kustomize.toolkit.fluxcd.io/namespace': 'flux-system',
};

/** Applies an object as kustomize-controller does (a real write: test setup only). */
export async function fluxApply(
  kube: KubeClient,
  object: { kind: string; metadata: { name: string; [key: string]: unknown }; [key: string]: unknown },
) {
  const type = TYPES[object.kind]!;
  const metadata = object.metadata as { labels?: Record<string, string> };
  const labeled = {
    ...object,
    metadata: { ...metadata, labels: { ...metadata.labels, ...FLUX_LABELS } },
  };
  await kube.patch(type, NS, object.metadata.name, 'apply', labeled, {
    fieldManager: 'kustomize-controller',
    force: true,
  });
}

/** An edit of a live object in NS by someone other than Flux, under their field manager (`kubectl edit`'s). */
export function editLive(
  server: KubeApiServer,
  resource: string,
  name: string,
  patch: object,
  manager = 'kubectl-edit',
): void {
  server.patch(resource, NS, name, patch, { manager });
}
