// Conformance checklist 30-35: the storage lifecycle under a running controller: atomic writes,
// content-addressed paths, retention by records and TTL, self-repair on start and on every reconcile.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { useLocalStack } from '../support/local-stack.ts';
import { WAIT } from '../support/progress.ts';
import { CHR, download, EA, type Repo, sha256 } from '../support/repositories.ts';
import { type ExternalArtifact, kubeEvents, storedFiles, touchUnit } from './support.ts';

const TTL_MS = 2000;
const extraDirs: string[] = [];
let reconciles = 0;

// Registered first, so it runs last: once the stack has stopped.
afterAll(async () => {
  for (const dir of extraDirs) await rm(dir, { recursive: true, force: true });
});
const stack = useLocalStack({
  controllerArgs: [`--artifact-retention-ttl=${TTL_MS}ms`, '--artifact-retention-records=2'],
});

/** Waits until the wall clock is more than the retention TTL past `time` (second precision). */
async function pastTtl(time: string): Promise<void> {
  await expect.poll(() => Date.now() - Date.parse(time), WAIT).toBeGreaterThan(TTL_MS + 1000);
}

/** Requests a reconcile and waits until it was handled and the object is Ready again. */
async function reconcile(namespace: string, name: string, predicate: (r: Repo) => boolean = () => true) {
  const token = `r${++reconciles}`;
  stack.requestReconcile(namespace, name, token);
  return await stack.waitForReady(
    namespace,
    name,
    (r) => r.status?.lastHandledReconcileAt === token && predicate(r),
  );
}

function fileOf(repo: Repo): string {
  return repo.status!.artifact!.path.split('/').pop()!;
}

describe('storage lifecycle', () => {
  let v1: Repo;
  let v2: Repo;
  let v3: Repo;
  const seen = new Map<string, string>();
  const violations: string[] = [];
  // Upstream edits stay in place until the retention checks are done, then the space is restored.
  const reverts: Array<() => void> = [];

  it('30. new artifacts are written to a temp file and renamed: a reader never sees a partial file at a published path', async () => {
    await stack.createRepository('team-gc', 'shop');
    v1 = await stack.waitForReady('team-gc', 'shop');
    const dir = join(stack.storagePath, 'confighubrepository', 'team-gc', 'shop');
    let watching = true;
    // A tight reader racing the writer: every published name must always hash to its own name.
    const reader = (async () => {
      while (watching) {
        for (const file of await storedFiles(stack, 'team-gc', 'shop')) {
          if (!file.endsWith('.tar.gz')) continue;
          let content: Buffer;
          try {
            content = await readFile(join(dir, file));
          } catch {
            continue; // removed by GC between listing and reading
          }
          const hex = createHash('sha256').update(content).digest('hex');
          if (`${hex}.tar.gz` !== file) violations.push(`${file} read as ${hex} (${content.length} bytes)`);
          const first = seen.get(file);
          if (first === undefined) seen.set(file, hex);
          else if (first !== hex) violations.push(`${file} changed from ${first} to ${hex}`);
        }
        await new Promise((resolve) => setImmediate(resolve));
      }
    })();
    reverts.push(touchUnit(stack, 'v2'));
    v2 = await reconcile(
      'team-gc',
      'shop',
      (r) => r.status!.artifact!.digest !== v1.status!.artifact!.digest,
    );
    reverts.push(touchUnit(stack, 'v3', 'web-svc'));
    v3 = await reconcile(
      'team-gc',
      'shop',
      (r) => r.status!.artifact!.digest !== v2.status!.artifact!.digest,
    );
    watching = false;
    await reader;
    expect(seen.size).toBeGreaterThanOrEqual(2);
    expect(violations).toEqual([]);
  });

  it('31. an existing published path is never overwritten with different bytes', async () => {
    expect(violations).toEqual([]);
    for (const file of await storedFiles(stack, 'team-gc', 'shop')) {
      const content = await readFile(join(stack.storagePath, 'confighubrepository', 'team-gc', 'shop', file));
      expect(`${createHash('sha256').update(content).digest('hex')}.tar.gz`).toBe(file);
    }
  });

  it('32. after GC each object directory holds at most --artifact-retention-records files, the current one included; files past the TTL and their .lock files are deleted', async () => {
    // v3 made three files; records=2 removed the oldest non-current one (v1) and its lock file.
    const files = await storedFiles(stack, 'team-gc', 'shop');
    expect(files).toEqual([fileOf(v2), fileOf(v3)].sort());
    // Past the TTL, the next GC removes every non-current file and its lock.
    const dir = join(stack.storagePath, 'confighubrepository', 'team-gc', 'shop');
    await writeFile(join(dir, `${fileOf(v2)}.lock`), '');
    await pastTtl(v2.status!.artifact!.lastUpdateTime);
    await reconcile('team-gc', 'shop');
    await expect.poll(async () => (await storedFiles(stack, 'team-gc', 'shop')).length, WAIT).toBe(1);
    expect(await storedFiles(stack, 'team-gc', 'shop')).toEqual([fileOf(v3)]);
    for (const revert of reverts.reverse()) revert();
  });

  it('33. the artifact previously referenced by the ExternalArtifact stays downloadable until the next GC after the TTL expires', async () => {
    await stack.createRepository('team-keep', 'shop');
    const first = await stack.waitForReady('team-keep', 'shop');
    const revert = touchUnit(stack, 'keep');
    const second = await reconcile(
      'team-keep',
      'shop',
      (r) => r.status!.artifact!.digest !== first.status!.artifact!.digest,
    );
    const ea = (await stack.kube.waitForObject(
      EA,
      'team-keep',
      'shop',
      (o) => (o as ExternalArtifact).status?.artifact?.digest === second.status!.artifact!.digest,
    )) as ExternalArtifact;
    expect(ea.status!.artifact!.path).not.toBe(first.status!.artifact!.path);
    // Superseded, and even past its TTL, the old file is still served: only a GC run removes it.
    await pastTtl(first.status!.artifact!.lastUpdateTime);
    const before = await download(first.status!.artifact!.url);
    expect(before.status).toBe(200);
    expect(sha256(before.bytes)).toBe(first.status!.artifact!.digest);
    // The next reconcile (nothing changed upstream) runs GC, which drops the expired file.
    await reconcile('team-keep', 'shop');
    revert();
    expect((await download(first.status!.artifact!.url)).status).toBe(404);
    expect((await download(second.status!.artifact!.url)).status).toBe(200);
  });

  it('34. a missing or digest-mismatched stored file is rebuilt and re-published, on each reconcile and on startup, with a Warning ArtifactVerificationFailed for the mismatch', async () => {
    await stack.createRepository('team-heal', 'shop');
    const good = await stack.waitForReady('team-heal', 'shop');
    const artifact = good.status!.artifact!;
    const file = () => join(stack.storagePath, artifact.path);
    const warnings = () =>
      kubeEvents(stack, 'team-heal', 'shop', 'ConfigHubRepository').filter(
        (e) => e.type === 'Warning' && e.reason === 'ArtifactVerificationFailed',
      );
    const served = async (repo: Repo) => {
      const { status, bytes } = await download(repo.status!.artifact!.url);
      return status === 200 && sha256(bytes) === artifact.digest;
    };

    // Corrupted under the running controller.
    await writeFile(file(), 'not a tarball');
    const repaired = await reconcile('team-heal', 'shop');
    expect(repaired.status!.artifact!.digest).toBe(artifact.digest);
    expect(await served(repaired)).toBe(true);
    expect(warnings().length).toBe(1);
    expect(warnings()[0]!.message).toContain(artifact.path);

    // Deleted under the running controller.
    await unlink(file());
    const rebuilt = await reconcile('team-heal', 'shop');
    expect(existsSync(file())).toBe(true);
    expect(await served(rebuilt)).toBe(true);

    // Corrupted while the controller was down: the next start finds and repairs it.
    await stack.controller!.stop();
    await writeFile(file(), 'corrupted while stopped');
    const restarted = await stack.startController();
    await expect
      .poll(() => warnings().reduce((n, e) => n + (e.count ?? 1), 0), WAIT)
      .toBeGreaterThanOrEqual(2);
    await expect.poll(async () => (await readFile(file())).length, WAIT).toBe(artifact.size);
    const afterRestart = await stack.waitForReady('team-heal', 'shop', (r) =>
      r.status!.artifact!.url.startsWith(restarted.servers.artifacts.url),
    );
    expect(await served(afterRestart)).toBe(true);

    // A restart with empty storage (a fresh emptyDir): everything is rebuilt and re-published.
    await restarted.stop();
    const empty = await mkdtemp(join(tmpdir(), 'confighub-source-empty-'));
    extraDirs.push(empty);
    const fresh = await stack.startController([`--storage-path=${empty}`]);
    const republished = await stack.waitForReady('team-heal', 'shop', (r) =>
      r.status!.artifact!.url.startsWith(fresh.servers.artifacts.url),
    );
    expect(existsSync(join(empty, artifact.path))).toBe(true);
    expect(await served(republished)).toBe(true);
    const ea = (await stack.kube.waitForObject(
      EA,
      'team-heal',
      'shop',
      (o) => (o as ExternalArtifact).status?.artifact?.url.startsWith(fresh.servers.artifacts.url) === true,
    )) as ExternalArtifact;
    expect(ea.status!.artifact!.digest).toBe(artifact.digest);
  });

  it('35. deleting a ConfigHubRepository removes its storage directory and its ExternalArtifact', async () => {
    await stack.createRepository('team-bye', 'shop');
    await stack.waitForReady('team-bye', 'shop');
    await stack.kube.waitForObject(EA, 'team-bye', 'shop');
    const root = stack.controller!.storage.root;
    expect(existsSync(join(root, 'confighubrepository', 'team-bye', 'shop'))).toBe(true);
    stack.kube.delete(CHR, 'team-bye', 'shop');
    await stack.kube.waitForDeletion(CHR, 'team-bye', 'shop', { timeoutMs: 10_000 });
    await stack.kube.waitForDeletion(EA, 'team-bye', 'shop', { timeoutMs: 10_000 });
    expect(existsSync(join(root, 'confighubrepository', 'team-bye', 'shop'))).toBe(false);
  });
});
