// Built-in kinds served without a CRD. No controllers run behind them: they are stored as given.

import { EVENTS_V1_CONVERSION } from './events.ts';
import { type ResourceRegistration, toResourceDef } from './registry.ts';
import type { ResourceDef } from './types.ts';

const builtin = (r: ResourceRegistration): ResourceDef =>
  toResourceDef({ custom: false, tracksGeneration: false, ...r });

export const BUILTIN_RESOURCES: ResourceDef[] = [
  builtin({
    group: '',
    version: 'v1',
    kind: 'Namespace',
    plural: 'namespaces',
    namespaced: false,
    shortNames: ['ns'],
    subresources: { status: true },
    printerColumns: [
      { name: 'Status', type: 'string', jsonPath: '.status.phase' },
      { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
    ],
  }),
  builtin({
    group: '',
    version: 'v1',
    kind: 'Secret',
    plural: 'secrets',
    namespaced: true,
    printerColumns: [
      { name: 'Type', type: 'string', jsonPath: '.type' },
      { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
    ],
  }),
  builtin({
    group: '',
    version: 'v1',
    kind: 'ConfigMap',
    plural: 'configmaps',
    namespaced: true,
    shortNames: ['cm'],
  }),
  builtin({
    group: '',
    version: 'v1',
    kind: 'Event',
    plural: 'events',
    namespaced: true,
    shortNames: ['ev'],
  }),
  builtin({
    group: '',
    version: 'v1',
    kind: 'Service',
    plural: 'services',
    namespaced: true,
    shortNames: ['svc'],
    categories: ['all'],
    subresources: { status: true },
  }),
  builtin({
    group: '',
    version: 'v1',
    kind: 'ServiceAccount',
    plural: 'serviceaccounts',
    namespaced: true,
    shortNames: ['sa'],
  }),
  {
    ...builtin({
      group: 'events.k8s.io',
      version: 'v1',
      kind: 'Event',
      plural: 'events',
      namespaced: true,
      shortNames: ['ev'],
    }),
    storage: 'events',
    conversion: EVENTS_V1_CONVERSION,
  },
  builtin({ group: 'coordination.k8s.io', version: 'v1', kind: 'Lease', plural: 'leases', namespaced: true }),
  // RBAC objects: stored as given, and read by the authorizer when RBAC is enforced.
  ...(
    [
      ['Role', 'roles', true],
      ['RoleBinding', 'rolebindings', true],
      ['ClusterRole', 'clusterroles', false],
      ['ClusterRoleBinding', 'clusterrolebindings', false],
    ] as const
  ).map(([kind, plural, namespaced]) =>
    builtin({ group: 'rbac.authorization.k8s.io', version: 'v1', kind, plural, namespaced }),
  ),
  builtin({
    group: 'apps',
    version: 'v1',
    kind: 'Deployment',
    plural: 'deployments',
    namespaced: true,
    shortNames: ['deploy'],
    categories: ['all'],
    subresources: { status: true },
    tracksGeneration: true,
  }),
  builtin({
    group: 'autoscaling',
    version: 'v2',
    kind: 'HorizontalPodAutoscaler',
    plural: 'horizontalpodautoscalers',
    namespaced: true,
    shortNames: ['hpa'],
    categories: ['all'],
    subresources: { status: true },
    tracksGeneration: true,
  }),
  builtin({
    group: 'apiextensions.k8s.io',
    version: 'v1',
    kind: 'CustomResourceDefinition',
    plural: 'customresourcedefinitions',
    namespaced: false,
    shortNames: ['crd', 'crds'],
    categories: ['api-extensions'],
    subresources: { status: true },
    tracksGeneration: true,
  }),
];
