// Objects and paths the conformance and kubectl tests share.
import type { KubeObject } from '../../testkit/kube-api-server/index.ts';

export const GROUP = 'source.confighub.com';
export const VERSION = 'v1beta1';
export const PLURAL = 'confighubrepositories';

export const chrPath = (namespace: string, name?: string, sub?: string): string =>
  `/apis/${GROUP}/${VERSION}/namespaces/${namespace}/${PLURAL}${name ? `/${name}` : ''}${sub ? `/${sub}` : ''}`;

export const configMapPath = (namespace: string, name?: string): string =>
  `/api/v1/namespaces/${namespace}/configmaps${name ? `/${name}` : ''}`;

export interface Chr {
  apiVersion: string;
  kind: string;
  /** Kubernetes' ObjectMeta, as the test server stores it; a stored object always has a name. */
  metadata: KubeObject['metadata'] & { name: string };
  spec: Record<string, unknown>;
  status?: Record<string, unknown>;
}

export const chr = (
  name: string,
  extra: Partial<Chr['metadata']> = {},
  spec: Record<string, unknown> = {},
): Chr => ({
  apiVersion: `${GROUP}/${VERSION}`,
  kind: 'ConfigHubRepository',
  metadata: { name, ...extra },
  spec: { interval: '5m', space: 'demo', secretRef: { name: 'confighub-token' }, ...spec },
});

export const readyCondition = (status: 'True' | 'False', message: string) => ({
  type: 'Ready',
  status,
  reason: status === 'True' ? 'Succeeded' : 'FetchFailed',
  message,
  lastTransitionTime: '2026-01-01T00:00:00Z',
  observedGeneration: 1,
});
