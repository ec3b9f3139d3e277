// Guards against losing what consumers depend on: an empty selection is refused instead of published,
// a deleted ExternalArtifact or removed finalizer is put back, and a recorded artifact that cannot be
// verified is rebuilt rather than failing forever.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { useLocalStack } from '../support/local-stack.ts';
import { CHR, condition, download, EA, type Repo, sha256 } from '../support/repositories.ts';

const NOTHING = "Slug = 'no-such-unit'";
const cleanups: Array<() => Promise<void>> = [];
// Registered first, so it runs last: once the stack has stopped.
afterAll(async () => {
  for (const cleanup of cleanups) await cleanup();
});
const stack = useLocalStack();

describe('an empty unit selection', () => {
  it('is refused for a new object: FetchFailed/NoUnitsSelected, no ExternalArtifact, nothing stored', async () => {
    await stack.createRepository('team-empty', 'shop', { where: NOTHING });
    const repo = await stack.waitForCondition('team-empty', 'shop', 'FetchFailed', 'True', 'NoUnitsSelected');
    expect(condition(repo, 'Ready')).toMatchObject({ status: 'False', reason: 'NoUnitsSelected' });
    expect(condition(repo, 'Ready')!.message).toContain('prune');
    expect(condition(repo, 'Ready')!.message).toContain(NOTHING);
    expect(condition(repo, 'Reconciling')).toMatchObject({ status: 'True', reason: 'ProgressingWithRetry' });
    expect(repo.status!.artifact).toBeUndefined();
    expect(stack.kube.get(EA, 'team-empty', 'shop')).toBeUndefined();
  });

  it('keeps the last artifact published when a selection becomes empty, and recovers', async () => {
    await stack.createRepository('team-shrink', 'shop');
    const good = await stack.waitForReady('team-shrink', 'shop');
    stack.kube.patch(CHR, 'team-shrink', 'shop', { spec: { where: NOTHING } });
    const refused = await stack.waitForCondition('team-shrink', 'shop', 'Ready', 'False', 'NoUnitsSelected');
    expect(refused.status!.artifact).toEqual(good.status!.artifact);
    expect(refused.status!.observedGeneration).toBe(1);
    const ea = await stack.waitForExternalArtifact('team-shrink', 'shop', 'False');
    expect(condition(ea, 'Ready')!.reason).toBe('FetchFailed');
    expect((ea as Repo).status!.artifact).toEqual(good.status!.artifact);
    expect((await download(good.status!.artifact!.url)).status).toBe(200);

    stack.kube.patch(CHR, 'team-shrink', 'shop', { spec: { where: null } });
    const back = await stack.waitForReady('team-shrink', 'shop', (r) => r.status?.observedGeneration === 3);
    expect(back.status!.artifact!.digest).toBe(good.status!.artifact!.digest);
  });
});

describe('objects put back', () => {
  it('recreates an ExternalArtifact a user deleted, with the same artifact', async () => {
    await stack.createRepository('team-ea', 'shop');
    const repo = await stack.waitForReady('team-ea', 'shop');
    const before = await stack.waitForExternalArtifact('team-ea', 'shop');
    stack.kube.delete(EA, 'team-ea', 'shop');
    const recreated = (await stack.kube.waitForObject(
      EA,
      'team-ea',
      'shop',
      (o) => o.metadata.uid !== before.metadata.uid && condition(o, 'Ready')?.status === 'True',
      { timeoutMs: 10_000 },
    )) as Repo;
    expect(recreated.status!.artifact).toEqual(repo.status!.artifact);
    expect(recreated.metadata.ownerReferences).toEqual([
      expect.objectContaining({ uid: repo.metadata.uid, controller: true }),
    ]);
  });

  it('adds the finalizer back when it is removed by hand', async () => {
    await stack.createRepository('team-fin', 'shop');
    await stack.waitForReady('team-fin', 'shop');
    stack.kube.patch(CHR, 'team-fin', 'shop', { metadata: { finalizers: null } });
    const repo = await stack.kube.waitForObject(CHR, 'team-fin', 'shop', (o) =>
      (o.metadata.finalizers ?? []).includes('source.confighub.com/finalizer'),
    );
    expect(condition(repo, 'Ready')?.status).toBe('True');
  });
});

describe('an object deleted and created again under the same name while the watch was down', () => {
  it('is reconciled as the new object it is, with its own status', async () => {
    await stack.createRepository('team-reborn', 'shop');
    const old = await stack.waitForReady('team-reborn', 'shop');
    // All in one tick: the watch is cut, the object replaced, and the history the watch would resume
    // from is gone, so the controller only learns of it from a re-list.
    stack.kube.dropWatches();
    stack.kube.patch(CHR, 'team-reborn', 'shop', { metadata: { finalizers: null } });
    stack.kube.delete(CHR, 'team-reborn', 'shop');
    stack.kube.create(stack.repository('team-reborn', 'shop', { interval: '2h' }));
    stack.kube.compactHistory();
    const reborn = await stack.waitForReady(
      'team-reborn',
      'shop',
      (r) => r.metadata.uid !== old.metadata.uid,
    );
    expect(reborn.status!.observedGeneration).toBe(1);
    expect(reborn.status!.artifact!.digest).toBe(old.status!.artifact!.digest);
    expect(reborn.metadata.finalizers).toContain('source.confighub.com/finalizer');
    const ea = await stack.kube.waitForObject(EA, 'team-reborn', 'shop', (o) =>
      (o.metadata.ownerReferences ?? []).some((ref) => ref.uid === reborn.metadata.uid),
    );
    expect(condition(ea, 'Ready')?.status).toBe('True');
  });
});

describe('a stalled object replaced under the same name while the watch was down', () => {
  it('gets a status of its own (nothing remembered from the object it replaced is taken for its own)', async () => {
    await stack.createRepository('team-reborn', 'stalled', { insecure: false });
    const old = await stack.waitForCondition('team-reborn', 'stalled', 'Stalled', 'True', 'InvalidURL');
    stack.kube.dropWatches();
    stack.kube.patch(CHR, 'team-reborn', 'stalled', { metadata: { finalizers: null } });
    stack.kube.delete(CHR, 'team-reborn', 'stalled');
    stack.kube.create(stack.repository('team-reborn', 'stalled', { insecure: false }));
    stack.kube.compactHistory();
    const reborn = await stack.kube.waitForObject(
      CHR,
      'team-reborn',
      'stalled',
      (o) => o.metadata.uid !== old.metadata.uid && condition(o, 'Stalled')?.status === 'True',
      { timeoutMs: 10_000 },
    );
    expect((reborn as Repo).status!.observedGeneration).toBe(1);
  });
});

describe('a stalled object', () => {
  it('keeps its artifact on the ExternalArtifact, reports Ready=False/FetchFailed there, and recovers', async () => {
    await stack.createRepository('team-stall', 'shop');
    const good = await stack.waitForReady('team-stall', 'shop');
    stack.kube.patch(CHR, 'team-stall', 'shop', { spec: { insecure: false } });
    await stack.waitForCondition('team-stall', 'shop', 'Stalled', 'True', 'InvalidURL');
    const ea = await stack.waitForExternalArtifact('team-stall', 'shop', 'False');
    expect(condition(ea, 'Ready')).toMatchObject({ reason: 'FetchFailed' });
    expect(condition(ea, 'Ready')!.message).toContain('spec.insecure');
    expect((ea as Repo).status!.artifact).toEqual(good.status!.artifact);

    stack.kube.patch(CHR, 'team-stall', 'shop', { spec: { insecure: true } });
    await stack.waitForReady('team-stall', 'shop', (r) => r.status?.observedGeneration === 3);
    await stack.waitForExternalArtifact('team-stall', 'shop');
  });
});

describe('an ExternalArtifact of the same name that belongs to someone else', () => {
  it('is left untouched (ExternalArtifactConflict), and the object recovers once it is gone', async () => {
    stack.kube.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-clash' } });
    const foreign = stack.kube.create({
      apiVersion: 'source.toolkit.fluxcd.io/v1',
      kind: 'ExternalArtifact',
      metadata: {
        name: 'shop',
        namespace: 'team-clash',
        labels: { 'app.kubernetes.io/managed-by': 'source-watcher' },
      },
      spec: {
        sourceRef: {
          apiVersion: 'source.extensions.fluxcd.io/v1beta1',
          kind: 'ArtifactGenerator',
          name: 'shop',
        },
      },
    });
    await stack.createRepository('team-clash', 'shop');
    const refused = await stack.waitForCondition(
      'team-clash',
      'shop',
      'Ready',
      'False',
      'ExternalArtifactConflict',
    );
    expect(condition(refused, 'Ready')!.message).toContain("'source-watcher'");
    const untouched = stack.kube.get(EA, 'team-clash', 'shop')!;
    expect(untouched.metadata.resourceVersion).toBe(foreign.metadata.resourceVersion);

    stack.kube.delete(EA, 'team-clash', 'shop');
    const ready = await stack.waitForReady('team-clash', 'shop', () => true, 15_000);
    const ours = await stack.waitForExternalArtifact('team-clash', 'shop');
    expect((ours as Repo).spec['sourceRef']).toMatchObject({ kind: 'ConfigHubRepository', name: 'shop' });
    expect((ours as Repo).status!.artifact).toEqual(ready.status!.artifact);
  });
});

describe('a status this controller cannot read', () => {
  it('is replaced as a whole instead of failing every reconcile', async () => {
    await stack.createRepository('team-garbled', 'shop');
    const good = await stack.waitForReady('team-garbled', 'shop');
    await stack.controller!.stop();
    // Stored as is, past admission, as a buggy tool with direct etcd access or an old version might.
    const current = stack.kube.get(CHR, 'team-garbled', 'shop')!;
    stack.kube.seed({
      ...current,
      status: { conditions: 7, artifact: { path: 42 }, observedGeneration: 'one' },
    });
    // A fresh start reconciles every object.
    await stack.startController();
    const healed = (await stack.kube.waitForObject(
      CHR,
      'team-garbled',
      'shop',
      (o) => Array.isArray((o as Repo).status?.conditions) && condition(o, 'Ready')?.status === 'True',
      { timeoutMs: 10_000 },
    )) as Repo;
    expect(healed.status!.artifact!.digest).toBe(good.status!.artifact!.digest);
    expect(healed.status!.observedGeneration).toBe(1);
  });
});

describe('storage is checked before the upstream', () => {
  it('after a restart on empty storage while ConfigHub is down, status stops claiming the missing file; once back, it is rebuilt', async () => {
    await stack.createRepository('team-outage', 'shop');
    const good = await stack.waitForReady('team-outage', 'shop');
    await stack.controller!.stop();
    const removeOutage = stack.emulator.injectFault({
      route: `/api/space/${stack.emulator.getSpace('shop-prod').SpaceID}/unit`,
      kind: 'status',
      status: 503,
    });
    try {
      const empty = await mkdtemp(join(tmpdir(), 'confighub-source-empty-'));
      cleanups.push(() => rm(empty, { recursive: true, force: true }));
      await stack.startController([`--storage-path=${empty}`]);
      const failing = await stack.waitForCondition(
        'team-outage',
        'shop',
        'Ready',
        'False',
        'UpstreamUnavailable',
      );
      expect(condition(failing, 'ArtifactInStorage')).toBeUndefined();
    } finally {
      removeOutage();
    }
    stack.requestReconcile('team-outage', 'shop', 'upstream-back');
    const back = await stack.waitForReady(
      'team-outage',
      'shop',
      (r) => r.status?.lastHandledReconcileAt === 'upstream-back',
    );
    expect(back.status!.artifact!.digest).toBe(good.status!.artifact!.digest);
    expect(condition(back, 'ArtifactInStorage')?.status).toBe('True');
    expect((await download(back.status!.artifact!.url)).status).toBe(200);
  });
});

describe('a recorded artifact that cannot be verified', () => {
  it('is rebuilt (malformed digest and path in status after a restart)', async () => {
    await stack.createRepository('team-bad', 'shop');
    const good = await stack.waitForReady('team-bad', 'shop');
    await stack.controller!.stop();
    // Written by someone else while the controller was down; the CRD pattern lets both through.
    stack.kube.patch(
      CHR,
      'team-bad',
      'shop',
      {
        status: {
          artifact: {
            ...good.status!.artifact!,
            path: '../../outside/file.tar.gz',
            digest: 'sha256:NOT-HEX',
          },
        },
      },
      { subresource: 'status' },
    );
    await stack.startController();
    stack.requestReconcile('team-bad', 'shop', 'after-restart');
    const rebuilt = await stack.waitForReady(
      'team-bad',
      'shop',
      (r) => r.status?.lastHandledReconcileAt === 'after-restart',
    );
    expect(rebuilt.status!.artifact!.digest).toBe(good.status!.artifact!.digest);
    expect(rebuilt.status!.artifact!.path).toBe(good.status!.artifact!.path);
    const served = await download(rebuilt.status!.artifact!.url);
    expect(sha256(served.bytes)).toBe(good.status!.artifact!.digest);
  });
});
