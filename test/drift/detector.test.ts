// Report-only drift detection against the Kubernetes API test server: live objects applied as
// kustomize-controller would, then edited by hand; the detector must classify each edit, ignore what
// the API server and autoscalers own, and never write.
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConsumer } from '../../src/delivery/index.ts';
import {
  DriftDetector,
  type DriftItem,
  DriftMetrics,
  type DriftReport,
  driftEvents,
  driftReportSchema,
  summarize,
} from '../../src/drift/index.ts';
import { silentLogger } from '../../src/telemetry/logger.ts';
import { startCluster, type TestCluster, writes } from '../delivery/cluster.ts';
import { artifactFiles, container, desired, editLive, fluxApply, NS } from './fixtures.ts';

let cluster: TestCluster;
let registry: Registry;
let detector: DriftDetector;
let comparing: DriftDetector;
let setupRequests = 0;
let first: DriftReport;
let firstByComparison: DriftReport;
const T1 = new Date('2026-04-01T10:00:00Z');
const T2 = new Date('2026-04-01T11:00:00Z');
const repo = { namespace: 'flux-system', name: 'shop', revision: 'latest@sha256:1234' };

const item = (report: DriftReport, id: string): DriftItem | undefined =>
  report.items.find((i) => i.id === id);
const idsOf = (report: DriftReport, name: string) =>
  report.items.filter((i) => i.name === name).map((i) => i.id);

beforeAll(async () => {
  cluster = await startCluster();
  cluster.server.seed({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
  // Live state as Flux left it, plus what the API server would have defaulted.
  await fluxApply(cluster.kube, {
    ...desired.web,
    spec: {
      ...desired.web.spec,
      revisionHistoryLimit: 10,
      progressDeadlineSeconds: 600,
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
      template: {
        metadata: { labels: { app: 'web' }, creationTimestamp: null },
        spec: {
          dnsPolicy: 'ClusterFirst',
          restartPolicy: 'Always',
          schedulerName: 'default-scheduler',
          securityContext: {},
          terminationGracePeriodSeconds: 30,
          containers: [
            container('ghcr.io/acme/web:1.4.0', {
              imagePullPolicy: 'IfNotPresent',
              terminationMessagePath: '/dev/termination-log',
              terminationMessagePolicy: 'File',
              ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }],
              resources: { requests: { cpu: '0.1', memory: '64Mi' } },
            }),
          ],
        },
      },
    },
  });
  await fluxApply(cluster.kube, desired.api);
  await fluxApply(cluster.kube, desired.hpa);
  await fluxApply(cluster.kube, {
    ...desired.service,
    spec: {
      ...desired.service.spec,
      type: 'ClusterIP',
      sessionAffinity: 'None',
      clusterIP: '10.96.0.12',
      clusterIPs: ['10.96.0.12'],
      ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }],
    },
  });
  await fluxApply(cluster.kube, desired.config);
  await fluxApply(cluster.kube, {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'web-secret', namespace: NS },
    type: 'Opaque',
    data: { password: Buffer.from('hunter2-desired').toString('base64') },
  });

  // Hand edits, each under the field manager kubectl would use.
  editLive(cluster.server, 'deployments.apps', 'web', { spec: { replicas: 5 } }, 'kubectl-scale');
  const webLive = cluster.server.get('deployments.apps', NS, 'web') as unknown as {
    spec: { template: { spec: { containers: Array<Record<string, unknown>> } } };
  };
  const containers = webLive.spec.template.spec.containers.map((c) => ({
    ...c,
    image: 'ghcr.io/acme/web:1.5.0-hotfix',
  }));
  editLive(cluster.server, 'deployments.apps', 'web', { spec: { template: { spec: { containers } } } });
  editLive(cluster.server, 'configmaps', 'web-config', { data: { mode: 'debug' } });
  editLive(cluster.server, 'secrets', 'web-secret', {
    data: { password: Buffer.from('hunter2-live').toString('base64') },
  });
  // The autoscaler scales api; that is its job, not drift.
  editLive(cluster.server, 'deployments.apps', 'api', { spec: { replicas: 7 } }, 'kube-controller-manager');
  cluster.server.delete('services', NS, 'web');

  registry = new Registry();
  const metrics = new DriftMetrics(registry);
  detector = new DriftDetector({
    kube: cluster.kube,
    logger: silentLogger(),
    metrics,
    now: () => T1,
  });
  comparing = new DriftDetector({
    kube: cluster.kube,
    logger: silentLogger(),
    method: 'field-comparison',
    now: () => T1,
  });
  setupRequests = cluster.server.requests.length;
  first = await detector.detect(repo, artifactFiles());
  firstByComparison = await comparing.detect(repo, artifactFiles());
});
afterAll(async () => {
  await cluster?.close();
});

describe.each([
  ['server-side dry run', () => first, 'server-side-dry-run'],
  ['field comparison', () => firstByComparison, 'field-comparison'],
])('drift found by %s', (_label, report, method) => {
  it('reports a scaled Deployment as scaling, a manual edit', () => {
    expect(item(report(), `Deployment/${NS}/web#/spec/replicas`)).toMatchObject({
      classification: 'scaling',
      severity: 'info',
      desired: 2,
      live: 5,
      cause: 'manual-edit',
      manager: 'kubectl-scale',
      method,
    });
  });

  it('reports a changed image tag as image drift', () => {
    expect(item(report(), `Deployment/${NS}/web#/spec/template/spec/containers/0/image`)).toMatchObject({
      classification: 'image',
      severity: 'warning',
      desired: 'ghcr.io/acme/web:1.4.0',
      live: 'ghcr.io/acme/web:1.5.0-hotfix',
    });
  });

  it('reports only real changes of the Deployment: defaults and equal quantities are not drift', () => {
    expect(
      idsOf(report(), 'web')
        .filter((id) => id.startsWith('Deployment/'))
        .sort(),
    ).toEqual([
      `Deployment/${NS}/web#/spec/replicas`,
      `Deployment/${NS}/web#/spec/template/spec/containers/0/image`,
    ]);
  });

  it('reports an edited ConfigMap key as config drift', () => {
    expect(item(report(), `ConfigMap/${NS}/web-config#/data/mode`)).toMatchObject({
      classification: 'config',
      desired: 'production',
      live: 'debug',
      cause: 'manual-edit',
    });
    expect(idsOf(report(), 'web-config')).toHaveLength(1);
  });

  it('reports a deleted object as missing', () => {
    expect(item(report(), `Service/${NS}/web#`)).toMatchObject({
      classification: 'missing-object',
      severity: 'critical',
      path: '',
    });
  });

  it('ignores replicas owned by a HorizontalPodAutoscaler', () => {
    expect(idsOf(report(), 'api')).toEqual([]);
  });

  it('masks Secret values', () => {
    const secret = item(report(), `Secret/${NS}/web-secret#/data/password`);
    expect(secret).toMatchObject({
      classification: 'config',
      severity: 'critical',
      desired: '***',
      live: '***',
    });
    expect(JSON.stringify(report())).not.toContain('hunter2');
    expect(JSON.stringify(report())).not.toContain(Buffer.from('hunter2-live').toString('base64'));
  });
});

describe('a drift report', () => {
  it('is valid against the status.drift schema and summarised', () => {
    expect(driftReportSchema.parse(first)).toEqual(first);
    expect(first.summary).toMatchObject({ objects: 6, missing: 1, excluded: 0, errors: 0, items: 5 });
    expect(first.items.every((i) => i.firstObserved === T1.toISOString())).toBe(true);
    expect(summarize(first)).toEqual({
      openItems: 5,
      message: expect.stringContaining('5 drift items in 4 of 6 objects'),
    });
  });

  it('publishes bounded metrics without object names', async () => {
    const text = await registry.metrics();
    expect(text).toContain(
      `confighub_drift_items{kind="Deployment",namespace="${NS}",classification="scaling",severity="info"} 1`,
    );
    expect(text).toContain(
      `confighub_drift_items{kind="Service",namespace="${NS}",classification="missing-object",severity="critical"} 1`,
    );
    expect(text).not.toMatch(/confighub_drift_items\{[^}]*name=/);
  });

  it('was produced without writing: only GETs and dry-run PATCHes', () => {
    const during = cluster.server.requests.slice(setupRequests);
    expect(during.some((r) => r.method === 'PATCH')).toBe(true);
    for (const r of writes(during)) {
      expect(r).toMatchObject({ method: 'PATCH', contentType: 'application/apply-patch+yaml' });
      expect(r.query['dryRun']).toBe('All');
      expect(r.fieldManager).toBe('kustomize-controller');
    }
    expect(cluster.server.get('configmaps', NS, 'web-config')?.['data']).toMatchObject({ mode: 'debug' });
  });
});

describe('drift over time', () => {
  let second: DriftReport;
  beforeAll(async () => {
    // Someone puts the ConfigMap back; the rest stays.
    editLive(cluster.server, 'configmaps', 'web-config', { data: { mode: 'production' } });
    const later = new DriftDetector({
      kube: cluster.kube,
      logger: silentLogger(),
      now: () => T2,
    });
    second = await later.detect({ ...repo, previous: first }, artifactFiles());
  });

  it('sets resolvedAt on drift that went away and keeps firstObserved on drift that stayed', () => {
    expect(second.resolved).toEqual([
      expect.objectContaining({ id: `ConfigMap/${NS}/web-config#/data/mode`, resolvedAt: T2.toISOString() }),
    ]);
    expect(item(second, `ConfigMap/${NS}/web-config#/data/mode`)).toBeUndefined();
    expect(item(second, `Deployment/${NS}/web#/spec/replicas`)).toMatchObject({
      firstObserved: T1.toISOString(),
      lastObserved: T2.toISOString(),
    });
  });

  it('emits events only on transitions', () => {
    expect(driftEvents(undefined, first)).toEqual([
      expect.objectContaining({
        type: 'Warning',
        reason: 'DriftDetected',
        message: expect.stringContaining('5 items'),
      }),
    ]);
    expect(driftEvents(first, second)).toEqual([
      expect.objectContaining({
        type: 'Normal',
        reason: 'DriftResolved',
        message: expect.stringContaining(`ConfigMap/${NS}/web-config#/data/mode`),
      }),
    ]);
    expect(driftEvents(second, second)).toEqual([]);
  });
});

describe('what drift detection leaves alone', () => {
  it('honours ignore rules from the repository and opt-out annotations', async () => {
    editLive(cluster.server, 'configmaps', 'web-config', { data: { mode: 'debug' } });
    const optedOut = {
      ...desired.config,
      metadata: { ...desired.config.metadata, annotations: { 'source.confighub.com/drift': 'disabled' } },
    };
    const report = await detector.detect(
      { ...repo, ignore: [{ paths: ['/spec/replicas'], target: { kind: 'Deploy.*', name: 'web' } }] },
      artifactFiles([desired.web, optedOut]),
    );
    expect(idsOf(report, 'web')).toEqual([`Deployment/${NS}/web#/spec/template/spec/containers/0/image`]);
    expect(idsOf(report, 'web-config')).toEqual([]);
    expect(report.summary.excluded).toBe(1);
  });

  it('refuses an ignore rule that is not a JSON pointer, naming it', async () => {
    await expect(
      detector.detect({ ...repo, ignore: [{ paths: ['spec/replicas'] }] }, artifactFiles()),
    ).rejects.toThrow('spec.drift.ignore[0].paths[0]');
  });

  it('checks exactly the objects in a Kustomization inventory, with its ignore rules', async () => {
    const consumer = parseConsumer('Kustomization', {
      metadata: { name: 'apps', namespace: 'flux-system' },
      spec: {
        sourceRef: { kind: 'ExternalArtifact', name: 'shop' },
        ignore: [{ paths: ['/data/mode'], target: { kind: 'ConfigMap' } }],
      },
      status: {
        lastAppliedRevision: repo.revision,
        inventory: {
          entries: [
            { id: `${NS}_web-config__ConfigMap`, v: 'v1' },
            { id: `${NS}_web_apps_Deployment`, v: 'v1' },
            { id: `${NS}_not-ours__ConfigMap`, v: 'v1' },
          ],
        },
      },
    });
    const report = await detector.detect(repo, artifactFiles(), [consumer!]);
    expect(report.source).toBe('inventory');
    expect(report.consumer).toBe('Kustomization/flux-system/apps');
    expect(report.summary.objects).toBe(2);
    expect(report.items.map((i) => i.id).sort()).toEqual([
      `Deployment/${NS}/web#/spec/replicas`,
      `Deployment/${NS}/web#/spec/template/spec/containers/0/image`,
    ]);
    expect(report.items.every((i) => i.consumer === 'Kustomization/flux-system/apps')).toBe(true);
  });

  it('says pending, not missing, until a Kustomization has applied this revision', async () => {
    const waiting = parseConsumer('Kustomization', {
      metadata: { name: 'apps', namespace: 'flux-system' },
      spec: { sourceRef: { kind: 'ExternalArtifact', name: 'shop' } },
      status: {
        lastAppliedRevision: 'latest@sha256:older',
        inventory: { entries: [{ id: `${NS}_web_apps_Deployment`, v: 'v1' }] },
      },
    });
    const fresh = parseConsumer('Kustomization', {
      metadata: { name: 'new', namespace: 'flux-system' },
      spec: { sourceRef: { kind: 'ExternalArtifact', name: 'shop' } },
    });
    const report = await detector.detect(repo, artifactFiles(), [waiting!, fresh!]);
    expect(report.source).toBe('pending');
    expect(report.items).toEqual([]);
    expect(report.notes).toEqual([
      `Kustomization/flux-system/apps has not applied ${repo.revision} yet`,
      `Kustomization/flux-system/new has not applied ${repo.revision} yet`,
    ]);
  });

  it('names a consumer whose build it cannot reproduce instead of comparing its objects', async () => {
    const patched = parseConsumer('Kustomization', {
      metadata: { name: 'apps', namespace: 'flux-system' },
      spec: {
        sourceRef: { kind: 'ExternalArtifact', name: 'shop' },
        patches: [{ patch: 'x' }],
      },
      status: {
        lastAppliedRevision: repo.revision,
        inventory: { entries: [{ id: `${NS}_web_apps_Deployment`, v: 'v1' }] },
      },
    });
    const report = await detector.detect(repo, artifactFiles(), [patched!]);
    expect(report.items).toEqual([]);
    expect(report.notes).toEqual([
      'Kustomization/flux-system/apps not compared: spec.patches not reproduced (only targeted JSON 6902 patches are)',
    ]);
  });

  it('reads the stored .tar.gz artifact as well as files', async () => {
    const { buildTarGz } = await import('../../src/artifact/index.ts');
    const bytes = await buildTarGz(artifactFiles());
    const report = await detector.detect(repo, bytes);
    expect(report.items.map((i) => i.id).sort()).toEqual(first.items.map((i) => i.id).sort());
  });
});

describe('when the API server does not cooperate', () => {
  it('falls back to field comparison for an object whose dry run is refused', async () => {
    cluster.server.failNext(1, { status: 400, methods: ['PATCH'], pathPattern: '/configmaps/web-config' });
    const report = await detector.detect(repo, artifactFiles([desired.web, desired.config]));
    expect(item(report, `ConfigMap/${NS}/web-config#/data/mode`)?.method).toBe('field-comparison');
    expect(item(report, `Deployment/${NS}/web#/spec/replicas`)?.method).toBe('server-side-dry-run');
  });

  it('with read-only RBAC, asks for one dry run per kind and then compares fields without asking', async () => {
    const readOnly = new DriftDetector({ kube: cluster.kube, logger: silentLogger(), now: () => T1 });
    cluster.server.failNext(100, { status: 403, methods: ['PATCH'], pathPattern: '/deployments/' });
    const dryRuns = () =>
      cluster.server.requests.filter((r) => r.method === 'PATCH' && r.path.includes('/deployments/')).length;
    const before = dryRuns();
    const first = await readOnly.detect(repo, artifactFiles([desired.web, desired.api]));
    const second = await readOnly.detect(repo, artifactFiles([desired.web, desired.api]));
    cluster.server.clearFaults();
    expect(dryRuns() - before).toBe(1);
    for (const report of [first, second]) {
      const deployments = report.items.filter((i) => i.kind === 'Deployment');
      expect(deployments.length).toBeGreaterThan(0);
      expect(deployments.every((i) => i.method === 'field-comparison')).toBe(true);
    }
  });

  it('keeps the open items of an object it could not read instead of resolving them', async () => {
    const previous = await detector.detect(repo, artifactFiles([desired.web]));
    cluster.server.failNext(1, { status: 500, methods: ['GET'], pathPattern: '/deployments/web' });
    const later = new DriftDetector({
      kube: cluster.kube,
      logger: silentLogger(),
      now: () => T2,
    });
    const report = await later.detect({ ...repo, previous }, artifactFiles([desired.web]));
    expect(report.summary.errors).toBe(1);
    expect(report.errors?.[0]).toMatchObject({ object: `Deployment/${NS}/web` });
    expect(report.resolved ?? []).toEqual([]);
    expect(report.items.map((i) => i.id)).toEqual(previous.items.map((i) => i.id));
    expect(report.items.every((i) => i.lastObserved === T1.toISOString())).toBe(true);
  });
});
