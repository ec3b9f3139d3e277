// End to end through the kustomize-controller stand-in: our controller reports Delivered from what the
// stand-in applied, and report-only drift finds the edits a person makes with kubectl, then sees them
// resolved when the stand-in's next apply corrects them. Nothing is compared before the first apply.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findKubectl } from '../../testkit/flux/index.ts';
import { checkDrift, type DriftRepo, KS, kubectl, kustomization, waitForKs } from '../support/flux.ts';
import { useLocalStack } from '../support/local-stack.ts';
import { condition } from '../support/repositories.ts';

// No autoscaler, so a scaled Deployment is drift rather than the HPA's business.
const UNITS = "Slug IN ('namespace','web','web-svc','web-config')";

describe.skipIf(findKubectl() === undefined)('delivery and drift through the stand-in', () => {
  // The stand-in applies on its own only when something changes; tests call reconcile() for the
  // "next interval", so nothing depends on timing.
  const stack = useLocalStack({ kustomizeController: { pollMs: 50, intervalMs: 3_600_000 } });
  let dir: string;
  let kubeconfig: string;
  const driftEvents = (namespace: string) =>
    (stack.kube.list('events', namespace) as unknown as Array<{ reason: string }>).filter(
      (e) => e.reason === 'DriftDetected',
    );

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'flux-e2e-'));
    kubeconfig = await stack.kube.writeKubeconfig(join(dir, 'kubeconfig'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('says pending and records no drift event before the first apply, then Delivered once applied', async () => {
    await stack.createRepository('team-a', 'shop', { where: UNITS, drift: { mode: 'report' } });
    const repo = await stack.waitForReady('team-a', 'shop');
    stack.kube.create(kustomization('team-a', 'app', 'shop', { suspend: true }));
    const pending = await checkDrift(stack, 'team-a', 'shop');
    expect(pending.status!.drift).toMatchObject({ source: 'pending', items: [] });
    expect(condition(pending, 'Drifted')?.status).not.toBe('True');
    expect(driftEvents('team-a')).toEqual([]);

    stack.kube.patch(KS, 'team-a', 'app', { spec: { suspend: false } });
    const ks = await waitForKs(stack, 'team-a', 'app', 'True');
    expect(ks.status!.lastAppliedRevision).toBe(repo.status!.artifact!.revision);
    const delivered = await stack.waitForCondition('team-a', 'shop', 'Delivered', 'True');
    expect(condition(delivered, 'Delivered')!.message).toContain('applied by 1 consumer');
    const clean = await checkDrift(stack, 'team-a', 'shop');
    expect(clean.status!.drift).toMatchObject({ source: 'inventory', items: [] });
    expect(clean.status!.drift!.summary.objects).toBe(4);
    expect(driftEvents('team-a')).toEqual([]);
  });

  const edits: Array<{
    name: string;
    run: () => Promise<unknown>;
    id: string;
    live?: unknown;
    classification: string;
  }> = [
    {
      name: 'kubectl set image',
      run: () => kubectl(kubeconfig, ['-n', 'shop', 'set', 'image', 'deployment/web', 'web=nginx:hotfix']),
      id: 'Deployment/shop/web#/spec/template/spec/containers/0/image',
      live: 'nginx:hotfix',
      classification: 'image',
    },
    {
      name: 'kubectl scale',
      run: () => kubectl(kubeconfig, ['-n', 'shop', 'scale', 'deployment/web', '--replicas=7']),
      id: 'Deployment/shop/web#/spec/replicas',
      live: 7,
      classification: 'scaling',
    },
    {
      name: 'kubectl patch',
      run: () =>
        kubectl(kubeconfig, [
          '-n',
          'shop',
          'patch',
          'configmap',
          'web-config',
          '-p',
          '{"data":{"LOG_LEVEL":"debug"}}',
        ]),
      id: 'ConfigMap/shop/web-config#/data/LOG_LEVEL',
      live: 'debug',
      classification: 'config',
    },
    {
      name: 'kubectl edit',
      run: () =>
        kubectl(kubeconfig, ['-n', 'shop', 'edit', 'service/web'], {
          EDITOR: 'sed -i s/targetPort:\\ http/targetPort:\\ 9090/',
        }),
      id: 'Service/shop/web#/spec/ports/0/targetPort',
      live: 9090,
      classification: 'ports',
    },
    {
      name: 'kubectl delete',
      run: () => kubectl(kubeconfig, ['-n', 'shop', 'delete', 'configmap', 'web-config']),
      id: 'ConfigMap/shop/web-config#',
      classification: 'missing-object',
    },
  ];

  for (const edit of edits) {
    it(`reports ${edit.name} as drift and sees it resolved after the stand-in's next apply`, async () => {
      await edit.run();
      const drifted = await checkDrift(stack, 'team-a', 'shop');
      const items = drifted.status!.drift!.items;
      expect(items.map((i) => i.id)).toEqual([edit.id]);
      expect(items[0]).toMatchObject({
        classification: edit.classification,
        consumer: 'Kustomization/team-a/app',
        ...(edit.live !== undefined ? { live: edit.live, cause: 'manual-edit' } : {}),
      });
      expect(condition(drifted, 'Drifted')).toMatchObject({ status: 'True', reason: 'DriftDetected' });

      const result = await stack.flux!.reconcile({ namespace: 'team-a', name: 'app' });
      expect(result.changes.some((c) => c.action === 'configured' || c.action === 'created')).toBe(true);
      const resolved = await checkDrift(stack, 'team-a', 'shop');
      expect(resolved.status!.drift!.items).toEqual([]);
      expect(resolved.status!.drift!.resolved?.map((i) => i.id)).toContain(edit.id);
    });
  }

  it('reports Delivered False with the consumer’s message when its build fails', async () => {
    await stack.createRepository('team-b', 'shop', { where: UNITS });
    await stack.waitForReady('team-b', 'shop');
    stack.kube.create(
      kustomization('team-b', 'app', 'shop', {
        targetNamespace: 'team-b',
        components: ['./no-such-component'],
      }),
    );
    const ks = await waitForKs(stack, 'team-b', 'app', 'False');
    const ready = ks.status!.conditions!.find((c) => c.type === 'Ready')!;
    expect(ready.reason).toBe('BuildFailed');
    expect(ready.message).toContain('no-such-component');
    const repo = (await stack.waitForCondition(
      'team-b',
      'shop',
      'Delivered',
      'False',
      'BuildFailed',
    )) as DriftRepo;
    // The consumer's own reason and message, as Flux wrote them.
    expect(condition(repo, 'Delivered')!.message).toContain('Kustomization/team-b/app (BuildFailed: ');
    expect(condition(repo, 'Delivered')!.message).toContain('no-such-component');
  });

  it('reports Delivered False with the consumer’s message when its apply is refused', async () => {
    await stack.createRepository('team-e', 'shop', { where: UNITS });
    await stack.waitForReady('team-e', 'shop');
    // kustomize builds it; the API server refuses a namespace named like this.
    stack.kube.create(kustomization('team-e', 'app', 'shop', { targetNamespace: 'Not_Valid' }));
    const repo = await stack.waitForCondition('team-e', 'shop', 'Delivered', 'False', 'ReconciliationFailed');
    expect(condition(repo, 'Delivered')!.message).toContain(
      'Kustomization/team-e/app (ReconciliationFailed: ',
    );
    expect(condition(repo, 'Delivered')!.message).toContain('Namespace/Not_Valid apply failed');
  });
});
