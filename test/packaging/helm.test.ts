// The Helm chart, rendered for several value sets with the template subset in support/helm-template
// (helm itself cannot be installed here: see its README) and checked like the kustomize output.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { CONTROLLER_NAME } from '../../src/api/constants.ts';
import { parseControllerOptions } from '../../src/config/options.ts';
import {
  checkAggregatedRoles,
  checkControllerRbac,
  checkCrd,
  checkDeployment,
  checkService,
  expandArgs,
  expectNoWildcardVerbs,
  grants,
} from './support/checks.ts';
import { loadChart, renderChart, ValuesError } from './support/helm-template/chart.ts';
import { kubectlAvailable, kustomizeBuild } from './support/kustomize.ts';
import { at, type KubeObject, ofKind, one, parseManifests } from './support/objects.ts';
import { CHART_CRD, CHART_DIR, CONFIG_DIR, PROJECT_CRD, REPO_ROOT } from './support/paths.ts';
import { validateObject } from './support/schemas.ts';

const chart = loadChart(CHART_DIR);
const CLUSTER_SCOPED = new Set([
  'CustomResourceDefinition',
  'ClusterRole',
  'ClusterRoleBinding',
  'Namespace',
]);

function install(
  releaseName: string,
  namespace: string,
  values: Record<string, unknown> = {},
  namespaceOf: (o: KubeObject) => string = () => namespace,
): KubeObject[] {
  const rendered = renderChart(chart, { releaseName, namespace, values });
  const objects = [...rendered.manifests].flatMap(([name, text]) => parseManifests(text, name));
  const ids = objects.map(
    (o) => `${o.apiVersion}/${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`,
  );
  expect(new Set(ids).size, 'duplicate objects').toBe(ids.length);
  for (const o of objects) {
    validateObject(o);
    expect(o.metadata.namespace, `${o.kind}/${o.metadata.name}`).toBe(
      CLUSTER_SCOPED.has(o.kind) ? undefined : namespaceOf(o),
    );
    expect(o.metadata.labels?.['app.kubernetes.io/instance'], `${o.kind}/${o.metadata.name}`).toBeDefined();
  }
  return objects;
}

function checkFullInstall(
  objects: KubeObject[],
  name: string,
  namespace: string,
  data: 'emptyDir' | 'persistentVolumeClaim',
) {
  const deployment = checkDeployment(objects, { name, namespace, serviceName: name, data }) as KubeObject;
  checkService(objects, name, deployment);
  checkControllerRbac(objects, { serviceAccount: name, namespace, deployment });
  return deployment;
}

const args = (deployment: KubeObject) =>
  at(deployment, 'spec', 'template', 'spec', 'containers', 0, 'args') as string[];

describe('helm chart: defaults', () => {
  const objects = install(CONTROLLER_NAME, 'flux-system');

  it('renders the same installation as config/default, schema-valid', () => {
    checkFullInstall(objects, CONTROLLER_NAME, 'flux-system', 'emptyDir');
    checkAggregatedRoles(objects, 'confighub-source-view', 'confighub-source-edit');
    checkCrd(objects, ['helm.sh/resource-policy']);
    expect(one(objects, 'CustomResourceDefinition').metadata.annotations?.['helm.sh/resource-policy']).toBe(
      'keep',
    );
    expect(ofKind(objects, 'NetworkPolicy')).toHaveLength(0);
    expect(ofKind(objects, 'ConfigMap')).toHaveLength(0);
  });

  it.skipIf(!kubectlAvailable())(
    'grants exactly what the kustomize installation grants, with the same arguments',
    () => {
      const kustomized = kustomizeBuild(join(CONFIG_DIR, 'default'));
      for (const kind of ['ClusterRole', 'Role']) {
        const fromChart = ofKind(objects, kind).map((r) => [...grants(r)].sort());
        const fromKustomize = ofKind(kustomized, kind).map((r) => [...grants(r)].sort());
        expect(fromChart.sort()).toEqual(fromKustomize.sort());
      }
      const env = { RUNTIME_NAMESPACE: 'flux-system', POD_NAME: 'p' };
      const options = (o: KubeObject[]) => {
        const container = at(one(o, 'Deployment'), 'spec', 'template', 'spec', 'containers', 0) as Record<
          string,
          unknown
        >;
        return parseControllerOptions(expandArgs(container, 'flux-system', 'p'), env);
      };
      expect(options(objects)).toEqual(options(kustomized));
      expect(at(one(objects, 'Deployment'), 'spec', 'template', 'spec', 'containers', 0, 'image')).toBe(
        at(one(kustomized, 'Deployment'), 'spec', 'template', 'spec', 'containers', 0, 'image'),
      );
    },
  );

  it('runs the image of the chart’s appVersion, which is the package version', () => {
    const version = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')).version;
    expect(chart.metadata.appVersion).toBe(version);
    expect(at(one(objects, 'Deployment'), 'spec', 'template', 'spec', 'containers', 0, 'image')).toBe(
      `ghcr.io/confighub/confighub-source-controller:v${version}`,
    );
  });

  it('ships the project CRD unchanged (both are written by `npm run generate`)', () => {
    expect(readFileSync(CHART_CRD, 'utf8')).toBe(readFileSync(PROJECT_CRD, 'utf8'));
  });

  it('keeps the CRD out of a release that does not install it, and leaves it on uninstall only when asked', () => {
    expect(
      ofKind(
        install(CONTROLLER_NAME, 'flux-system', { crds: { install: false } }),
        'CustomResourceDefinition',
      ),
    ).toHaveLength(0);
    const crd = one(
      install(CONTROLLER_NAME, 'flux-system', { crds: { keep: false } }),
      'CustomResourceDefinition',
    );
    expect(crd.metadata.annotations?.['helm.sh/resource-policy']).toBeUndefined();
  });
});

describe('helm chart: sharding', () => {
  const main = install(CONTROLLER_NAME, 'flux-system', { watchLabelSelector: '!sharding.fluxcd.io/key' });
  const shard = install('chr-shard1', 'flux-system', {
    sharding: { key: 'shard1' },
    crds: { install: false },
    rbac: { aggregatedRoles: false },
  });

  it('gives each shard its own selector and its own object names', () => {
    const fullname = 'chr-shard1-confighub-source-controller';
    const deployment = checkFullInstall(shard, fullname, 'flux-system', 'emptyDir');
    const options = parseControllerOptions(
      expandArgs(
        at(deployment, 'spec', 'template', 'spec', 'containers', 0) as Record<string, unknown>,
        'flux-system',
        'p',
      ),
      {},
    );
    expect(options.watchLabelSelector).toBe('sharding.fluxcd.io/key=shard1');
    const mainOptions = parseControllerOptions(
      expandArgs(
        at(one(main, 'Deployment'), 'spec', 'template', 'spec', 'containers', 0) as Record<string, unknown>,
        'flux-system',
        'p',
      ),
      {},
    );
    expect(mainOptions.watchLabelSelector).toBe('!sharding.fluxcd.io/key');
    // Distinct leader election leases follow from distinct selectors.
    expect(options.leaderElection?.id).not.toBe(mainOptions.leaderElection?.id);

    const key = (o: KubeObject) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
    const mainKeys = new Set(main.map(key));
    expect(shard.map(key).filter((k) => mainKeys.has(k))).toEqual([]);
    // The two releases' pods are told apart by their selectors.
    expect(at(one(main, 'Deployment'), 'spec', 'selector', 'matchLabels')).not.toEqual(
      at(deployment, 'spec', 'selector', 'matchLabels'),
    );
  });
});

describe('helm chart: every option on', () => {
  const objects = install(
    CONTROLLER_NAME,
    'confighub-system',
    {
      storage: {
        type: 'persistentVolumeClaim',
        persistentVolumeClaim: { size: '5Gi', storageClassName: 'fast' },
      },
      metrics: { serviceMonitor: { enabled: true, labels: { release: 'prometheus' } } },
      networkPolicy: { enabled: true },
      dashboard: { enabled: true, namespace: 'monitoring' },
      rbac: {
        driftReader: {
          enabled: true,
          extraRules: [{ apiGroups: ['cert-manager.io'], resources: ['certificates'] }],
        },
        driftDryRun: { enabled: true },
      },
      events: { address: '' },
      extraArgs: ['--max-units=20000'],
      driftDetection: 'report',
      logLevel: 'debug',
    },
    (o) => (o.kind === 'ConfigMap' ? 'monitoring' : 'confighub-system'),
  );

  it('puts /data on the claim it creates', () => {
    const name = 'confighub-source-controller';
    const deployment = checkFullInstall(objects, name, 'confighub-system', 'persistentVolumeClaim');
    const claim = one(objects, 'PersistentVolumeClaim');
    expect(at(claim, 'spec')).toEqual({
      accessModes: ['ReadWriteOnce'],
      storageClassName: 'fast',
      resources: { requests: { storage: '5Gi' } },
    });
    const volumes = at(deployment, 'spec', 'template', 'spec', 'volumes') as Record<string, unknown>[];
    expect(volumes.find((v) => v['name'] === 'data')).toEqual({
      name: 'data',
      persistentVolumeClaim: { claimName: claim.metadata.name },
    });
    const options = parseControllerOptions(
      expandArgs(
        at(deployment, 'spec', 'template', 'spec', 'containers', 0) as Record<string, unknown>,
        'confighub-system',
        'p',
      ),
      {},
    );
    expect(options.eventsAddr).toBeUndefined();
    expect(options.maxUnits).toBe(20000);
    expect(options.driftDetection).toBe('report');
    expect(options.logLevel).toBe('debug');
  });

  it('scrapes every replica through a metrics Service selected by the ServiceMonitor', () => {
    const monitor = one(objects, 'ServiceMonitor');
    expect(monitor.metadata.labels?.['release']).toBe('prometheus');
    const metrics = one(objects, 'Service', 'confighub-source-controller-metrics');
    expect(at(metrics, 'spec', 'publishNotReadyAddresses')).toBe(true);
    expect(metrics.metadata.labels).toMatchObject(at(monitor, 'spec', 'selector', 'matchLabels') as object);
    expect(at(metrics, 'spec', 'ports')).toEqual([
      { name: 'http-prom', port: 8080, protocol: 'TCP', targetPort: 'http-prom' },
    ]);
    expect(at(monitor, 'spec', 'endpoints', 0)).toMatchObject({ port: 'http-prom', path: '/metrics' });
    expect(at(monitor, 'spec', 'namespaceSelector', 'matchNames')).toEqual(['confighub-system']);
    // The artifact Service must not select the metrics Service's extra label.
    expect(
      at(
        one(objects, 'Service', 'confighub-source-controller'),
        'spec',
        'selector',
        'app.kubernetes.io/component',
      ),
    ).toBeUndefined();
  });

  it('admits artifact downloads only from Flux’s consumers', () => {
    const policy = one(objects, 'NetworkPolicy');
    expect(at(one(objects, 'Deployment'), 'spec', 'template', 'metadata', 'labels')).toMatchObject(
      at(policy, 'spec', 'podSelector', 'matchLabels') as object,
    );
    const rules = at(policy, 'spec', 'ingress') as Record<string, unknown>[];
    expect(rules.map((r) => at(r, 'ports', 0, 'port')).sort()).toEqual(['http', 'http-prom']);
    const http = rules.find((r) => at(r, 'ports', 0, 'port') === 'http');
    expect(at(http, 'from', 0, 'namespaceSelector', 'matchLabels')).toEqual({
      'kubernetes.io/metadata.name': 'flux-system',
    });
    expect(at(http, 'from', 0, 'podSelector', 'matchExpressions', 0, 'values')).toEqual([
      'kustomize-controller',
      'helm-controller',
    ]);
    expect(rules.find((r) => at(r, 'ports', 0, 'port') === 'http-prom')?.['from']).toBeUndefined();
  });

  it('adds read-only drift rules, extra kinds included, and never secrets', () => {
    const common = one(objects, 'ClusterRole', 'confighub-source-controller-drift-reader-common');
    expect(grants(common)).toContain('cert-manager.io|certificates|watch');
    for (const grant of grants(common)) {
      expect(['get', 'list', 'watch']).toContain(grant.split('|')[2]);
      expect(grant).not.toMatch(/\*|secrets/);
    }
    expectNoWildcardVerbs(objects);
  });

  it('opts in to dry-run drift detection with patch, and only patch, on the compared kinds', () => {
    const dryRun = one(objects, 'ClusterRole', 'confighub-source-controller-drift-dry-run');
    expect(grants(dryRun)).toContain('apps|deployments|patch');
    for (const grant of grants(dryRun)) {
      expect(grant.split('|')[2]).toBe('patch');
      expect(grant).not.toMatch(/\*|secrets/);
    }
  });

  it('ships the Grafana dashboard for the sidecar', () => {
    const configMap = one(objects, 'ConfigMap');
    expect(configMap.metadata.namespace).toBe('monitoring');
    expect(configMap.metadata.labels?.['grafana_dashboard']).toBe('1');
    const json = at(configMap, 'data', 'confighub-source-controller.json') as string;
    expect(JSON.parse(json)).toEqual(
      JSON.parse(readFileSync(join(CHART_DIR, 'dashboards/confighub-source-controller.json'), 'utf8')),
    );
  });
});

describe('helm chart: guard rails', () => {
  it('runs several replicas only with leader election, and only on emptyDir storage', () => {
    const ha = one(install('confighub-source-controller', 'flux-system', { replicaCount: 2 }), 'Deployment');
    expect(at(ha, 'spec', 'replicas')).toBe(2);
    expect(args(ha)).toContain('--enable-leader-election');
    expect(() =>
      install('x', 'flux-system', { replicaCount: 2, leaderElection: { enabled: false } }),
    ).toThrow(/leaderElection/);
    expect(() =>
      install('x', 'flux-system', { replicaCount: 2, storage: { type: 'persistentVolumeClaim' } }),
    ).toThrow(/one replica/);
    const single = one(install('x', 'flux-system', { leaderElection: { enabled: false } }), 'Deployment');
    expect(args(single).some((a) => a.includes('leader-election'))).toBe(false);
  });

  it('rejects values outside values.schema.json, as helm does', () => {
    for (const values of [
      { logLevel: 'verbose' },
      { extraArgs: ['not-a-flag'] },
      { rbac: { driftReader: { extraRules: [{ apiGroups: ['*'], resources: ['*'] }] } } },
      { storage: { type: 'hostPath' } },
      { artifact: { retentionTTL: 'soon' } },
      { unknownTopLevelKey: true },
    ]) {
      expect(
        () => renderChart(chart, { releaseName: 'x', namespace: 'n', values }),
        JSON.stringify(values),
      ).toThrow(ValuesError);
    }
  });

  it('references every key of values.yaml from a template', () => {
    const sources = [...chart.sources.values()].join('\n');
    const unreferenced: string[] = [];
    const walk = (value: unknown, path: string[]) => {
      // A key counts as used when it, or a map containing it, is read as a whole (`.Values.a.b` not followed by `.`).
      const used = path.some((_, i) =>
        new RegExp(`\\.Values\\.${path.slice(0, i + 1).join('\\.')}(?![\\w.])`).test(sources),
      );
      if (used) return;
      if (
        value !== null &&
        typeof value === 'object' &&
        !Array.isArray(value) &&
        Object.keys(value).length > 0
      ) {
        for (const [k, v] of Object.entries(value)) walk(v, [...path, k]);
      } else unreferenced.push(path.join('.'));
    };
    for (const [k, v] of Object.entries(chart.defaults)) walk(v, [k]);
    expect(unreferenced).toEqual([]);
  });
});

describe('grafana dashboard', () => {
  const dashboard = JSON.parse(
    readFileSync(join(CHART_DIR, 'dashboards/confighub-source-controller.json'), 'utf8'),
  ) as {
    uid: string;
    panels: {
      id: number;
      datasource: { uid: string };
      targets: { expr: string; datasource: { uid: string } }[];
    }[];
    templating: { list: { name: string; type: string }[] };
  };
  const exprs = dashboard.panels.flatMap((p) => p.targets.map((t) => t.expr));

  it('charts the controller’s metrics', () => {
    for (const metric of [
      'gotk_reconcile_duration_seconds',
      'confighub_fetch_duration_seconds',
      'confighub_fetch_errors_total',
      'confighub_artifact_size_bytes',
      'workqueue_depth',
    ]) {
      expect(
        exprs.some((e) => e.includes(metric)),
        metric,
      ).toBe(true);
    }
    for (const expr of exprs.filter((e) => e.includes('gotk_')))
      expect(expr).toContain('kind="ConfigHubRepository"');
  });

  it('is importable: unique panel ids, one data source variable used by every query', () => {
    const datasource = '$' + '{datasource}'; // Grafana's variable syntax, not a template string
    const ids = dashboard.panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(dashboard.templating.list).toContainEqual(
      expect.objectContaining({ name: 'datasource', type: 'datasource' }),
    );
    for (const panel of dashboard.panels) {
      expect(panel.datasource.uid).toBe(datasource);
      for (const target of panel.targets) expect(target.datasource.uid).toBe(datasource);
    }
    expect(dashboard.uid).toMatch(/^[a-z0-9-]{1,40}$/);
  });

  it('keeps the values.yaml dashboard label the Grafana sidecar looks for', () => {
    const values = parse(readFileSync(join(CHART_DIR, 'values.yaml'), 'utf8'));
    expect(values.dashboard.labels).toEqual({ grafana_dashboard: '1' });
  });
});
