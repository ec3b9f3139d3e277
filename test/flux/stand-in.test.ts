// The kustomize-controller stand-in against the local stack: it applies our artifact as Flux would,
// writes Flux's status and events, re-applies to revert edits, and prunes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findKubectl } from '../../src/testkit/flux/index.ts';
import { type LocalStack, startLocalStack } from '../../src/testkit/local-stack.ts';
import { createRepository, waitForReady } from '../support/repositories.ts';

const KS = { group: 'kustomize.toolkit.fluxcd.io', plural: 'kustomizations' };
type Ks = {
  status?: {
    lastAppliedRevision?: string;
    inventory?: { entries: Array<{ id: string }> };
    conditions?: Array<{ type: string; status: string; reason: string; message: string }>;
  };
};

describe.skipIf(findKubectl() === undefined)('kustomize-controller stand-in', () => {
  let stack: LocalStack;
  beforeAll(async () => {
    // A long interval: tests call reconcile() themselves, so nothing depends on timing.
    stack = await startLocalStack({ kustomizeController: { pollMs: 100, intervalMs: 3_600_000 } });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('applies the artifact with Flux status, inventory and events', async () => {
    await createRepository(stack, 'team-a', 'shop');
    const repo = await waitForReady(stack, 'team-a', 'shop');
    stack.kube.create({
      apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
      kind: 'Kustomization',
      metadata: { name: 'app', namespace: 'team-a' },
      spec: {
        interval: '1m',
        prune: true,
        path: './',
        sourceRef: { kind: 'ExternalArtifact', name: 'shop' },
      },
    });
    const ks = (await stack.kube.waitForObject(KS, 'team-a', 'app', (o) =>
      Boolean((o as Ks).status?.lastAppliedRevision),
    )) as Ks;
    expect(ks.status!.lastAppliedRevision).toBe(repo.status!.artifact!.revision);
    expect(ks.status!.conditions).toContainEqual(
      expect.objectContaining({ type: 'Ready', status: 'True', reason: 'ReconciliationSucceeded' }),
    );
    expect(ks.status!.inventory!.entries.map((e) => e.id)).toContain('shop_web_apps_Deployment');
    const web = stack.kube.get('deployments', 'shop', 'web')!;
    expect(web.metadata.labels).toMatchObject({ 'kustomize.toolkit.fluxcd.io/name': 'app' });
    expect(web.metadata.managedFields?.some((f) => f.manager === 'kustomize-controller')).toBe(true);
    const events = stack.kube.list('events', 'team-a') as unknown as Array<{
      reason: string;
      message: string;
    }>;
    expect(events.find((e) => e.reason === 'Progressing')?.message).toContain('Deployment/shop/web created');
  });
});
