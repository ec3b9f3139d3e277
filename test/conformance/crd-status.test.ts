// Conformance checklist 36-43: our CRD as the API server serves it, and the status the controller
// writes: observedGeneration, kstatus-friendly conditions, reconcile requests, suspend and interval.
import { readFile } from 'node:fs/promises';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { parse } from 'yaml';
import type { KubeObject } from '../../testkit/kube-api-server/index.ts';
import { PROJECT_CRD } from '../../testkit/local-stack.ts';
import { useLocalStack } from '../support/local-stack.ts';
import { WAIT } from '../support/progress.ts';
import { CHR, condition, download, type Repo, sha256 } from '../support/repositories.ts';
import { type ExternalArtifact, externalArtifact, scrape } from './support.ts';

const stack = useLocalStack();
/** Every version of every ConfigHubRepository the API server stored during this file. */
const history: KubeObject[] = [];

beforeAll(() => {
  stack.kube.store.subscribe((event) => {
    if (event.resource === 'confighubrepositories.source.confighub.com')
      history.push(structuredClone(event.object));
  });
});

type Crd = {
  metadata: { annotations?: Record<string, string> };
  spec: {
    versions: Array<{
      name: string;
      subresources?: { status?: object };
      additionalPrinterColumns?: Array<{ name: string; type: string; jsonPath: string }>;
      schema: {
        openAPIV3Schema: {
          properties: { spec: { required?: string[]; properties: Record<string, Record<string, unknown>> } };
        };
      };
    }>;
  };
};

/** A Secret whose token only this test uses, so its ConfigHub requests can be told apart. */
function ownToken(namespace: string, token: string): void {
  stack.emulator.addToken(token);
  stack.kube.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
  stack.kube.create(stack.tokenSecret(namespace, 'confighub-token', token));
}

function listingsWith(token: string): number {
  return stack.emulator.requests.filter(
    (r) => r.authorization === `Bearer ${token}` && /\/unit$/.test(r.path),
  ).length;
}

async function reconcileCount(namespace: string, name: string): Promise<number> {
  return (
    (await scrape(stack.controller!.servers.metrics.url, 'gotk_reconcile_duration_seconds_count', {
      kind: 'ConfigHubRepository',
      name,
      namespace,
    })) ?? 0
  );
}

describe('ConfigHubRepository CRD and status', () => {
  it('36. the CRD has the status subresource, printer columns Age, Ready, Status and URL, and the substitute: disabled annotation', async () => {
    const crd = parse(await readFile(PROJECT_CRD, 'utf8')) as Crd;
    expect(crd.metadata.annotations?.['kustomize.toolkit.fluxcd.io/substitute']).toBe('disabled');
    const version = crd.spec.versions.find((v) => v.name === 'v1beta1')!;
    expect(version.subresources?.status).toEqual({});
    const columns = new Map((version.additionalPrinterColumns ?? []).map((c) => [c.name, c]));
    expect(columns.get('Age')).toMatchObject({ type: 'date', jsonPath: '.metadata.creationTimestamp' });
    expect(columns.get('Ready')).toMatchObject({
      type: 'string',
      jsonPath: '.status.conditions[?(@.type=="Ready")].status',
    });
    expect(columns.get('Status')).toMatchObject({
      type: 'string',
      jsonPath: '.status.conditions[?(@.type=="Ready")].message',
    });
    expect(columns.get('URL')?.jsonPath).toBe('.spec.url');
  });

  it('37. spec.interval is required with the Flux duration pattern, spec.timeout defaults to 60s with its pattern, spec.suspend is a boolean', async () => {
    const crd = parse(await readFile(PROJECT_CRD, 'utf8')) as Crd;
    const spec = crd.spec.versions.find((v) => v.name === 'v1beta1')!.schema.openAPIV3Schema.properties.spec;
    expect(spec.required).toContain('interval');
    expect(spec.properties['interval']).toMatchObject({
      type: 'string',
      pattern: '^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$',
    });
    // Flux's timeout pattern narrowed to durations above zero (the same units: ms, s, m).
    expect(spec.properties['timeout']).toMatchObject({ type: 'string', default: '60s' });
    const timeoutPattern = new RegExp(spec.properties['timeout']!['pattern'] as string);
    for (const ok of ['60s', '1m30s', '500ms', '0.5s', '40000m']) expect(timeoutPattern.test(ok)).toBe(true);
    for (const bad of ['0s', '0m0s', '1h', '5 minutes']) expect(timeoutPattern.test(bad)).toBe(false);
    expect(spec.properties['suspend']).toMatchObject({ type: 'boolean' });

    // The API server enforces it.
    stack.kube.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'crd-check' } });
    const attempt = (name: string, spec: Record<string, unknown>) => {
      const object = stack.repository('crd-check', name, spec);
      return () => stack.kube.create(object);
    };
    const withoutInterval = stack.repository('crd-check', 'no-interval');
    delete (withoutInterval.spec as Record<string, unknown>)['interval'];
    expect(() => stack.kube.create(withoutInterval)).toThrow(/interval/);
    expect(attempt('bad-interval', { interval: '5 minutes' })).toThrow(/interval/);
    expect(attempt('bad-timeout', { timeout: '1h' })).toThrow(/timeout/);
    expect(attempt('zero-timeout', { timeout: '0s' })).toThrow(/spec\.timeout/);
    expect(attempt('bad-suspend', { suspend: 'yes' })).toThrow(/suspend/);
    const created = stack.kube.create(
      stack.repository('crd-check', 'defaults', { interval: '1h30m', suspend: true }),
    ) as Repo;
    expect(created.spec['timeout']).toBe('60s');
  });

  it('38. status has observedGeneration, conditions, artifact (the same as the ExternalArtifact) and lastHandledReconcileAt', async () => {
    await stack.createRepository('team-a', 'shop');
    await stack.waitForReady('team-a', 'shop');
    stack.requestReconcile('team-a', 'shop', 'status-fields');
    const repo = await stack.waitForReady(
      'team-a',
      'shop',
      (r) => r.status?.lastHandledReconcileAt === 'status-fields',
    );
    expect(repo.status!.observedGeneration).toBe(repo.metadata.generation);
    expect(condition(repo, 'Ready')?.status).toBe('True');
    expect(repo.status!.lastHandledReconcileAt).toBe('status-fields');
    const ea = (await stack.waitForExternalArtifact('team-a', 'shop')) as ExternalArtifact;
    expect(repo.status!.artifact).toEqual(ea.status!.artifact);
  });

  it('39. status.observedGeneration is set to metadata.generation after a successful or stalled reconcile, not after a transient failure', async () => {
    await stack.createRepository('team-gen', 'shop');
    const first = await stack.waitForReady('team-gen', 'shop');
    expect(first.status!.observedGeneration).toBe(1);

    // Transient: the Secret is missing (GitOps may apply it later): observedGeneration stays.
    stack.kube.patch(CHR, 'team-gen', 'shop', { spec: { secretRef: { name: 'not-yet-applied' } } });
    const transient = await stack.waitForCondition('team-gen', 'shop', 'Ready', 'False', 'SecretNotFound');
    expect(transient.metadata.generation).toBe(2);
    expect(transient.status!.observedGeneration).toBe(1);
    expect(condition(transient, 'Reconciling')).toMatchObject({
      status: 'True',
      reason: 'ProgressingWithRetry',
    });

    // Success: the new generation is observed.
    stack.kube.patch(CHR, 'team-gen', 'shop', { spec: { secretRef: { name: 'confighub-token' } } });
    const recovered = await stack.waitForReady('team-gen', 'shop', (r) => r.status?.observedGeneration === 3);
    expect(recovered.metadata.generation).toBe(3);

    // Stalled: a spec that needs a human is observed too, so kstatus reports Failed, not InProgress.
    stack.kube.patch(CHR, 'team-gen', 'shop', { spec: { insecure: false } });
    const stalled = await stack.waitForCondition('team-gen', 'shop', 'Stalled', 'True', 'InvalidURL');
    expect(stalled.metadata.generation).toBe(4);
    expect(stalled.status!.observedGeneration).toBe(4);
    expect(condition(stalled, 'Reconciling')).toBeUndefined();
  });

  it('41. changing reconcile.fluxcd.io/requestedAt (no spec change) triggers a reconcile, after which status.lastHandledReconcileAt equals the annotation', async () => {
    ownToken('team-req', 'requested-at-token');
    await stack.createRepository('team-req', 'shop');
    const ready = await stack.waitForReady('team-req', 'shop');
    for (const token of ['2026-11-30T10:00:00.000000001Z', 'by-hand', '2026-11-30T10:00:00.000000002Z']) {
      const listings = listingsWith('requested-at-token');
      stack.requestReconcile('team-req', 'shop', token);
      const handled = await stack.waitForReady(
        'team-req',
        'shop',
        (r) => r.status?.lastHandledReconcileAt === token,
      );
      expect(handled.metadata.generation).toBe(ready.metadata.generation);
      // It really reconciled: ConfigHub was polled again.
      expect(listingsWith('requested-at-token')).toBeGreaterThan(listings);
    }
    // A stalled object records the request it handled as well (flux reconcile waits for it).
    stack.kube.patch(CHR, 'team-req', 'shop', { spec: { insecure: false } });
    await stack.waitForCondition('team-req', 'shop', 'Stalled', 'True');
    stack.requestReconcile('team-req', 'shop', 'while-stalled');
    const stalled = await stack.kube.waitForObject(
      CHR,
      'team-req',
      'shop',
      (o) => (o as Repo).status?.lastHandledReconcileAt === 'while-stalled',
    );
    expect(condition(stalled, 'Stalled')?.status).toBe('True');
  });

  it('42. with spec.suspend: true no upstream fetch happens and the ExternalArtifact and file stay unchanged and served', async () => {
    ownToken('team-sus', 'suspend-token');
    await stack.createRepository('team-sus', 'shop');
    const ready = await stack.waitForReady('team-sus', 'shop');
    const ea = await stack.waitForExternalArtifact('team-sus', 'shop');
    stack.kube.patch(CHR, 'team-sus', 'shop', { spec: { suspend: true } });
    await expect
      .poll(
        () =>
          scrape(stack.controller!.servers.metrics.url, 'gotk_suspend_status', {
            name: 'shop',
            namespace: 'team-sus',
          }),
        WAIT,
      )
      .toBe(1);
    const before = stack.emulator.requests.filter((r) => r.authorization === 'Bearer suspend-token').length;
    const unit = stack.emulator.getUnit('shop-prod', 'web-hpa');
    stack.emulator.setUnitData('shop-prod', 'web-hpa', `${unit.text}\n# changed while suspended\n`);
    try {
      const reconciles = await reconcileCount('team-sus', 'shop');
      stack.requestReconcile('team-sus', 'shop', 'while-suspended');
      await expect.poll(() => reconcileCount('team-sus', 'shop'), WAIT).toBeGreaterThan(reconciles);
      expect(stack.emulator.requests.filter((r) => r.authorization === 'Bearer suspend-token').length).toBe(
        before,
      );
      const after = externalArtifact(stack, 'team-sus', 'shop');
      expect(after.metadata.resourceVersion).toBe(ea.metadata.resourceVersion);
      expect(after.status!.artifact).toEqual(ready.status!.artifact);
      const served = await download(ready.status!.artifact!.url);
      expect(served.status).toBe(200);
      expect(sha256(served.bytes)).toBe(ready.status!.artifact!.digest);
    } finally {
      stack.emulator.setUnitData('shop-prod', 'web-hpa', unit.data);
    }
  });

  it('43. the next reconcile is scheduled at about spec.interval (± jitter)', async () => {
    ownToken('team-int', 'interval-token');
    // The delays the controller asks its work queue for, exactly, whatever the machine's load; and the
    // polls that follow them.
    const addAfter = vi.spyOn(stack.controller!.manager.queue, 'addAfter');
    let delays: number[];
    try {
      await stack.createRepository('team-int', 'shop', { interval: '1500ms' });
      await expect.poll(() => listingsWith('interval-token'), WAIT).toBeGreaterThanOrEqual(4);
      delays = addAfter.mock.calls.filter(([key]) => key === 'team-int/shop').map(([, ms]) => ms);
    } finally {
      addAfter.mockRestore();
      stack.kube.patch(CHR, 'team-int', 'shop', { spec: { suspend: true } });
    }
    expect(delays.length).toBeGreaterThanOrEqual(3);
    // 1500 ms ± 5 % jitter.
    for (const ms of delays) {
      expect(ms).toBeGreaterThanOrEqual(1500 * 0.95);
      expect(ms).toBeLessThanOrEqual(1500 * 1.05);
    }
  });

  it('40. Reconciling and Stalled are only ever present with status True; Reconciling is removed on success; its reason is Progressing or ProgressingWithRetry', () => {
    expect(history.length).toBeGreaterThan(10);
    let sawReconciling = false;
    let sawStalled = false;
    for (const version of history) {
      const reconciling = condition(version, 'Reconciling');
      const stalled = condition(version, 'Stalled');
      if (reconciling) {
        sawReconciling = true;
        expect(reconciling.status).toBe('True');
        expect(['Progressing', 'ProgressingWithRetry']).toContain(reconciling.reason);
      }
      if (stalled) {
        sawStalled = true;
        expect(stalled.status).toBe('True');
      }
      if (condition(version, 'Ready')?.status === 'True') expect(reconciling).toBeUndefined();
    }
    expect(sawReconciling).toBe(true);
    expect(sawStalled).toBe(true);
  });
});
