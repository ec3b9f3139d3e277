// Renders every kustomize overlay and component under config/ with the real `kubectl kustomize`
// (kustomize v5.5) and checks each object: known kind, Kubernetes schema, and the structure a correct
// installation needs.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  CONTROLLER_NAME,
  EA_KIND,
  SECRET_KEY_TOKEN,
  SECRET_KEY_WORKER_ID,
  SECRET_KEY_WORKER_SECRET,
} from '../../src/api/constants.ts';
import { resources } from '../../src/kube/resources.ts';
import { expectNoWildcardVerbs, grants } from './support/checks.ts';
import { expectAllValid, expectFullInstall } from './support/full-install.ts';
import { kubectlAvailable, kustomizeBuild, kustomizeOverlay } from './support/kustomize.ts';
import { at, ofKind, one } from './support/objects.ts';
import { CONFIG_DIR, sharedCrdsPresent } from './support/paths.ts';

const dir = (name: string) => join(CONFIG_DIR, name);
const hasKubectl = kubectlAvailable();

describe.skipIf(!hasKubectl)('kustomize: config/default', () => {
  const objects = hasKubectl ? kustomizeBuild(dir('default')) : [];

  it('renders a complete, schema-valid installation in flux-system', () => {
    const deployment = expectFullInstall(objects, 'flux-system', 'emptyDir');
    expect(at(deployment, 'spec', 'template', 'spec', 'containers', 0, 'args')).toContain(
      '--events-addr=http://notification-controller.flux-system.svc.cluster.local./',
    );
    expect(objects.map((o) => o.kind).sort()).toEqual(
      [
        'ClusterRole',
        'ClusterRole',
        'ClusterRole',
        'ClusterRoleBinding',
        'CustomResourceDefinition',
        'Deployment',
        'Role',
        'RoleBinding',
        'Service',
        'ServiceAccount',
      ].sort(),
    );
  });

  it('labels every object with the app.kubernetes.io labels, without touching selectors', () => {
    for (const o of objects) {
      expect(o.metadata.labels, `${o.kind}/${o.metadata.name}`).toMatchObject({
        'app.kubernetes.io/name': CONTROLLER_NAME,
        'app.kubernetes.io/instance': CONTROLLER_NAME,
        'app.kubernetes.io/part-of': 'confighub',
        'app.kubernetes.io/version': expect.stringMatching(/^\d+\.\d+\.\d+/),
      });
    }
    const deployment = one(objects, 'Deployment');
    // Selectors are immutable: common labels (which carry the version) must stay out of them.
    expect(at(deployment, 'spec', 'selector', 'matchLabels')).toEqual({ app: CONTROLLER_NAME });
    expect(at(one(objects, 'Service'), 'spec', 'selector')).toEqual({ app: CONTROLLER_NAME });
  });

  it('grants access to every resource type the controller’s Kubernetes adapter declares', () => {
    const granted = new Set(
      [...ofKind(objects, 'ClusterRole'), ...ofKind(objects, 'Role')].flatMap((role) =>
        [...grants(role)].map((g) => g.split('|').slice(0, 2).join('|')),
      ),
    );
    for (const type of Object.values(resources)) {
      expect(granted, `${type.group}/${type.plural}`).toContain(`${type.group}|${type.plural}`);
    }
  });

  it('runs the image tagged with the version it is labelled with', () => {
    const deployment = one(objects, 'Deployment');
    const image = at(deployment, 'spec', 'template', 'spec', 'containers', 0, 'image') as string;
    const version = deployment.metadata.labels?.['app.kubernetes.io/version'];
    expect(image).toBe(`ghcr.io/confighub/confighub-source-controller:v${version}`);
  });
});

describe.skipIf(!hasKubectl)('kustomize: config/install-outside-flux-system', () => {
  const objects = hasKubectl ? kustomizeBuild(dir('install-outside-flux-system')) : [];

  it('installs into its own namespace with a NetworkPolicy and no notification-controller address', () => {
    const deployment = expectFullInstall(objects, 'confighub-system', 'emptyDir');
    const args = at(deployment, 'spec', 'template', 'spec', 'containers', 0, 'args') as string[];
    expect(args.some((a) => a.startsWith('--events-addr'))).toBe(false);
    expect(one(objects, 'Namespace').metadata.name).toBe('confighub-system');
  });

  it('admits artifact downloads only from kustomize-controller and helm-controller in flux-system', () => {
    const policy = one(objects, 'NetworkPolicy');
    const deployment = one(objects, 'Deployment');
    expect(at(deployment, 'spec', 'template', 'metadata', 'labels')).toMatchObject(
      at(policy, 'spec', 'podSelector', 'matchLabels') as object,
    );
    expect(at(policy, 'spec', 'policyTypes')).toEqual(['Ingress']);
    const rules = at(policy, 'spec', 'ingress') as Record<string, unknown>[];
    const byPort = new Map(rules.map((r) => [at(r, 'ports', 0, 'port'), r]));
    expect([...byPort.keys()].sort()).toEqual(['http', 'http-prom']);
    expect(byPort.get('http-prom')?.['from']).toBeUndefined();
    const from = byPort.get('http')?.['from'] as unknown[];
    expect(from).toHaveLength(1);
    expect(at(from[0], 'namespaceSelector', 'matchLabels')).toEqual({
      'kubernetes.io/metadata.name': 'flux-system',
    });
    expect(at(from[0], 'podSelector', 'matchExpressions')).toEqual([
      { key: 'app', operator: 'In', values: ['kustomize-controller', 'helm-controller'] },
    ]);
  });
});

describe.skipIf(!hasKubectl)('kustomize: optional components', () => {
  it('persistent-storage puts /data on a PersistentVolumeClaim in the install namespace', () => {
    const objects = kustomizeOverlay({
      namespace: 'flux-system',
      resources: [dir('default')],
      components: [dir('persistent-storage')],
    });
    const deployment = expectFullInstall(objects, 'flux-system', 'persistentVolumeClaim');
    const claim = one(objects, 'PersistentVolumeClaim');
    const volumes = at(deployment, 'spec', 'template', 'spec', 'volumes') as Record<string, unknown>[];
    expect(volumes.find((v) => v['name'] === 'data')).toEqual({
      name: 'data',
      persistentVolumeClaim: { claimName: claim.metadata.name },
    });
    expect(at(claim, 'spec', 'accessModes')).toEqual(['ReadWriteOnce']);
    expect(at(deployment, 'spec', 'strategy', 'type')).toBe('Recreate');
  });

  it('drift-rbac grants read-only access through an aggregated, extensible ClusterRole', () => {
    const objects = kustomizeOverlay({
      namespace: 'flux-system',
      resources: [dir('default')],
      components: [dir('drift-rbac')],
    });
    expectFullInstall(objects, 'flux-system', 'emptyDir');
    const reader = one(objects, 'ClusterRole', 'confighub-source-drift-reader');
    expect(at(reader, 'aggregationRule', 'clusterRoleSelectors', 0, 'matchLabels')).toEqual({
      'source.confighub.com/aggregate-to-drift-reader': 'true',
    });
    const common = one(objects, 'ClusterRole', 'confighub-source-drift-reader-common');
    expect(grants(common)).toContain('apps|deployments|list');
    for (const grant of grants(common)) {
      expect(['get', 'list', 'watch']).toContain(grant.split('|')[2]);
      expect(grant).not.toMatch(/\*|secrets/);
    }
    const binding = one(objects, 'ClusterRoleBinding', 'confighub-source-drift-reader');
    expect(at(binding, 'subjects', 0)).toEqual({
      kind: 'ServiceAccount',
      name: CONTROLLER_NAME,
      namespace: 'flux-system',
    });
  });

  it('drift-dry-run adds patch, and only patch, on the compared kinds for server-side dry runs', () => {
    const objects = kustomizeOverlay({
      namespace: 'flux-system',
      resources: [dir('default')],
      components: [dir('drift-rbac'), dir('drift-dry-run')],
    });
    expectFullInstall(objects, 'flux-system', 'emptyDir');
    const common = one(objects, 'ClusterRole', 'confighub-source-drift-dry-run-common');
    expect(grants(common)).toContain('apps|deployments|patch');
    for (const grant of grants(common)) {
      expect(grant.split('|')[2]).toBe('patch');
      expect(grant).not.toMatch(/\*|secrets/);
    }
    const binding = one(objects, 'ClusterRoleBinding', 'confighub-source-drift-dry-run');
    expect(at(binding, 'subjects', 0)).toMatchObject({ name: CONTROLLER_NAME, namespace: 'flux-system' });
  });

  it('networkpolicy can be added to any overlay', () => {
    const objects = kustomizeOverlay({
      namespace: 'platform',
      resources: [dir('default')],
      components: [dir('networkpolicy')],
    });
    expectFullInstall(objects, 'platform', 'emptyDir');
    expect(one(objects, 'NetworkPolicy').metadata.namespace).toBe('platform');
  });

  it('flux-patches enables the ExternalArtifact feature gate on kustomize- and helm-controller only', () => {
    const fluxDeployment = (name: string, args: string[]) =>
      [
        'apiVersion: apps/v1',
        'kind: Deployment',
        `metadata: {name: ${name}, namespace: flux-system}`,
        'spec:',
        `  selector: {matchLabels: {app: ${name}}}`,
        '  template:',
        `    metadata: {labels: {app: ${name}}}`,
        '    spec:',
        `      containers: [{name: manager, image: ghcr.io/fluxcd/${name}:v1.7.0, args: ${JSON.stringify(args)}}]`,
        '',
      ].join('\n');
    const objects = kustomizeOverlay({
      files: {
        'kustomize-controller.yaml': fluxDeployment('kustomize-controller', [
          '--events-addr=x',
          '--watch-all-namespaces=true',
        ]),
        'helm-controller.yaml': fluxDeployment('helm-controller', ['--log-level=info']),
        'source-controller.yaml': fluxDeployment('source-controller', ['--log-level=info']),
      },
      components: [dir('flux-patches')],
    });
    expectAllValid(objects);
    const args = (name: string) =>
      at(one(objects, 'Deployment', name), 'spec', 'template', 'spec', 'containers', 0, 'args') as string[];
    expect(args('kustomize-controller')).toEqual([
      '--events-addr=x',
      '--watch-all-namespaces=true',
      '--feature-gates=ExternalArtifact=true',
    ]);
    expect(args('helm-controller')).toEqual(['--log-level=info', '--feature-gates=ExternalArtifact=true']);
    expect(args('source-controller')).toEqual(['--log-level=info']);
  });
});

describe('documentation of the Flux requirements (checklist item 50)', () => {
  it('states the minimum Flux version next to the feature-gate patch and in the install guide', () => {
    for (const file of [
      join(CONFIG_DIR, 'flux-patches/kustomization.yaml'),
      join(CONFIG_DIR, '../docs/install.md'),
    ]) {
      const text = readFileSync(file, 'utf8');
      expect(text, file).toContain('v2.7.0');
      expect(text, file).toContain('--feature-gates=ExternalArtifact=true');
    }
  });
});

describe.skipIf(!hasKubectl)('kustomize: config/samples', () => {
  const objects = hasKubectl ? kustomizeBuild(dir('samples')) : [];

  it.skipIf(!sharedCrdsPresent)(
    'validates against the project CRD and Flux’s Kustomization CRD (../shared/crds)',
    () => {
      expectAllValid(objects);
    },
  );

  it('wires Secret → ConfigHubRepository → ExternalArtifact → Kustomization by name', () => {
    const repository = one(objects, 'ConfigHubRepository');
    const namespace = repository.metadata.namespace;
    expect(namespace).toBeDefined();
    const secretName = at(repository, 'spec', 'secretRef', 'name');
    const secret = one(objects, 'Secret', secretName as string);
    expect(secret.metadata.namespace).toBe(namespace);
    // The worker credential comes first: it renews itself, where a token expires.
    expect(Object.keys(at(secret, 'stringData') as object).sort()).toEqual(
      [SECRET_KEY_WORKER_ID, SECRET_KEY_WORKER_SECRET].sort(),
    );

    const consumer = one(objects, 'Kustomization');
    expect(consumer.apiVersion).toBe('kustomize.toolkit.fluxcd.io/v1');
    expect(consumer.metadata.namespace).toBe(namespace);
    expect(at(consumer, 'spec', 'sourceRef')).toEqual({ kind: EA_KIND, name: repository.metadata.name });

    const token = ofKind(objects, 'Secret').find((s) => s !== secret);
    expect(Object.keys(at(token, 'stringData') as object)).toEqual([SECRET_KEY_TOKEN]);
    expectNoWildcardVerbs(objects);
  });
});
