// Discovery documents: legacy (/api, /apis, group-versions) and aggregated (apidiscovery.k8s.io/v2).

import { hasScale, SCALE_KIND } from './scale.ts';
import type { ResourceDef } from './types.ts';

const VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];
const STATUS_VERBS = ['get', 'patch', 'update'];

const groupsOf = (defs: ResourceDef[]): Map<string, string[]> => {
  const groups = new Map<string, string[]>();
  for (const d of defs) {
    if (d.group === '') continue;
    const versions = groups.get(d.group) ?? [];
    if (!versions.includes(d.version)) versions.push(d.version);
    groups.set(d.group, versions);
  }
  return groups;
};

/** Versions sorted as Kubernetes prefers them: GA, then beta, then alpha, newest first. */
const versionRank = (v: string): [number, number, number] => {
  const m = /^v(\d+)(?:(alpha|beta)(\d+))?$/.exec(v);
  if (!m) return [0, 0, 0];
  const stability = m[2] === undefined ? 3 : m[2] === 'beta' ? 2 : 1;
  return [stability, Number(m[1]), Number(m[3] ?? 0)];
};
const byPriority = (a: string, b: string): number => {
  const [x, y] = [versionRank(a), versionRank(b)];
  return y[0] - x[0] || y[1] - x[1] || y[2] - x[2];
};

export const apiVersions = () => ({
  kind: 'APIVersions',
  versions: ['v1'],
  serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: '127.0.0.1' }],
});

export const apiGroup = (group: string, versions: string[]) => {
  const sorted = [...versions].sort(byPriority);
  const gv = sorted.map((v) => ({ groupVersion: `${group}/${v}`, version: v }));
  return { name: group, versions: gv, preferredVersion: gv[0] };
};

export const apiGroupList = (defs: ResourceDef[]) => ({
  kind: 'APIGroupList',
  apiVersion: 'v1',
  groups: [...groupsOf(defs)].sort(([a], [b]) => a.localeCompare(b)).map(([g, vs]) => apiGroup(g, vs)),
});

export const apiGroupDoc = (defs: ResourceDef[], group: string) => {
  const versions = groupsOf(defs).get(group);
  return versions ? { kind: 'APIGroup', apiVersion: 'v1', ...apiGroup(group, versions) } : undefined;
};

export const apiResourceList = (defs: ResourceDef[], group: string, version: string) => {
  const matching = defs.filter((d) => d.group === group && d.version === version);
  if (!matching.length) return undefined;
  const resources = matching.flatMap((d) => {
    const main = {
      name: d.plural,
      singularName: d.singular,
      namespaced: d.namespaced,
      kind: d.kind,
      verbs: VERBS,
      ...(d.shortNames.length ? { shortNames: d.shortNames } : {}),
      ...(d.categories.length ? { categories: d.categories } : {}),
      storageVersionHash: '',
    };
    const status = d.statusSubresource
      ? [
          {
            name: `${d.plural}/status`,
            singularName: '',
            namespaced: d.namespaced,
            kind: d.kind,
            verbs: STATUS_VERBS,
          },
        ]
      : [];
    const scale = hasScale(d)
      ? [
          {
            name: `${d.plural}/scale`,
            singularName: '',
            namespaced: d.namespaced,
            ...SCALE_KIND,
            verbs: STATUS_VERBS,
          },
        ]
      : [];
    return [main, ...status, ...scale];
  });
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: group ? `${group}/${version}` : version,
    resources,
  };
};

export const AGGREGATED_CONTENT_TYPE = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList';

/** Whether an Accept header prefers aggregated discovery v2 over the legacy documents. */
export const wantsAggregated = (accept: string | undefined): boolean => {
  for (const alternative of (accept ?? '').split(',')) {
    const parts = alternative.split(';').map((p) => p.trim());
    const params = new Set(parts.slice(1));
    if (params.has('as=APIGroupDiscoveryList')) {
      if (params.has('g=apidiscovery.k8s.io') && params.has('v=v2')) return true;
      continue;
    }
    if (parts[0] === 'application/json' || parts[0] === '*/*') return false;
  }
  return false;
};

/** `/api` (legacy: true) or `/apis` in the aggregated format. */
export const aggregatedDiscovery = (defs: ResourceDef[], legacy: boolean) => {
  const selected = defs.filter((d) => (legacy ? d.group === '' : d.group !== ''));
  const groups = new Map<string, Map<string, ResourceDef[]>>();
  for (const d of selected) {
    const versions = groups.get(d.group) ?? new Map<string, ResourceDef[]>();
    versions.set(d.version, [...(versions.get(d.version) ?? []), d]);
    groups.set(d.group, versions);
  }
  return {
    kind: 'APIGroupDiscoveryList',
    apiVersion: 'apidiscovery.k8s.io/v2',
    metadata: {},
    items: [...groups].map(([group, versions]) => ({
      metadata: group ? { name: group } : {},
      versions: [...versions]
        .sort(([a], [b]) => byPriority(a, b))
        .map(([version, resources]) => ({
          version,
          resources: resources.map((d) => ({
            resource: d.plural,
            responseKind: { group: d.group, version: d.version, kind: d.kind },
            scope: d.namespaced ? 'Namespaced' : 'Cluster',
            singularResource: d.singular,
            verbs: VERBS,
            ...(d.shortNames.length ? { shortNames: d.shortNames } : {}),
            ...(d.categories.length ? { categories: d.categories } : {}),
            ...(d.statusSubresource || hasScale(d)
              ? {
                  subresources: [
                    ...(d.statusSubresource
                      ? [
                          {
                            subresource: 'status',
                            responseKind: { group: d.group, version: d.version, kind: d.kind },
                            verbs: STATUS_VERBS,
                          },
                        ]
                      : []),
                    ...(hasScale(d)
                      ? [{ subresource: 'scale', responseKind: SCALE_KIND, verbs: STATUS_VERBS }]
                      : []),
                  ],
                }
              : {}),
          })),
          freshness: 'Current',
        })),
    })),
  };
};
