// A real API server returns custom resources with sorted keys; the test server can send them in the
// order they were written too. Whatever the order, the controller must see "nothing changed" the same
// way: over a scenario of consumer changes, it writes status exactly as often, and never rewrites the
// ExternalArtifact status, whose artifact does not change.
import { beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../testkit/local-stack.ts';
import { useLocalStack } from '../support/local-stack.ts';
import { condition, type Repo } from '../support/repositories.ts';

const KS = { group: 'kustomize.toolkit.fluxcd.io', plural: 'kustomizations' };
const OLD_REVISION = `head@sha256:${'0'.repeat(64)}`;
const CHANGES = 5;

interface Writes {
  repositoryStatus: number;
  externalArtifactStatus: number;
  externalArtifactObject: number;
}
const measured = new Map<string, Writes>();

/** One status write per consumer change (one watch event), as kustomize-controller's patch is. */
function setApplied(stack: LocalStack, revision: string, ready: 'True' | 'False', reason: string): void {
  const generation = stack.kube.get(KS, 'team-a', 'app')!.metadata.generation;
  const condition = {
    type: 'Ready',
    status: ready,
    reason,
    message: reason,
    observedGeneration: generation,
    lastTransitionTime: '2026-01-01T00:00:00Z',
  };
  stack.kube.patch(
    KS,
    'team-a',
    'app',
    {
      status: {
        observedGeneration: generation,
        lastAppliedRevision: revision,
        lastAttemptedRevision: revision,
        conditions: [condition],
      },
    },
    { subresource: 'status' },
  );
}

describe.each([
  ['sorted', true],
  ['in stored order', false],
])('keys %s', (label, sorted) => {
  const stack = useLocalStack();
  beforeAll(async () => {
    stack.kube.setSortedKeys(sorted);
  });

  it('writes status once per consumer change and never the unchanged ExternalArtifact', async () => {
    await stack.createRepository('team-a', 'shop');
    const repo = await stack.waitForReady('team-a', 'shop');
    const revision = repo.status!.artifact!.revision;
    stack.kube.create({
      apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
      kind: 'Kustomization',
      metadata: { name: 'app', namespace: 'team-a' },
      spec: { interval: '10m', prune: true, sourceRef: { kind: 'ExternalArtifact', name: 'shop' } },
    });
    setApplied(stack, revision, 'True', 'ReconciliationSucceeded');
    await stack.waitForCondition('team-a', 'shop', 'Delivered', 'True');
    const from = stack.kube.requests.length;
    for (let i = 1; i <= CHANGES; i++) {
      const delivered = i % 2 === 0;
      setApplied(stack, delivered ? revision : OLD_REVISION, delivered ? 'True' : 'False', `Change${i}`);
      const current = (await stack.waitForCondition(
        'team-a',
        'shop',
        'Delivered',
        delivered ? 'True' : 'False',
      )) as Repo;
      expect(condition(current, 'Ready')?.status).toBe('True');
    }
    // Let every reconcile the changes queued finish: the repository is quiet once its status holds the
    // last change and no request is in flight.
    const queue = stack.controller!.manager.queue;
    await stack.kube.waitFor(() => queue.depth === 0 && queue.processingCount === 0, {
      description: 'an idle work queue',
    });
    const writes = stack.kube.requests.slice(from).filter((r) => r.method !== 'GET');
    const counts: Writes = {
      repositoryStatus: writes.filter((r) => r.path.endsWith('/confighubrepositories/shop/status')).length,
      externalArtifactStatus: writes.filter((r) => r.path.endsWith('/externalartifacts/shop/status')).length,
      externalArtifactObject: writes.filter((r) => r.path.endsWith('/externalartifacts/shop')).length,
    };
    expect(counts.externalArtifactStatus).toBe(0);
    expect(counts.externalArtifactObject).toBe(0);
    // Minimal: one status write per change, none for the reconciles our own writes trigger.
    expect(counts.repositoryStatus).toBe(CHANGES);
    measured.set(label, counts);
  });
});

it('the counts do not depend on key order', () => {
  expect(measured.size).toBe(2);
  expect(measured.get('sorted')).toEqual(measured.get('in stored order'));
});
