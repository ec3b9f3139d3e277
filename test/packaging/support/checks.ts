// Structural checks shared by the kustomize and Helm tests: what a correct installation of the controller
// must look like (flux-contract.md conformance items 21, 49, 51 and the controller's command line).
import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import { parse } from 'yaml';
import { parseControllerOptions } from '../../../src/config/options.ts';
import { at, type KubeObject, ofKind, one } from './objects.ts';
import { PROJECT_CRD } from './paths.ts';

type Json = Record<string, unknown>;
const obj = (v: unknown): Json => (v !== null && typeof v === 'object' ? (v as Json) : {});
const list = (v: unknown): Json[] => (Array.isArray(v) ? (v as Json[]) : []);

/** Exactly what the controller's ClusterRole may grant: `group|resource|verb`. */
export const CONTROLLER_CLUSTER_RULES = new Set(
  [
    ['source.confighub.com', 'confighubrepositories', ['list', 'watch', 'patch']],
    ['source.confighub.com', 'confighubrepositories/status', ['patch']],
    ['source.confighub.com', 'confighubrepositories/finalizers', ['update']],
    ['source.toolkit.fluxcd.io', 'externalartifacts', ['get', 'list', 'watch', 'create', 'patch', 'delete']],
    ['source.toolkit.fluxcd.io', 'externalartifacts/status', ['patch']],
    ['', 'secrets', ['get']],
    ['', 'events', ['create', 'patch', 'list', 'watch']],
    ['kustomize.toolkit.fluxcd.io', 'kustomizations', ['list', 'watch']],
    ['helm.toolkit.fluxcd.io', 'helmreleases', ['list', 'watch']],
  ].flatMap(([group, resource, verbs]) => (verbs as string[]).map((v) => `${group}|${resource}|${v}`)),
);
/** The Lease Role: read, create, and renew or take over with an update. */
export const LEASE_RULES = new Set(['get', 'create', 'update'].map((v) => `coordination.k8s.io|leases|${v}`));
const READ_VERBS = new Set(['get', 'list', 'watch']);

/** Expands RBAC rules into `group|resource|verb` triples. */
export function grants(role: KubeObject): Set<string> {
  const out = new Set<string>();
  for (const rule of list(at(role, 'rules'))) {
    for (const group of (rule['apiGroups'] as string[]) ?? []) {
      for (const resource of (rule['resources'] as string[]) ?? []) {
        for (const verb of (rule['verbs'] as string[]) ?? []) out.add(`${group}|${resource}|${verb}`);
      }
    }
  }
  return out;
}

export function expectNoWildcardVerbs(objects: readonly KubeObject[]): void {
  for (const role of [...ofKind(objects, 'ClusterRole'), ...ofKind(objects, 'Role')]) {
    for (const rule of list(at(role, 'rules'))) {
      expect(rule['verbs'], `${role.kind} ${role.metadata.name} uses a wildcard verb`).not.toContain('*');
    }
  }
}

/** Kubelet's $(VAR) expansion of container args from the container's env (fieldRefs resolved). */
export function expandArgs(container: Json, namespace: string, podName: string): string[] {
  const env = new Map<string, string>();
  for (const e of list(container['env'])) {
    const field = at(e, 'valueFrom', 'fieldRef', 'fieldPath');
    const value =
      field === 'metadata.namespace'
        ? namespace
        : field === 'metadata.name'
          ? podName
          : (e['value'] as string);
    if (typeof value === 'string') env.set(e['name'] as string, value);
  }
  return ((container['args'] as string[]) ?? []).map((arg) =>
    arg.replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (whole, name: string) => env.get(name) ?? whole),
  );
}

export interface DeploymentExpectations {
  name: string;
  namespace: string;
  serviceName: string;
  data: 'emptyDir' | 'persistentVolumeClaim';
}

/** Checklist item 51 plus the probes, ports, env and scrape annotations of the controller's Deployment. */
export function checkDeployment(objects: readonly KubeObject[], exp: DeploymentExpectations): Json {
  const deployment = one(objects, 'Deployment', exp.name);
  expect(deployment.metadata.namespace).toBe(exp.namespace);
  const spec = obj(at(deployment, 'spec'));
  expect(at(spec, 'strategy', 'type')).toBe('Recreate');
  const pod = obj(at(spec, 'template', 'spec'));
  const podMeta = obj(at(spec, 'template', 'metadata'));
  expect(at(podMeta, 'annotations')).toMatchObject({
    'prometheus.io/scrape': 'true',
    'prometheus.io/port': '8080',
  });
  // The selector must match the pod template, or the Deployment is rejected.
  const selector = obj(at(spec, 'selector', 'matchLabels'));
  expect(Object.keys(selector).length).toBeGreaterThan(0);
  expect(at(podMeta, 'labels')).toMatchObject(selector);

  const podSecurity = obj(pod['securityContext']);
  expect(podSecurity['runAsNonRoot']).toBe(true);
  expect(podSecurity['fsGroup']).toEqual(expect.any(Number));
  expect(at(podSecurity, 'seccompProfile', 'type')).toBe('RuntimeDefault');

  const containers = list(pod['containers']);
  expect(containers).toHaveLength(1);
  const container = containers[0]!;
  const security = obj(container['securityContext']);
  expect(security['readOnlyRootFilesystem']).toBe(true);
  expect(security['allowPrivilegeEscalation']).toBe(false);
  expect(at(security, 'capabilities', 'drop')).toContain('ALL');
  expect(at(security, 'capabilities', 'add')).toBeUndefined();
  expect(security['privileged'] ?? false).toBe(false);
  if (typeof security['runAsUser'] === 'number') expect(security['runAsUser']).not.toBe(0);
  if (typeof podSecurity['runAsUser'] === 'number') expect(podSecurity['runAsUser']).not.toBe(0);

  const resources = obj(container['resources']);
  for (const kind of ['requests', 'limits']) {
    expect(at(resources, kind, 'cpu'), `resources.${kind}.cpu`).toBeDefined();
    expect(at(resources, kind, 'memory'), `resources.${kind}.memory`).toBeDefined();
  }

  const ports = Object.fromEntries(list(container['ports']).map((p) => [p['name'], p['containerPort']]));
  expect(ports).toEqual({ http: 9090, 'http-prom': 8080, healthz: 9440 });
  expect(at(container, 'readinessProbe', 'httpGet')).toMatchObject({ path: '/', port: 'http' });
  expect(at(container, 'livenessProbe', 'httpGet')).toMatchObject({ path: '/healthz', port: 'healthz' });

  const env = Object.fromEntries(
    list(container['env']).map((e) => [e['name'], at(e, 'valueFrom', 'fieldRef', 'fieldPath')]),
  );
  expect(env['RUNTIME_NAMESPACE']).toBe('metadata.namespace');
  expect(env['POD_NAME']).toBe('metadata.name');

  // /data and /tmp writable: mounted from volumes, since the root filesystem is read-only.
  const volumes = new Map(list(pod['volumes']).map((v) => [v['name'] as string, v]));
  const mounts = new Map(
    list(container['volumeMounts']).map((m) => [m['mountPath'] as string, m['name'] as string]),
  );
  const dataVolume = volumes.get(mounts.get('/data') ?? '');
  const tmpVolume = volumes.get(mounts.get('/tmp') ?? '');
  expect(dataVolume?.[exp.data], '/data volume').toBeDefined();
  expect(tmpVolume?.['emptyDir'], '/tmp volume').toBeDefined();
  for (const mount of list(container['volumeMounts'])) expect(mount['readOnly'] ?? false).toBe(false);

  // The arguments the kubelet will pass, parsed by the controller's own option parser.
  const args = expandArgs(container, exp.namespace, `${exp.name}-0`);
  const options = parseControllerOptions(args, {
    RUNTIME_NAMESPACE: exp.namespace,
    POD_NAME: `${exp.name}-0`,
  });
  expect(options.storagePath).toBe('/data');
  expect(options.storageAdvAddr).toBe(`${exp.serviceName}.${exp.namespace}.svc.cluster.local.`);
  expect(options.storageAddr).toBe(':9090');
  expect(options.metricsAddr).toBe(':8080');
  expect(options.healthAddr).toBe(':9440');
  // The raw argument keeps the variable, so a copied Deployment follows its namespace.
  expect(container['args']).toContain(
    `--storage-adv-addr=${exp.serviceName}.$(RUNTIME_NAMESPACE).svc.cluster.local.`,
  );
  return deployment;
}

/** Checklist item 21: a Service port 80 → container port `http`, selecting the controller's pods. */
export function checkService(objects: readonly KubeObject[], name: string, deployment: KubeObject): void {
  const service = one(objects, 'Service', name);
  expect(service.metadata.namespace).toBe(deployment.metadata.namespace);
  const ports = list(at(service, 'spec', 'ports'));
  expect(ports).toContainEqual(expect.objectContaining({ port: 80, targetPort: 'http' }));
  const selector = obj(at(service, 'spec', 'selector'));
  expect(Object.keys(selector).length).toBeGreaterThan(0);
  expect(at(deployment, 'spec', 'template', 'metadata', 'labels')).toMatchObject(selector);
}

function boundRoles(
  objects: readonly KubeObject[],
  bindingKind: string,
  sa: string,
  namespace: string,
): KubeObject[] {
  return ofKind(objects, bindingKind).filter((b) =>
    list(at(b, 'subjects')).some(
      (s) => s['kind'] === 'ServiceAccount' && s['name'] === sa && s['namespace'] === namespace,
    ),
  );
}

/** Checklist item 49 and least privilege: the controller's effective grants, exactly. */
export function checkControllerRbac(
  objects: readonly KubeObject[],
  exp: { serviceAccount: string; namespace: string; deployment: KubeObject },
): void {
  expectNoWildcardVerbs(objects);
  expect(at(exp.deployment, 'spec', 'template', 'spec', 'serviceAccountName')).toBe(exp.serviceAccount);
  const sa = one(objects, 'ServiceAccount', exp.serviceAccount);
  expect(sa.metadata.namespace).toBe(exp.namespace);

  const clusterGrants = new Set<string>();
  for (const binding of boundRoles(objects, 'ClusterRoleBinding', exp.serviceAccount, exp.namespace)) {
    expect(at(binding, 'roleRef', 'kind')).toBe('ClusterRole');
    const role = one(objects, 'ClusterRole', at(binding, 'roleRef', 'name') as string);
    if (at(role, 'aggregationRule') !== undefined) {
      // The optional drift reader: aggregated, and every aggregated piece is read-only.
      for (const piece of ofKind(objects, 'ClusterRole').filter(
        (r) => r.metadata.labels?.['source.confighub.com/aggregate-to-drift-reader'] === 'true',
      )) {
        for (const grant of grants(piece)) expect(READ_VERBS.has(grant.split('|')[2]!), grant).toBe(true);
        for (const grant of grants(piece))
          expect(grant.split('|')[1], 'drift reader must not read secrets').not.toBe('secrets');
      }
      // The opt-in dry-run role: patch only (dry runs), never secrets.
      for (const piece of ofKind(objects, 'ClusterRole').filter(
        (r) => r.metadata.labels?.['source.confighub.com/aggregate-to-drift-dry-run'] === 'true',
      )) {
        for (const grant of grants(piece)) expect(grant.split('|')[2], grant).toBe('patch');
        for (const grant of grants(piece)) expect(grant.split('|')[1]).not.toBe('secrets');
      }
      continue;
    }
    if (role.metadata.name.endsWith('-drift-dry-run')) {
      for (const grant of grants(role)) expect(grant.split('|')[2], grant).toBe('patch');
      for (const grant of grants(role)) expect(grant.split('|')[1]).not.toBe('secrets');
      continue;
    }
    for (const grant of grants(role)) clusterGrants.add(grant);
  }
  expect([...clusterGrants].sort()).toEqual([...CONTROLLER_CLUSTER_RULES].sort());

  const leaseGrants = new Set<string>();
  for (const binding of boundRoles(objects, 'RoleBinding', exp.serviceAccount, exp.namespace)) {
    expect(binding.metadata.namespace).toBe(exp.namespace);
    expect(at(binding, 'roleRef', 'kind')).toBe('Role');
    const role = one(objects, 'Role', at(binding, 'roleRef', 'name') as string);
    expect(role.metadata.namespace).toBe(exp.namespace);
    for (const grant of grants(role)) leaseGrants.add(grant);
  }
  expect([...leaseGrants].sort()).toEqual([...LEASE_RULES].sort());
}

/** Users' access through the built-in view/edit/admin roles. */
export function checkAggregatedRoles(
  objects: readonly KubeObject[],
  viewName: string,
  editName: string,
): void {
  const view = one(objects, 'ClusterRole', viewName);
  const edit = one(objects, 'ClusterRole', editName);
  expect(view.metadata.labels).toMatchObject({ 'rbac.authorization.k8s.io/aggregate-to-view': 'true' });
  expect(edit.metadata.labels).toMatchObject({
    'rbac.authorization.k8s.io/aggregate-to-edit': 'true',
    'rbac.authorization.k8s.io/aggregate-to-admin': 'true',
  });
  expect(edit.metadata.labels?.['rbac.authorization.k8s.io/aggregate-to-view']).toBeUndefined();
  for (const grant of grants(view)) expect(READ_VERBS.has(grant.split('|')[2]!), grant).toBe(true);
  expect(grants(view)).toContain('source.confighub.com|confighubrepositories|list');
  expect(grants(edit)).toContain('source.confighub.com|confighubrepositories|create');
  expect(grants(edit)).toContain('source.confighub.com|confighubrepositories|delete');
  // Status is the controller's: users do not get to forge it.
  for (const grant of grants(edit)) expect(grant).not.toContain('/status');
}

export function projectCrd(): Json {
  return parse(readFileSync(PROJECT_CRD, 'utf8')) as Json;
}

/** The rendered CRD is the project's CRD; installers may only add labels and annotations. */
export function checkCrd(
  objects: readonly KubeObject[],
  allowedExtraAnnotations: readonly string[] = [],
): void {
  const rendered = one(objects, 'CustomResourceDefinition');
  const expected = projectCrd();
  expect(rendered['spec']).toEqual(expected['spec']);
  expect(rendered.metadata.name).toBe(at(expected, 'metadata', 'name'));
  expect(rendered.metadata.labels).toMatchObject(obj(at(expected, 'metadata', 'labels')));
  const annotations = { ...rendered.metadata.annotations };
  for (const key of allowedExtraAnnotations) delete annotations[key];
  expect(annotations).toEqual(at(expected, 'metadata', 'annotations'));
}
