// The delivery tracker against the Kubernetes API test server: consumers are found through watches,
// and every transition of computeDelivery is driven by writing Flux-shaped status and events.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { computeDelivery, DeliveryTracker, KUSTOMIZE_REVISION_ANNOTATION } from '../../src/delivery/index.ts';
import { silentLogger } from '../../src/telemetry/logger.ts';
import {
  HR,
  helmRelease,
  KS,
  kustomization,
  ready,
  startCluster,
  type TestCluster,
  writes,
} from './cluster.ts';

const REVISION = 'latest@sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';
const DIGEST = 'sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';
const OLD = 'latest@sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb';
const EA_REF = { kind: 'ExternalArtifact', name: 'shop' };
const NS = 'team-a';

let cluster: TestCluster;
let tracker: DeliveryTracker;
const changes: string[] = [];

beforeAll(async () => {
  // As the controller's ServiceAccount, under the shipped RBAC.
  cluster = await startCluster({ asController: true });
  tracker = new DeliveryTracker({
    kube: cluster.controllerKube,
    logger: silentLogger(),
    onChange: (key) => changes.push(key),
    informer: { minBackoffMs: 20, maxBackoffMs: 100 },
  });
  await tracker.start();
});
afterAll(async () => {
  await tracker?.stop();
  await cluster?.close();
});
beforeEach(() => {
  changes.length = 0;
});

const delivery = (now = new Date()) =>
  computeDelivery(
    { artifactRevision: REVISION, artifactDigest: DIGEST },
    tracker.consumersOf(NS, 'shop'),
    now,
  );
const conditionOf = (type: string, now?: Date) => delivery(now).conditions.find((c) => c.type === type);

/** Waits for the tracker to have seen a change and for the predicate over its view to hold. */
async function until<T>(predicate: () => T | undefined | false, description: string): Promise<T> {
  return cluster.server.waitFor(predicate, { description, timeoutMs: 5000 });
}

async function setKsStatus(name: string, status: Record<string, unknown>): Promise<void> {
  const before = changes.length;
  // Flux reports the generation it reconciled: the object's current one.
  const observedGeneration = cluster.server.get(KS, NS, name)?.metadata.generation;
  cluster.server.patch(
    KS,
    NS,
    name,
    { status: { ...status, observedGeneration } },
    { subresource: 'status' },
  );
  await until(() => changes.length > before && changes.includes(`${NS}/shop`), `change for ${name}`);
}

describe('DeliveryTracker and computeDelivery', () => {
  it('reports nothing while the artifact has no consumers', () => {
    const result = delivery();
    expect(result.consumers).toEqual([]);
    expect(result.conditions).toEqual([]);
    expect(result.remove.sort()).toEqual(['Delivered', 'Drifted']);
  });

  it('finds a Kustomization by its ExternalArtifact sourceRef and ignores other sources', async () => {
    cluster.server.create(kustomization(NS, 'other', { kind: 'GitRepository', name: 'shop' }));
    cluster.server.create(kustomization(NS, 'apps', EA_REF));
    await until(() => tracker.consumersOf(NS, 'shop').length === 1, 'apps indexed');
    expect(changes).toContain(`${NS}/shop`);
    expect(tracker.consumersOf(NS, 'shop').map((c) => c.name)).toEqual(['apps']);
    const delivered = conditionOf('Delivered');
    expect(delivered).toMatchObject({ status: 'False', reason: 'Progressing' });
    expect(delivered?.message).toContain(`Kustomization/${NS}/apps`);
  });

  it('stays Progressing while the consumer is Ready at an older revision', async () => {
    await setKsStatus('apps', {
      lastAppliedRevision: OLD,
      conditions: [ready('True', 'ReconciliationSucceeded', `Applied revision: ${OLD}`)],
    });
    await until(() => tracker.consumersOf(NS, 'shop')[0]?.lastAppliedRevision === OLD, 'old revision');
    const delivered = conditionOf('Delivered');
    expect(delivered).toMatchObject({ status: 'False', reason: 'Progressing' });
    expect(delivered?.message).toContain(`applied revision ${OLD}`);
  });

  it('is Delivered when every consumer is Ready at our revision', async () => {
    await setKsStatus('apps', {
      lastAppliedRevision: REVISION,
      lastAttemptedRevision: REVISION,
      conditions: [ready('True', 'ReconciliationSucceeded', `Applied revision: ${REVISION}`)],
    });
    await until(() => conditionOf('Delivered')?.status === 'True', 'Delivered=True');
    expect(conditionOf('Delivered')).toMatchObject({ reason: 'Succeeded' });
    expect(conditionOf('Drifted')).toMatchObject({ status: 'False', reason: 'NoDriftDetected' });
    expect(delivery().consumers[0]).toMatchObject({
      kind: 'Kustomization',
      namespace: NS,
      name: 'apps',
      ready: 'True',
      lastAppliedRevision: REVISION,
      drifted: false,
    });
  });

  it.each([
    ['HealthCheckFailed', 'Deployment/team-a/web not ready'],
    ['ReconciliationFailed', 'Service/team-a/web dry-run failed'],
    ['DependencyNotReady', "dependency 'team-a/infra' is not ready"],
  ])('mirrors a consumer failing with %s', async (reason, message) => {
    await setKsStatus('apps', {
      lastAppliedRevision: REVISION,
      conditions: [ready('False', reason, message)],
    });
    await until(() => conditionOf('Delivered')?.reason === reason, `Delivered reason ${reason}`);
    expect(conditionOf('Delivered')?.status).toBe('False');
    expect(conditionOf('Delivered')?.message).toContain(message);
    // Reporting conditions never say anything about Ready.
    expect(delivery().conditions.map((c) => c.type)).not.toContain('Ready');
  });

  it('says Suspended when a consumer is suspended', async () => {
    cluster.server.patch(KS, NS, 'apps', { spec: { suspend: true } });
    await until(() => conditionOf('Delivered')?.reason === 'Suspended', 'Suspended');
    expect(delivery().consumers[0]?.ready).toBe('Suspended');
    cluster.server.patch(KS, NS, 'apps', { spec: { suspend: null } });
    await setKsStatus('apps', {
      lastAppliedRevision: REVISION,
      conditions: [ready('True', 'ReconciliationSucceeded', 'ok')],
    });
    await until(() => conditionOf('Delivered')?.status === 'True', 'Delivered again');
  });

  it('counts a HelmRelease whose released chart version carries our digest', async () => {
    cluster.server.create(helmRelease(NS, 'web', EA_REF));
    await until(() => tracker.consumersOf(NS, 'shop').length === 2, 'HelmRelease indexed');
    expect(conditionOf('Delivered')?.status).toBe('False');
    cluster.server.patch(
      HR,
      NS,
      'web',
      {
        status: {
          observedGeneration: 1,
          conditions: [ready('True', 'UpgradeSucceeded', 'Helm upgrade succeeded')],
          history: [{ chartName: 'web', chartVersion: '1.0.0+aaaaaaaaaaaa', status: 'deployed' }],
        },
      },
      { subresource: 'status' },
    );
    await until(() => conditionOf('Delivered')?.status === 'True', 'Delivered with two consumers');
    expect(conditionOf('Delivered')?.message).toContain('2 consumers');
    expect(delivery().consumers.map((c) => `${c.kind}/${c.name}`)).toEqual([
      'HelmRelease/web',
      'Kustomization/apps',
    ]);
  });

  it('copies a HelmRelease Drifted condition', async () => {
    cluster.server.setCondition(HR, NS, 'web', {
      type: 'Drifted',
      status: 'True',
      reason: 'DriftDetected',
      message:
        'Cluster state of release team-a/web.v2 has drifted from the desired state:\nDeployment/team-a/web changed (0 additions, 1 changes, 0 removals)',
    });
    await until(() => conditionOf('Drifted')?.status === 'True', 'Drifted=True');
    expect(conditionOf('Drifted')).toMatchObject({ reason: 'DriftDetected' });
    expect(conditionOf('Drifted')?.message).toContain(`HelmRelease/${NS}/web reports drift`);
    expect(delivery().consumers.find((c) => c.kind === 'HelmRelease')?.drifted).toBe(true);
    // Drift is reported, not a delivery failure.
    expect(conditionOf('Delivered')?.status).toBe('True');

    cluster.server.setCondition(HR, NS, 'web', {
      type: 'Drifted',
      status: 'False',
      reason: 'NoDriftDetected',
      message: 'No drift detected against the cluster state',
    });
    await until(() => conditionOf('Drifted')?.reason === 'NoDriftDetected', 'Drifted=False');
  });

  it('reads DriftDetected and DriftCorrected events of a HelmRelease without the condition', async () => {
    cluster.server.create(helmRelease(NS, 'api', EA_REF));
    await until(() => tracker.consumersOf(NS, 'shop').length === 3, 'api indexed');
    cluster.server.create(
      event(
        'api-drift',
        'HelmRelease',
        'api',
        'Warning',
        'DriftDetected',
        'Deployment/team-a/api changed',
        '2026-05-01T10:00:00Z',
      ),
    );
    await until(() => conditionOf('Drifted')?.status === 'True', 'Drifted from event');
    expect(delivery().consumers.find((c) => c.name === 'api')).toMatchObject({
      drifted: true,
      lastDriftTime: '2026-05-01T10:00:00Z',
    });
    cluster.server.create(
      event(
        'api-fixed',
        'HelmRelease',
        'api',
        'Normal',
        'DriftCorrected',
        'Deployment/team-a/api configured',
        '2026-05-01T10:05:00Z',
      ),
    );
    const now = new Date('2026-05-01T11:00:00Z');
    await until(() => conditionOf('Drifted', now)?.reason === 'DriftCorrected', 'DriftCorrected');
    expect(conditionOf('Drifted', now)?.status).toBe('False');
    // A day later the correction is history.
    expect(conditionOf('Drifted', new Date('2026-05-03T00:00:00Z'))?.reason).toBe('NoDriftDetected');
    cluster.server.delete(HR, NS, 'api');
    await until(() => tracker.consumersOf(NS, 'shop').length === 2, 'api gone');
  });

  it('reads a Kustomization re-applying objects at an unchanged revision as a correction', async () => {
    await setKsStatus('apps', {
      lastAppliedRevision: REVISION,
      conditions: [ready('True', 'ReconciliationSucceeded', 'ok')],
      history: [
        {
          digest: 'sha256:1',
          firstReconciled: '2026-06-01T09:00:00Z',
          lastReconciled: '2026-06-01T10:00:05Z',
          lastReconciledDuration: '1s',
          lastReconciledStatus: 'ReconciliationSucceeded',
          totalReconciliations: 2,
          metadata: { revision: REVISION },
        },
      ],
    });
    const seen = tracker.stats.events;
    // The first apply of the revision (before it was first reconciled) is not a correction.
    cluster.server.create(applyEvent('apps-first', REVISION, '2026-06-01T08:59:59Z'));
    // The same text at a new revision is a rollout, not a correction.
    cluster.server.create(applyEvent('apps-next', 'latest@sha256:cccc', '2026-06-01T09:30:00Z'));
    const now = new Date('2026-06-01T12:00:00Z');
    await until(() => tracker.stats.events >= seen + 2, 'both events examined');
    expect(conditionOf('Drifted', now)?.reason).toBe('NoDriftDetected');
    cluster.server.create(applyEvent('apps-fix', REVISION, '2026-06-01T10:00:00Z'));
    await until(() => conditionOf('Drifted', now)?.reason === 'DriftCorrected', 'Kustomization correction');
    expect(conditionOf('Drifted', now)?.message).toContain('Deployment/team-a/web configured');
    expect(delivery(now).consumers.find((c) => c.name === 'apps')?.lastDriftTime).toBe(
      '2026-06-01T10:00:00Z',
    );
  });

  it('re-indexes a consumer moved to another artifact and notifies both', async () => {
    cluster.server.patch(KS, NS, 'apps', {
      spec: { sourceRef: { kind: 'ExternalArtifact', name: 'billing' } },
    });
    await until(() => tracker.consumersOf(NS, 'billing').length === 1, 'moved');
    expect(changes).toEqual(expect.arrayContaining([`${NS}/shop`, `${NS}/billing`]));
    expect(tracker.consumersOf(NS, 'shop').map((c) => c.name)).toEqual(['web']);
  });

  it('follows cross-namespace references and deletions', async () => {
    cluster.server.create(kustomization('flux-system', 'remote', { ...EA_REF, namespace: NS }));
    await until(() => tracker.consumersOf(NS, 'shop').some((c) => c.namespace === 'flux-system'), 'remote');
    cluster.server.delete(KS, 'flux-system', 'remote');
    await until(() => !tracker.consumersOf(NS, 'shop').some((c) => c.namespace === 'flux-system'), 'deleted');
    expect(changes.filter((k) => k === `${NS}/shop`).length).toBeGreaterThanOrEqual(2);
  });

  it('never writes to the cluster', () => {
    expect(writes(cluster.server.requests)).toEqual([]);
    expect(cluster.server.requests.some((r) => r.watch && r.path.endsWith('/events'))).toBe(true);
  });
});

describe('DeliveryTracker without the HelmRelease kind', () => {
  let bare: TestCluster;
  let bareTracker: DeliveryTracker;
  const seen: string[] = [];
  beforeAll(async () => {
    bare = await startCluster({ helmRelease: false });
    bareTracker = new DeliveryTracker({
      kube: bare.kube,
      logger: silentLogger(),
      onChange: (key) => seen.push(key),
      missingKindRetryMs: 50,
      watchEvents: false,
    });
    await bareTracker.start();
  });
  afterAll(async () => {
    await bareTracker?.stop();
    await bare?.close();
  });

  it('watches Kustomizations and picks HelmReleases up once the kind is served', async () => {
    expect(bareTracker.isWatching('Kustomization')).toBe(true);
    expect(bareTracker.isWatching('HelmRelease')).toBe(false);
    bare.server.create(kustomization(NS, 'apps', EA_REF));
    await bare.server.waitFor(() => bareTracker.consumersOf(NS, 'shop').length === 1);
    const { registerHelmRelease } = await import('./cluster.ts');
    registerHelmRelease(bare.server);
    bare.server.create(helmRelease(NS, 'web', EA_REF));
    await bare.server.waitFor(() => bareTracker.consumersOf(NS, 'shop').length === 2, {
      description: 'HelmRelease after the kind appeared',
    });
    expect(bareTracker.isWatching('HelmRelease')).toBe(true);
    // The missing kind was probed with a bounded list, not by an informer spinning on 404s.
    const probes = bare.server.requests.filter((r) => r.path.endsWith('/helmreleases') && !r.watch);
    expect(probes.some((r) => r.status === 404)).toBe(true);
    expect(seen).toContain(`${NS}/shop`);
  });
});

function event(
  name: string,
  kind: string,
  object: string,
  type: string,
  reason: string,
  message: string,
  time: string,
  annotations: Record<string, string> = {},
) {
  const group = kind === 'HelmRelease' ? 'helm.toolkit.fluxcd.io/v2' : 'kustomize.toolkit.fluxcd.io/v1';
  return {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name, namespace: NS, annotations },
    involvedObject: { apiVersion: group, kind, name: object, namespace: NS },
    type,
    reason,
    message,
    firstTimestamp: time,
    lastTimestamp: time,
    count: 1,
    source: { component: kind === 'HelmRelease' ? 'helm-controller' : 'kustomize-controller' },
  };
}

function applyEvent(name: string, revision: string, time: string) {
  return event(
    name,
    'Kustomization',
    'apps',
    'Normal',
    'Progressing',
    'Deployment/team-a/web configured',
    time,
    {
      [KUSTOMIZE_REVISION_ANNOTATION]: revision,
    },
  );
}
