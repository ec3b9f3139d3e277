// The kustomize-controller stand-in against the local stack: it applies our artifact as Flux would,
// writes Flux's status and events, re-applies every interval to revert edits, prunes what left the
// artifact, and fails the way Flux fails (ArtifactFailed, ReconciliationFailed).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { findKubectl } from '../../testkit/flux/index.ts';
import type { LocalStack } from '../../testkit/local-stack.ts';
import { KS, type Ks, kubectl, kustomization, waitForKs } from '../support/flux.ts';
import { useLocalStack } from '../support/local-stack.ts';
import { WAIT } from '../support/progress.ts';
import { CHR } from '../support/repositories.ts';

type Event = { reason: string; type: string; message: string; involvedObject: { name: string } };
const eventsOf = (stack: LocalStack, namespace: string, name: string) =>
  (stack.kube.list('events', namespace) as unknown as Event[]).filter((e) => e.involvedObject.name === name);
const image = (stack: LocalStack) =>
  (
    stack.kube.get('deployments', 'shop', 'web') as unknown as {
      spec: { template: { spec: { containers: Array<{ image: string }> } } };
    }
  ).spec.template.spec.containers[0]!.image;

describe.skipIf(findKubectl() === undefined)('kustomize-controller stand-in', () => {
  // A long interval: tests call reconcile() themselves, so nothing depends on timing.
  const stack = useLocalStack({ kustomizeController: { pollMs: 50, intervalMs: 3_600_000 } });

  it('applies the artifact with Flux status, inventory and events', async () => {
    await stack.createRepository('team-a', 'shop');
    const repo = await stack.waitForReady('team-a', 'shop');
    stack.kube.create(kustomization('team-a', 'app', 'shop'));
    const ks = await waitForKs(stack, 'team-a', 'app', 'True');
    expect(ks.status!.lastAppliedRevision).toBe(repo.status!.artifact!.revision);
    expect(ks.status!.lastAttemptedRevision).toBe(repo.status!.artifact!.revision);
    expect(ks.status!.conditions).toContainEqual(
      expect.objectContaining({ type: 'Ready', status: 'True', reason: 'ReconciliationSucceeded' }),
    );
    expect(ks.status!.inventory!.entries.map((e) => e.id)).toEqual([
      '_shop__Namespace',
      'shop_web-config__ConfigMap',
      'shop_web__Service',
      'shop_web_apps_Deployment',
      'shop_web_autoscaling_HorizontalPodAutoscaler',
    ]);
    const web = stack.kube.get('deployments', 'shop', 'web')!;
    expect(web.metadata.labels).toMatchObject({
      'kustomize.toolkit.fluxcd.io/name': 'app',
      'kustomize.toolkit.fluxcd.io/namespace': 'team-a',
    });
    expect(web.metadata.managedFields?.map((f) => [f.manager, f.operation])).toContainEqual([
      'kustomize-controller',
      'Apply',
    ]);
    // Events follow the status write, as in Flux.
    await vi.waitFor(() => {
      const events = eventsOf(stack, 'team-a', 'app');
      expect(events.find((e) => e.reason === 'Progressing')?.message).toContain(
        'Deployment/shop/web created',
      );
      expect(events.find((e) => e.reason === 'ReconciliationSucceeded')?.message).toMatch(
        /^Reconciliation finished in .+, next run in 1h0m0s$/,
      );
    }, WAIT);
  });

  it('records no apply event when nothing changed, and a configured event when it reverts an edit', async () => {
    const before = eventsOf(stack, 'team-a', 'app').filter((e) => e.reason === 'Progressing').length;
    const unchanged = await stack.flux!.reconcile({ namespace: 'team-a', name: 'app' });
    expect(unchanged.changes.every((c) => c.action === 'unchanged')).toBe(true);
    stack.kube.patch(
      'deployments',
      'shop',
      'web',
      { spec: { template: { spec: { containers: [{ name: 'web', image: 'nginx:edited' }] } } } },
      { manager: 'kubectl-edit' },
    );
    const reverted = await stack.flux!.reconcile({ namespace: 'team-a', name: 'app' });
    expect(reverted.changes.filter((c) => c.action !== 'unchanged').map((c) => c.subject)).toEqual([
      'Deployment/shop/web',
    ]);
    expect(image(stack)).toBe('nginxinc/nginx-unprivileged:1.27.2');
    const progressing = eventsOf(stack, 'team-a', 'app').filter((e) => e.reason === 'Progressing');
    expect(progressing).toHaveLength(before + 1);
    // Same manifests, same snapshot: Flux counts reconciliations of a digest in status.history.
    const history = (
      stack.kube.get(KS, 'team-a', 'app') as unknown as {
        status: { history: Array<{ totalReconciliations: number; metadata: { revision: string } }> };
      }
    ).status.history;
    expect(history).toHaveLength(1);
    expect(history[0]!.totalReconciliations).toBe(3);
    expect(progressing.map((e) => e.message)).toContain('Deployment/shop/web configured');
  });

  it('prunes what left the artifact', async () => {
    stack.kube.patch(CHR, 'team-a', 'shop', { spec: { where: "Slug != 'web-config'" } });
    const ks = (await stack.kube.waitForObject(KS, 'team-a', 'app', (o) =>
      ((o as Ks).status?.inventory?.entries ?? []).every((e) => !e.id.includes('web-config')),
    )) as unknown as Ks;
    expect(ks.status!.inventory!.entries).toHaveLength(4);
    expect(stack.kube.get('configmaps', 'shop', 'web-config')).toBeUndefined();
    expect(
      eventsOf(stack, 'team-a', 'app').some((e) => e.message === 'ConfigMap/shop/web-config deleted'),
    ).toBe(true);
  });

  it('fails with ArtifactFailed when the digest does not match, and ReconciliationFailed when the apply is refused', async () => {
    await stack.createRepository('team-c', 'shop');
    await stack.waitForReady('team-c', 'shop');
    // An ExternalArtifact with a wrong digest, as a broken producer would publish.
    const ea = stack.kube.get(
      { group: 'source.toolkit.fluxcd.io', plural: 'externalartifacts' },
      'team-c',
      'shop',
    )!;
    const artifact = (ea['status'] as { artifact: Record<string, unknown> }).artifact;
    stack.kube.create({
      apiVersion: 'source.toolkit.fluxcd.io/v1',
      kind: 'ExternalArtifact',
      metadata: { name: 'forged', namespace: 'team-c' },
      spec: {},
    });
    stack.kube.patch(
      { group: 'source.toolkit.fluxcd.io', plural: 'externalartifacts' },
      'team-c',
      'forged',
      { status: { artifact: { ...artifact, digest: `sha256:${'0'.repeat(64)}` } } },
      { subresource: 'status' },
    );
    stack.kube.create(kustomization('team-c', 'forged', 'forged'));
    const forged = await waitForKs(stack, 'team-c', 'forged', 'False');
    expect(forged.status!.conditions!.find((c) => c.type === 'Ready')).toMatchObject({
      reason: 'ArtifactFailed',
      message: expect.stringContaining("computed digest doesn't match"),
    });
    await vi.waitFor(
      () =>
        expect(eventsOf(stack, 'team-c', 'forged').map((e) => [e.type, e.reason])).toContainEqual([
          'Warning',
          'ArtifactFailed',
        ]),
      WAIT,
    );

    stack.kube.create(kustomization('team-c', 'refused', 'shop', { targetNamespace: 'Not_A_Namespace' }));
    const refused = await waitForKs(stack, 'team-c', 'refused', 'False');
    expect(refused.status!.conditions!.find((c) => c.type === 'Ready')?.reason).toBe('ReconciliationFailed');
    expect(refused.status!.lastAppliedRevision).toBeUndefined();
  });
});

describe.skipIf(findKubectl() === undefined)('kustomize-controller stand-in on its interval', () => {
  const stack = useLocalStack({ kustomizeController: { pollMs: 50, intervalMs: 200 } });
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'stand-in-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('re-applies on its own and takes back a field edited with kubectl', async () => {
    await stack.createRepository('team-a', 'shop');
    await stack.waitForReady('team-a', 'shop');
    stack.kube.create(kustomization('team-a', 'app', 'shop'));
    await waitForKs(stack, 'team-a', 'app', 'True');
    const kubeconfig = await stack.kube.writeKubeconfig(join(dir, 'kubeconfig'));
    await kubectl(kubeconfig, ['-n', 'shop', 'set', 'image', 'deployment/web', 'web=nginx:hotfix']);
    await vi.waitFor(() => expect(image(stack)).toBe('nginxinc/nginx-unprivileged:1.27.2'), WAIT);
  });
});
