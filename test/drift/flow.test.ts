// The pieces together, as the controller wires them: the tracker finds the Kustomization that applied
// the artifact, the detector checks that Kustomization's inventory, and computeDelivery folds the
// report into the Drifted condition. Nothing is written to the cluster on the way.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computeDelivery, DeliveryTracker } from '../../src/delivery/index.ts';
import { DriftDetector, type DriftReport, driftEvents, summarize } from '../../src/drift/index.ts';
import { silentLogger } from '../../src/telemetry/logger.ts';
import { kustomization, ready, startCluster, type TestCluster, writes } from '../delivery/cluster.ts';
import { artifactFiles, desired, editLive, fluxApply, NS } from './fixtures.ts';

const REVISION = 'latest@sha256:5555555555555555555555555555555555555555555555555555555555555555';

let cluster: TestCluster;
let tracker: DeliveryTracker;
let detector: DriftDetector;
let setupRequests = 0;

beforeAll(async () => {
  // The tracker and the detector act as the controller's ServiceAccount, under the shipped RBAC.
  cluster = await startCluster({ asController: true });
  cluster.server.seed({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
  for (const object of [desired.web, desired.config]) await fluxApply(cluster.kube, object);
  cluster.server.create(kustomization('flux-system', 'apps', { kind: 'ExternalArtifact', name: 'shop' }));
  // Status as kustomize-controller writes it, through the status subresource.
  cluster.server.patch(
    { group: 'kustomize.toolkit.fluxcd.io', plural: 'kustomizations' },
    'flux-system',
    'apps',
    {
      status: {
        observedGeneration: 1,
        lastAppliedRevision: REVISION,
        conditions: [ready('True', 'ReconciliationSucceeded', `Applied revision: ${REVISION}`)],
        inventory: {
          entries: [
            { id: `${NS}_web_apps_Deployment`, v: 'v1' },
            { id: `${NS}_web-config__ConfigMap`, v: 'v1' },
          ],
        },
      },
    },
    { subresource: 'status' },
  );
  editLive(cluster.server, 'configmaps', 'web-config', { data: { mode: 'debug' } });
  tracker = new DeliveryTracker({ kube: cluster.controllerKube, logger: silentLogger(), onChange: () => {} });
  detector = new DriftDetector({
    kube: cluster.controllerKube,
    logger: silentLogger(),
  });
  setupRequests = cluster.server.requests.length;
  await tracker.start();
});
afterAll(async () => {
  await tracker?.stop();
  await cluster?.close();
});

describe('delivery and drift together', () => {
  let report: DriftReport;

  it('reports drift in the inventory of the consumer the tracker found', async () => {
    const consumers = tracker.consumersOf('flux-system', 'shop');
    expect(consumers.map((c) => c.name)).toEqual(['apps']);
    report = await detector.detect(
      { namespace: 'flux-system', name: 'shop', revision: REVISION },
      artifactFiles(),
      consumers,
    );
    expect(report.source).toBe('inventory');
    expect(report.items.map((i) => i.id)).toEqual([`ConfigMap/${NS}/web-config#/data/mode`]);

    const result = computeDelivery({ artifactRevision: REVISION }, consumers, new Date(), summarize(report));
    expect(result.conditions).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ type: 'Delivered', status: 'True', reason: 'Succeeded' }),
        expect.objectContaining({
          type: 'Drifted',
          status: 'True',
          reason: 'DriftDetected',
          message: expect.stringContaining('1 drift item in 1 of 2 objects'),
        }),
      ]),
    );
  });

  it('clears Drifted once the edit is undone, with one DriftResolved event', async () => {
    editLive(cluster.server, 'configmaps', 'web-config', { data: { mode: 'production' } });
    const setupEdit = cluster.server.requests.length;
    const consumers = tracker.consumersOf('flux-system', 'shop');
    const next = await detector.detect(
      { namespace: 'flux-system', name: 'shop', revision: REVISION, previous: report },
      artifactFiles(),
      consumers,
    );
    const result = computeDelivery({ artifactRevision: REVISION }, consumers, new Date(), summarize(next));
    expect(result.conditions.find((c) => c.type === 'Drifted')).toMatchObject({
      status: 'False',
      reason: 'NoDriftDetected',
    });
    expect(driftEvents(report, next).map((e) => e.reason)).toEqual(['DriftResolved']);
    expect(cluster.server.requests.length).toBeGreaterThan(setupEdit);
  });

  it('wrote nothing: reads, watches and dry runs only', () => {
    const during = cluster.server.requests.slice(setupRequests);
    for (const r of writes(during)) expect(r.query['dryRun']).toBe('All');
    expect(writes(during).every((r) => r.method === 'PATCH')).toBe(true);
    expect(
      cluster.server.get(
        { group: 'kustomize.toolkit.fluxcd.io', plural: 'kustomizations' },
        'flux-system',
        'apps',
      )?.metadata.generation,
    ).toBe(1);
  });
});
