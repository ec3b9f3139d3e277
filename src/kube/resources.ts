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

export interface GroupVersion {
  group: string; // '' for the core group
  version: string;
}

/** `apps/v1` → group `apps`, version `v1`; `v1` → the core group `''`. */
export function parseApiVersion(apiVersion: string): GroupVersion {
  const slash = apiVersion.indexOf('/');
  if (slash === -1) return { group: '', version: apiVersion };
  return { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}

/** The `apiVersion` of objects of a group version (the inverse of parseApiVersion). */
export function apiVersionOf(gv: GroupVersion): string {
  return gv.group === '' ? gv.version : `${gv.group}/${gv.version}`;
}

/** REST root of a group version, also its discovery document: `/api/v1`, `/apis/apps/v1`. */
export function groupVersionPath(gv: GroupVersion): string {
  return gv.group === '' ? `/api/${gv.version}` : `/apis/${gv.group}/${gv.version}`;
}

/** REST path of a collection or an object: /api/v1/namespaces/ns/secrets/name, /apis/g/v/plural … */
export function resourcePath(
  type: ResourceType,
  namespace?: string,
  name?: string,
  subresource?: string,
): string {
  const base = groupVersionPath(type);
  const ns = type.namespaced && namespace !== undefined ? `/namespaces/${encodeURIComponent(namespace)}` : '';
  const obj = name !== undefined ? `/${encodeURIComponent(name)}` : '';
  const sub = subresource !== undefined && name !== undefined ? `/${subresource}` : '';
  return `${base}${ns}/${type.plural}${obj}${sub}`;
}
