// Kubernetes API faults and storage faults under a running controller: dropped watches, 410 Expired,
// 409 conflicts and 500s on writes, a slow API server, an artifact corrupted or deleted on disk, a full disk.
import { execFileSync } from 'node:child_process';
import { mkdir, readdir, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStack } from '../../testkit/local-stack.ts';
import { useLocalStack } from '../support/local-stack.ts';
import {
  condition,
  download,
  type Repo,
  type RepositoryStack,
  sha256,
  withRepositoryHelpers,
} from '../support/repositories.ts';
import { ARTIFACT_FILE, walk } from './support/storage-walk.ts';

const stack = useLocalStack();

/** Node may fire a timer a millisecond early by the wall clock; a retry waits out its delay otherwise. */
const TIMER_SLACK_MS = 5;

const statusWrites = (ns: string) =>
  stack.kube.requests.filter(
    (r) => r.method === 'PATCH' && r.path.endsWith(`/namespaces/${ns}/confighubrepositories/shop/status`),
  );

async function servedMatches(repo: Repo): Promise<void> {
  const served = await download(repo.status!.artifact!.url);
  expect(served.status).toBe(200);
  expect(sha256(served.bytes)).toBe(repo.status!.artifact!.digest);
}

describe('watch faults', () => {
  it('a dropped watch is resumed: an object created afterwards is reconciled', async () => {
    await stack.createRepository('watch-a', 'shop');
    await stack.waitForReady('watch-a', 'shop');
    const before = stack.kube.openWatches;
    stack.kube.dropWatches();
    await stack.createRepository('watch-b', 'shop');
    await servedMatches(await stack.waitForReady('watch-b', 'shop'));
    await stack.kube.waitFor(() => stack.kube.openWatches >= before, {
      description: 'watches re-established',
    });
  });

  it('410 Expired after history compaction: the informer relists and misses nothing', async () => {
    const from = stack.kube.requests.length;
    // All in one tick, before the informer can re-watch: the watch drops, an object is created, and the
    // history is compacted past the informer's resourceVersion. Only a relist can see the new object.
    stack.kube.dropWatches();
    await stack.createRepository('watch-c', 'shop');
    stack.kube.compactHistory();
    await servedMatches(await stack.waitForReady('watch-c', 'shop'));
    const after = stack.kube.requests.slice(from).filter((r) => r.path.endsWith('/confighubrepositories'));
    // The expired watch ends with an ERROR event carrying 410 (HTTP 200, as real servers do); then a relist.
    expect(after.some((r) => !r.watch && r.method === 'GET' && r.status === 200)).toBe(true);
  });
});

describe('write faults', () => {
  it('409 conflicts on the status write are retried until the status lands', async () => {
    stack.kube.failNext(3, {
      status: 409,
      methods: ['PATCH'],
      pathPattern: '/namespaces/conflict/confighubrepositories/shop/status',
    });
    await stack.createRepository('conflict', 'shop');
    await servedMatches(await stack.waitForReady('conflict', 'shop'));
    const writes = statusWrites('conflict');
    expect(writes.filter((r) => r.status === 409)).toHaveLength(3);
    expect(writes.at(-1)?.status).toBe(200);
  });

  it('500s on every write path are retried with backoff, then the object becomes Ready', async () => {
    stack.kube.failNext(3, {
      status: 500,
      methods: ['PATCH', 'POST', 'PUT'],
      pathPattern: '/namespaces/errors/',
    });
    await stack.createRepository('errors', 'shop');
    await servedMatches(await stack.waitForReady('errors', 'shop', () => true, 20_000));
    const failed = stack.kube.requests.filter(
      (r) => r.path.includes('/namespaces/errors/') && r.status === 500,
    );
    expect(failed).toHaveLength(3);
  });

  it('429 with Retry-After on the status write holds further writes until it passes', async () => {
    stack.kube.failNext(1, {
      status: 429,
      retryAfterSeconds: 2,
      methods: ['PATCH'],
      pathPattern: '/namespaces/throttled/confighubrepositories/shop/status',
    });
    await stack.createRepository('throttled', 'shop');
    await servedMatches(await stack.waitForReady('throttled', 'shop'));
    const [throttled, next] = statusWrites('throttled');
    expect(throttled?.status).toBe(429);
    expect(next?.status).toBe(200);
    // The default backoff would have retried after 200 ms.
    expect(next!.receivedAt - throttled!.receivedAt).toBeGreaterThanOrEqual(2000 - TIMER_SLACK_MS);
  });

  it('a slow API server (300 ms per response) only slows things down', async () => {
    stack.kube.setLatency(300);
    try {
      await stack.createRepository('slow', 'shop');
      await servedMatches(await stack.waitForReady('slow', 'shop', () => true, 20_000));
    } finally {
      stack.kube.setLatency(0);
    }
  });
});

describe('storage faults under a running controller', () => {
  it('a corrupted artifact is detected on the next reconcile, reported, and rebuilt to the same digest', async () => {
    await stack.createRepository('corrupt', 'shop');
    const good = await stack.waitForReady('corrupt', 'shop');
    const file = join(stack.storagePath, good.status!.artifact!.path);
    await writeFile(file, 'not a tarball');
    stack.requestReconcile('corrupt', 'shop', 'after-corruption');
    const again = await stack.waitForReady(
      'corrupt',
      'shop',
      (r) => r.status?.lastHandledReconcileAt === 'after-corruption',
    );
    expect(again.status!.artifact!.digest).toBe(good.status!.artifact!.digest);
    await servedMatches(again);
    const events = stack.kube.list('events', 'corrupt') as unknown as Array<{ reason: string }>;
    expect(events.map((e) => e.reason)).toContain('ArtifactVerificationFailed');
  });

  it('a deleted artifact is rebuilt on the next reconcile to the same digest', async () => {
    await stack.createRepository('deleted', 'shop');
    const good = await stack.waitForReady('deleted', 'shop');
    await unlink(join(stack.storagePath, good.status!.artifact!.path));
    expect((await download(good.status!.artifact!.url)).status).toBe(404);
    stack.requestReconcile('deleted', 'shop', 'after-delete');
    const again = await stack.waitForReady(
      'deleted',
      'shop',
      (r) => r.status?.lastHandledReconcileAt === 'after-delete',
    );
    expect(again.status!.artifact!.digest).toBe(good.status!.artifact!.digest);
    await servedMatches(again);
  });

  it('storage holds nothing but artifacts afterwards', async () => {
    const files = await walk(stack.storagePath);
    expect(files.filter((f) => !ARTIFACT_FILE.test(f))).toEqual([]);
  });
});

// A real full disk: a 1 MiB tmpfs, mounted only while this block runs. Needs root and a permitted mount;
// otherwise the test is skipped with the reason.
const asRoot = process.getuid?.() === 0;

describe.skipIf(!asRoot)('a full disk (1 MiB tmpfs; skipped unless root)', () => {
  const mountPoint = join(tmpdir(), `reliability-tmpfs-${process.pid}`);
  const storage = join(mountPoint, 'storage');
  let mountRefused: string | undefined;
  let full: RepositoryStack | undefined;
  beforeAll(async () => {
    await mkdir(mountPoint, { recursive: true });
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', mountPoint], { stdio: 'pipe' });
    } catch (error) {
      mountRefused = `mount -t tmpfs is not permitted here: ${(error as Error).message.split('\n')[0]}`;
      return;
    }
    await mkdir(storage, { recursive: true });
    full = withRepositoryHelpers(await startLocalStack({ controller: false }));
    await full.startController([`--storage-path=${storage}`]);
  });
  afterAll(async () => {
    await full?.stop();
    if (mountRefused === undefined) execFileSync('umount', [mountPoint]);
    await rm(mountPoint, { recursive: true, force: true });
  });

  it('ENOSPC is StorageOperationFailed, the last artifact stays served, and freeing space recovers', async (ctx) => {
    if (mountRefused !== undefined || full === undefined) return ctx.skip(mountRefused);
    await full.createRepository('disk', 'shop');
    const good = await full.waitForReady('disk', 'shop');
    // A unit of ~1.5 MiB of incompressible (base64 of random) data: its artifact cannot fit in what is left.
    const original = full.emulator.getUnit('shop-prod', 'web-config').text;
    const noise = Buffer.from(
      Array.from({ length: 1_100_000 }, () => Math.floor(Math.random() * 256)),
    ).toString('base64');
    full.emulator.setUnitData(
      'shop-prod',
      'web-config',
      `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: noise\ndata:\n  noise: ${noise}\n`,
    );
    full.requestReconcile('disk', 'shop', 'too-big');
    const failed = await full.waitForCondition('disk', 'shop', 'StorageOperationFailed', 'True');
    expect(condition(failed, 'Ready')).toMatchObject({ status: 'False' });
    expect(condition(failed, 'Ready')!.message).toMatch(/ENOSPC|no space/i);
    expect(failed.status!.artifact).toEqual(good.status!.artifact);
    await servedMatches(failed);
    // No partial file is left behind to eat the space.
    const names = await readdir(join(storage, 'confighubrepository', 'disk', 'shop'));
    expect(names.filter((n) => !/^[a-f0-9]{64}\.tar\.gz$/.test(n))).toEqual([]);

    full.emulator.setUnitData('shop-prod', 'web-config', `${original}\n# smaller again\n`);
    const recovered = await full.waitForReady(
      'disk',
      'shop',
      (r) => condition(r, 'StorageOperationFailed') === undefined,
      15_000,
    );
    await servedMatches(recovered);
  });
});
