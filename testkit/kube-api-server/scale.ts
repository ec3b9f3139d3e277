// The `/scale` subresource of Deployments, StatefulSets and ReplicaSets (autoscaling/v1 Scale), which
// `kubectl scale` and HPAs write through. Only spec.replicas is writable through it.
import type { KubeObject, ResourceDef } from './types.ts';

export const SCALE_KIND = { group: 'autoscaling', version: 'v1', kind: 'Scale' } as const;
const SCALABLE = new Set(['apps/Deployment', 'apps/StatefulSet', 'apps/ReplicaSet']);

export const hasScale = (def: Pick<ResourceDef, 'group' | 'kind' | 'custom'>): boolean =>
  !def.custom && SCALABLE.has(`${def.group}/${def.kind}`);

type Scalable = KubeObject;
type ScalableFields = {
  spec?: { replicas?: number; selector?: { matchLabels?: Record<string, string> } };
  status?: { replicas?: number };
};

export function toScale(object: Scalable): Record<string, unknown> {
  const { name, namespace, uid, resourceVersion, creationTimestamp } = object.metadata;
  const { spec, status } = object as ScalableFields;
  const labels = spec?.selector?.matchLabels ?? {};
  return {
    apiVersion: `${SCALE_KIND.group}/${SCALE_KIND.version}`,
    kind: SCALE_KIND.kind,
    metadata: { name, namespace, uid, resourceVersion, creationTimestamp },
    spec: { replicas: spec?.replicas ?? 1 },
    status: {
      replicas: status?.replicas ?? 0,
      selector: Object.entries(labels)
        .map(([k, v]) => `${k}=${v}`)
        .join(','),
    },
  };
}

/** The object with the replicas a written Scale asks for. */
export function fromScale(object: Scalable, scale: unknown): Scalable {
  const replicas = (scale as { spec?: { replicas?: unknown } } | null)?.spec?.replicas;
  const out = structuredClone(object);
  if (typeof replicas === 'number') out['spec'] = { ...(out as ScalableFields).spec, replicas };
  return out;
}
