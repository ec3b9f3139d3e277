// The resource types this controller touches, described once so paths and RBAC stay in step.
import {
  EA_KIND,
  EA_PLURAL,
  EA_VERSION,
  FLUX_SOURCE_GROUP,
  GROUP,
  HELM_GROUP,
  HELMRELEASE_PLURAL,
  HELMRELEASE_VERSION,
  KIND,
  KUSTOMIZATION_PLURAL,
  KUSTOMIZATION_VERSION,
  KUSTOMIZE_GROUP,
  PLURAL,
  VERSION,
} from '../api/constants.ts';

export interface ResourceType {
  group: string; // '' for the core group
  version: string;
  plural: string;
  kind: string;
  namespaced: boolean;
}

export const resources = {
  repository: { group: GROUP, version: VERSION, plural: PLURAL, kind: KIND, namespaced: true },
  externalArtifact: {
    group: FLUX_SOURCE_GROUP,
    version: EA_VERSION,
    plural: EA_PLURAL,
    kind: EA_KIND,
    namespaced: true,
  },
  kustomization: {
    group: KUSTOMIZE_GROUP,
    version: KUSTOMIZATION_VERSION,
    plural: KUSTOMIZATION_PLURAL,
    kind: 'Kustomization',
    namespaced: true,
  },
  helmRelease: {
    group: HELM_GROUP,
    version: HELMRELEASE_VERSION,
    plural: HELMRELEASE_PLURAL,
    kind: 'HelmRelease',
    namespaced: true,
  },
  secret: { group: '', version: 'v1', plural: 'secrets', kind: 'Secret', namespaced: true },
  event: { group: '', version: 'v1', plural: 'events', kind: 'Event', namespaced: true },
  lease: { group: 'coordination.k8s.io', version: 'v1', plural: 'leases', kind: 'Lease', namespaced: true },
} as const satisfies Record<string, ResourceType>;

export function apiVersionOf(type: ResourceType): string {
  return type.group === '' ? type.version : `${type.group}/${type.version}`;
}

/** REST path of a collection or an object: /api/v1/namespaces/ns/secrets/name, /apis/g/v/plural … */
export function resourcePath(
  type: ResourceType,
  namespace?: string,
  name?: string,
  subresource?: string,
): string {
  const base = type.group === '' ? `/api/${type.version}` : `/apis/${type.group}/${type.version}`;
  const ns = type.namespaced && namespace !== undefined ? `/namespaces/${encodeURIComponent(namespace)}` : '';
  const obj = name !== undefined ? `/${encodeURIComponent(name)}` : '';
  const sub = subresource !== undefined && name !== undefined ? `/${subresource}` : '';
  return `${base}${ns}/${type.plural}${obj}${sub}`;
}
