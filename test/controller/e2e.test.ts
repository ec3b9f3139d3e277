// End to end: the real controller against the ConfigHub emulator and the Kubernetes API test server,
// all over HTTP on 127.0.0.1.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { kubectlAvailable } from '../../testkit/shipped-rbac.ts';
import { useLocalStack } from '../support/local-stack.ts';
import { nextReconcileDue, reconcileCount, secondsPass, spaceRequests, WAIT } from '../support/progress.ts';
import { CHR, condition, download, EA, type Repo, sha256 } from '../support/repositories.ts';

const KUBECTL = '/usr/bin/kubectl';

const stack = useLocalStack();

describe('a new ConfigHubRepository', () => {
  let repo: Repo;
  beforeAll(async () => {
    await stack.createRepository('team-a', 'shop');
    repo = await stack.waitForReady('team-a', 'shop');
  });

  it('becomes Ready with a Flux-shaped artifact and conditions', () => {
    const artifact = repo.status!.artifact!;
    expect(artifact.revision).toMatch(/^head@sha256:[a-f0-9]{64}$/);
    expect(artifact.digest).toMatch(/^sha256:[a-f0-9]{64}$/);
    expect(artifact.path).toMatch(/^confighubrepository\/team-a\/shop\/[a-f0-9]{64}\.tar\.gz$/);
    expect(artifact.url).toBe(`${stack.controller!.servers.artifacts.url}/${artifact.path}`);
    expect(condition(repo, 'Ready')).toMatchObject({ reason: 'Succeeded', observedGeneration: 1 });
    expect(condition(repo, 'Ready')!.message).toContain(artifact.revision);
    expect(condition(repo, 'ArtifactInStorage')?.status).toBe('True');
    expect(condition(repo, 'Reconciling')).toBeUndefined();
    expect(condition(repo, 'Stalled')).toBeUndefined();
    expect(repo.status!.observedGeneration).toBe(1);
    expect(repo.status!.fetched!.unitCount).toBeGreaterThan(0);
    expect(repo.metadata.finalizers).toContain('source.confighub.com/finalizer');
  });

  it('publishes an ExternalArtifact that points back at it', async () => {
    const ea = (await stack.kube.waitForObject(EA, 'team-a', 'shop', (o) =>
      Boolean(condition(o, 'Ready')),
    )) as Repo;
    expect(ea.apiVersion).toBe('source.toolkit.fluxcd.io/v1');
    expect(ea.spec.sourceRef).toEqual({
      apiVersion: 'source.confighub.com/v1beta1',
      kind: 'ConfigHubRepository',
      name: 'shop',
      namespace: 'team-a',
    });
    expect(ea.metadata.ownerReferences).toEqual([
      expect.objectContaining({
        kind: 'ConfigHubRepository',
        name: 'shop',
        uid: repo.metadata.uid,
        controller: true,
      }),
    ]);
    expect(ea.status!.artifact).toEqual(repo.status!.artifact);
    expect(condition(ea, 'Ready')).toMatchObject({
      status: 'True',
      reason: 'Succeeded',
      observedGeneration: ea.metadata.generation,
    });
    // Status went through the status subresource only.
    const eaWrites = stack.kube.requests.filter(
      (r) => r.path.includes('/externalartifacts/shop') && r.method !== 'GET',
    );
    expect(eaWrites.some((r) => r.path.endsWith('/status'))).toBe(true);
  });

  it('serves bytes whose sha256 and size match the published digest, without Content-Encoding', async () => {
    const { status, bytes, headers } = await download(repo.status!.artifact!.url);
    expect(status).toBe(200);
    expect(sha256(bytes)).toBe(repo.status!.artifact!.digest);
    expect(bytes.length).toBe(repo.status!.artifact!.size);
    expect(headers.get('content-encoding')).toBeNull();
  });

  it.skipIf(!existsSync(KUBECTL))('extracts into a tree that kubectl kustomize builds', async () => {
    const { bytes } = await download(repo.status!.artifact!.url);
    const dir = await mkdtemp(join(tmpdir(), 'chr-extract-'));
    try {
      await writeFile(join(dir, 'a.tar.gz'), bytes);
      execFileSync('tar', ['-xzf', 'a.tar.gz'], { cwd: dir });
      await rm(join(dir, 'a.tar.gz'));
      const built = execFileSync(KUBECTL, ['kustomize', dir], { encoding: 'utf8' });
      expect(built).toContain('kind: Deployment');
      expect(built).toContain('kind: Service');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('records a NewArtifact event with revision and digest annotations', () => {
    const events = stack.kube.list('events', 'team-a') as Array<Record<string, unknown>>;
    const created = events.find(
      (e) =>
        e['reason'] === 'NewArtifact' &&
        (e['involvedObject'] as { kind: string }).kind === 'ConfigHubRepository',
    );
    expect(created).toBeDefined();
    const annotations = (created as { metadata: { annotations: Record<string, string> } }).metadata
      .annotations;
    expect(annotations['source.confighub.com/revision']).toBe(repo.status!.artifact!.revision);
    expect(annotations['source.confighub.com/digest']).toBe(repo.status!.artifact!.digest);
  });
});

describe('upstream changes', () => {
  it('publishes a new revision after a unit changes and a reconcile is requested', async () => {
    await stack.createRepository('team-b', 'shop');
    const before = await stack.waitForReady('team-b', 'shop');
    const unit = stack.emulator.getUnit('shop-prod', 'web-config');
    stack.emulator.setUnitData(
      'shop-prod',
      'web-config',
      `${unit.data.toString('utf8')}\n# touched by the e2e test\n`,
    );
    stack.requestReconcile('team-b', 'shop', 'first');
    const after = await stack.waitForReady(
      'team-b',
      'shop',
      (r) => r.status?.lastHandledReconcileAt === 'first',
    );
    expect(after.status!.artifact!.revision).not.toBe(before.status!.artifact!.revision);
    expect(after.status!.artifact!.digest).not.toBe(before.status!.artifact!.digest);
    const ea = stack.kube.get(EA, 'team-b', 'shop') as Repo;
    expect(ea.status!.artifact!.revision).toBe(after.status!.artifact!.revision);
    // The previous artifact stays downloadable until GC's TTL passes.
    expect((await download(before.status!.artifact!.url)).status).toBe(200);
  });

  it('downloads nothing and writes no status when nothing changed', async () => {
    await stack.createRepository('team-c', 'shop', { interval: '1s' });
    const ready = await stack.waitForReady('team-c', 'shop');
    // Counted from a moment when no reconcile of it is in flight, over two whole polls on its interval.
    await nextReconcileDue(stack, 'team-c', 'shop');
    const polls = await reconcileCount(stack, 'team-c', 'shop');
    stack.emulator.clearRequests();
    const statusWrites = () =>
      stack.kube.requests.filter(
        (r) =>
          r.method === 'PATCH' && r.path.includes('/namespaces/team-c/confighubrepositories/shop/status'),
      ).length;
    const statusWritesBefore = statusWrites();
    await expect.poll(() => reconcileCount(stack, 'team-c', 'shop'), WAIT).toBeGreaterThanOrEqual(polls + 2);
    const requests = stack.emulator.requests;
    const lists = requests.filter((r) => /\/unit$/.test(r.path));
    expect(lists.length).toBeGreaterThanOrEqual(2);
    expect(
      requests.filter((r) => r.path.includes('/data') || r.path.includes('unit_data')).map((r) => r.path),
    ).toEqual([]);
    expect(statusWrites()).toBe(statusWritesBefore);
    const files = await readdir(join(stack.storagePath, 'confighubrepository', 'team-c', 'shop'));
    expect(files.filter((f) => f.endsWith('.tar.gz'))).toEqual([
      ready.status!.artifact!.path.split('/').pop(),
    ]);
    stack.kube.delete(CHR, 'team-c', 'shop');
    await stack.kube.waitForDeletion(CHR, 'team-c', 'shop');
  });
});

describe('failures', () => {
  it('marks an invalid spec Stalled with a precise message', async () => {
    await stack.createRepository('team-d', 'plain-http', { insecure: false });
    const repo = await stack.waitForCondition('team-d', 'plain-http', 'Stalled', 'True', 'InvalidURL');
    expect(condition(repo, 'Ready')).toMatchObject({ status: 'False', reason: 'InvalidURL' });
    expect(condition(repo, 'Ready')!.message).toContain('spec.insecure');
    expect(repo.status!.observedGeneration).toBe(1);
  });

  it('stalls on a Secret without credentials, naming the keys', async () => {
    stack.kube.create({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'empty', namespace: 'team-d' },
      data: { other: Buffer.from('x').toString('base64') },
    });
    await stack.createRepository('team-d', 'no-keys', { secretRef: { name: 'empty' } });
    const repo = await stack.waitForCondition('team-d', 'no-keys', 'Stalled', 'True', 'InvalidSecret');
    expect(condition(repo, 'Ready')!.message).toMatch(/token/);
  });

  it('keeps serving the last artifact when the token stops working, and recovers', async () => {
    await stack.createRepository('team-e', 'shop');
    const good = await stack.waitForReady('team-e', 'shop');
    stack.setToken('team-e', 'not-a-valid-token');
    stack.requestReconcile('team-e', 'shop', 'bad-token');
    const failed = await stack.waitForCondition('team-e', 'shop', 'Ready', 'False', 'AuthenticationFailed');
    expect(condition(failed, 'FetchFailed')).toMatchObject({
      status: 'True',
      reason: 'AuthenticationFailed',
    });
    expect(condition(failed, 'Reconciling')).toMatchObject({
      status: 'True',
      reason: 'ProgressingWithRetry',
    });
    expect(failed.status!.artifact).toEqual(good.status!.artifact);
    expect(JSON.stringify(failed)).not.toContain('not-a-valid-token');
    const ea = (await stack.waitForExternalArtifact('team-e', 'shop', 'False')) as Repo;
    expect(condition(ea, 'Ready')!.reason).toBe('FetchFailed');
    expect(ea.status!.artifact).toEqual(good.status!.artifact);
    const served = await download(good.status!.artifact!.url);
    expect(sha256(served.bytes)).toBe(good.status!.artifact!.digest);

    stack.setToken('team-e');
    stack.requestReconcile('team-e', 'shop', 'fixed');
    const recovered = await stack.waitForReady(
      'team-e',
      'shop',
      (r) => r.status?.lastHandledReconcileAt === 'fixed',
    );
    expect(condition(recovered, 'FetchFailed')).toBeUndefined();
    expect(condition(recovered, 'Reconciling')).toBeUndefined();
  });
});

describe('suspend and delete', () => {
  it('does not fetch while suspended and keeps the artifact served', async () => {
    await stack.createRepository('team-f', 'shop', { interval: '1s' });
    const ready = await stack.waitForReady('team-f', 'shop');
    stack.kube.patch(CHR, 'team-f', 'shop', { spec: { suspend: true } });
    // The reconcile of the new generation records the suspension as it ends, and schedules nothing.
    const suspended = async () =>
      (await stack.controller!.metrics.suspendStatus.get()).values.find(
        (v) => v.labels['namespace'] === 'team-f' && v.labels['name'] === 'shop',
      )?.value;
    await expect.poll(suspended, WAIT).toBe(1);
    expect(stack.controller!.manager.queue.scheduledAt('team-f/shop')).toBeUndefined();
    const reconciles = await reconcileCount(stack, 'team-f', 'shop');
    stack.emulator.clearRequests();
    // Two of its intervals go by, and nothing happens.
    await secondsPass(stack, 'team-f-clock', 2);
    expect(spaceRequests(stack, 'shop-prod')).toEqual([]);
    expect(await reconcileCount(stack, 'team-f', 'shop')).toBe(reconciles);
    expect((await download(ready.status!.artifact!.url)).status).toBe(200);
  });

  it('removes the storage directory and the ExternalArtifact on delete', async () => {
    await stack.createRepository('team-g', 'shop');
    await stack.waitForReady('team-g', 'shop');
    await stack.kube.waitForObject(EA, 'team-g', 'shop');
    stack.kube.delete(CHR, 'team-g', 'shop');
    await stack.kube.waitForDeletion(CHR, 'team-g', 'shop', { timeoutMs: 10_000 });
    await stack.kube.waitForDeletion(EA, 'team-g', 'shop', { timeoutMs: 10_000 });
    expect(existsSync(join(stack.storagePath, 'confighubrepository', 'team-g', 'shop'))).toBe(false);
  });
});

it.skipIf(!kubectlAvailable())(
  'needed nothing outside the shipped RBAC, as the controller ServiceAccount',
  () => {
    expect(stack.kube.rbacEnforced).toBe(true);
    expect(stack.forbiddenControllerRequests()).toEqual([]);
  },
);
