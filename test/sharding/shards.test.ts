// Sharding as Flux does it: two controller processes with --watch-label-selector on
// sharding.fluxcd.io/key each reconcile only their objects, publish artifacts from their own artifact
// server, and elect on their own Lease.
import { createHash } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { kubectlAvailable } from '../../testkit/shipped-rbac.ts';
import { CHR, condition, download, EA, type Repo, sha256 } from '../support/repositories.ts';
import { type ControllerProcess, FAST_LEASE, reconcileCount, useFleet } from './controllers.ts';

const SHARD_LABEL = 'sharding.fluxcd.io/key';

const { stack, fleet, kubeconfig, leases } = useFleet();
let shard1: ControllerProcess;
let shard2: ControllerProcess;

beforeAll(async () => {
  [shard1, shard2] = await Promise.all([
    fleet.start('shard1-pod', kubeconfig(), [`--watch-label-selector=${SHARD_LABEL}=shard1`, ...FAST_LEASE]),
    fleet.start('shard2-pod', kubeconfig(), [`--watch-label-selector=${SHARD_LABEL}=shard2`, ...FAST_LEASE]),
  ]);
  await stack.createRepository('apps', 'one');
  await stack.createRepository('apps', 'two');
  await stack.createRepository('apps', 'unsharded');
  stack.kube.patch(CHR, 'apps', 'one', { metadata: { labels: { [SHARD_LABEL]: 'shard1' } } });
  stack.kube.patch(CHR, 'apps', 'two', { metadata: { labels: { [SHARD_LABEL]: 'shard2' } } });
}, 30_000);

describe('two shards', () => {
  let one: Repo;
  let two: Repo;
  beforeAll(async () => {
    [one, two] = await Promise.all([
      stack.waitForReady('apps', 'one', undefined, 20_000),
      stack.waitForReady('apps', 'two', undefined, 20_000),
    ]);
  }, 30_000);

  it('each reconciles its own objects and advertises its own artifact server', async () => {
    expect(one.status!.artifact!.url).toBe(`${shard1.artifactsUrl}/${one.status!.artifact!.path}`);
    expect(two.status!.artifact!.url).toBe(`${shard2.artifactsUrl}/${two.status!.artifact!.path}`);
    for (const repo of [one, two]) {
      const ea = await stack.kube.waitForObject(EA, 'apps', repo.metadata.name!, (o) =>
        Boolean(condition(o, 'Ready')),
      );
      expect((ea as Repo).status!.artifact!.url).toBe(repo.status!.artifact!.url);
      const { status, bytes } = await download(repo.status!.artifact!.url);
      expect(status).toBe(200);
      expect(sha256(bytes)).toBe(repo.status!.artifact!.digest);
    }
    // The other shard never served nor reconciled them.
    expect((await download(`${shard2.artifactsUrl}/${one.status!.artifact!.path}`)).status).toBe(404);
    expect(await reconcileCount(shard1, 'apps', 'one')).toBeGreaterThan(0);
    expect(await reconcileCount(shard2, 'apps', 'one')).toBe(0);
    expect(await reconcileCount(shard2, 'apps', 'two')).toBeGreaterThan(0);
    expect(await reconcileCount(shard1, 'apps', 'two')).toBe(0);
  });

  it('an object without a shard label is left to a controller without selector', async () => {
    const unsharded = stack.kube.get(CHR, 'apps', 'unsharded') as Repo;
    expect(unsharded.status?.conditions).toBeUndefined();
    expect(unsharded.metadata.finalizers ?? []).toEqual([]);
    expect(await reconcileCount(shard1, 'apps', 'unsharded')).toBe(0);
    expect(await reconcileCount(shard2, 'apps', 'unsharded')).toBe(0);
  });

  it('each shard holds its own Lease, named with the first 8 hex of sha256(selector)', () => {
    const leaseOf = (selector: string) =>
      `confighub-source-controller-leader-election-${createHash('sha256').update(selector).digest('hex').slice(0, 8)}`;
    expect(Object.fromEntries(leases().map((l) => [l.metadata.name, l.spec?.holderIdentity]))).toEqual({
      [leaseOf(`${SHARD_LABEL}=shard1`)]: 'shard1-pod',
      [leaseOf(`${SHARD_LABEL}=shard2`)]: 'shard2-pod',
    });
  });

  it('moving an object to the other shard moves its artifact there', async () => {
    stack.kube.patch(CHR, 'apps', 'one', {
      metadata: {
        labels: { [SHARD_LABEL]: 'shard2' },
        annotations: { 'reconcile.fluxcd.io/requestedAt': 'move' },
      },
    });
    const moved = await stack.waitForReady(
      'apps',
      'one',
      (r) => r.status?.lastHandledReconcileAt === 'move',
      20_000,
    );
    expect(moved.status!.artifact!.url).toBe(`${shard2.artifactsUrl}/${moved.status!.artifact!.path}`);
    expect(moved.status!.artifact!.digest).toBe(one.status!.artifact!.digest);
    expect(await reconcileCount(shard2, 'apps', 'one')).toBeGreaterThan(0);
    // Leaving shard1's selector is not a deletion: the object keeps its finalizer and EA.
    expect(moved.metadata.finalizers).toContain('source.confighub.com/finalizer');
    expect(stack.kube.get(EA, 'apps', 'one')).toBeDefined();
  });
});

it.skipIf(!kubectlAvailable())(
  'the shards act as the controller ServiceAccount and need nothing outside the shipped RBAC',
  () => {
    expect(stack.kube.rbacEnforced).toBe(true);
    const controllers = stack.kube.requests.filter((r) => r.userAgent === 'confighub-source-controller');
    expect(controllers.length).toBeGreaterThan(0);
    expect(new Set(controllers.map((r) => r.user))).toEqual(new Set([stack.controllerUser]));
    expect(stack.forbiddenControllerRequests()).toEqual([]);
  },
);
