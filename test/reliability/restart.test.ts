// kill -9 of a controller process in the middle of its work, then a new process on the same storage
// (a persistent volume) and on an empty one (an emptyDir): every repository ends Ready, every published
// URL serves bytes matching its digest, and a rebuild from scratch gives the very same digests.
import { beforeAll, describe, expect, it } from 'vitest';
import { CHR, condition, download, EA, type Repo, sha256 } from '../support/repositories.ts';
import { type ControllerProcess, useControllerProcesses } from './support/controller-process.ts';
import { ARTIFACT_FILE, walk } from './support/storage-walk.ts';

const NS = 'restart';
const COUNT = 30;
const names = Array.from({ length: COUNT }, (_, i) => `repo-${i}`);

const { stack, storagePath, start } = useControllerProcesses();

beforeAll(async () => {
  for (const name of names) await stack.createRepository(NS, name);
});

const repo = (name: string) => stack.kube.get(CHR, NS, name) as Repo | undefined;
const readyCount = () => names.filter((n) => condition(repo(n), 'Ready')?.status === 'True').length;

/** Every repository Ready with an artifact this process serves; returns name → digest. */
async function allServedBy(proc: ControllerProcess): Promise<Map<string, string>> {
  await stack.kube.waitFor(
    () =>
      names.every((n) => {
        const r = repo(n);
        return (
          condition(r, 'Ready')?.status === 'True' && r?.status?.artifact?.url.startsWith(proc.artifactsUrl)
        );
      }),
    { timeoutMs: 25_000, description: `every repository Ready and served by ${proc.artifactsUrl}` },
  );
  const digests = new Map<string, string>();
  for (const name of names) {
    const artifact = repo(name)!.status!.artifact!;
    const served = await download(artifact.url);
    expect(served.status, name).toBe(200);
    expect(sha256(served.bytes), name).toBe(artifact.digest);
    const ea = stack.kube.get(EA, NS, name) as Repo | undefined;
    await stack.kube.waitFor(
      () => (stack.kube.get(EA, NS, name) as Repo | undefined)?.status?.artifact?.url === artifact.url,
      {
        description: `ExternalArtifact ${name} follows`,
      },
    );
    expect(ea).toBeDefined();
    digests.set(name, artifact.digest);
  }
  return digests;
}

describe('controller killed with SIGKILL mid-work', () => {
  let firstDigests: Map<string, string>;
  let third: ControllerProcess;

  it('a new process on the same storage (persistent volume) finishes the work; no partial file is served', async () => {
    const first = await start('persistent');
    // Kill as soon as some, not all, repositories are done: writes are in flight.
    await stack.kube.waitFor(() => readyCount() >= 3, { timeoutMs: 20_000, description: 'first artifacts' });
    const doneAtKill = readyCount();
    expect(await first.kill('SIGKILL')).toBeNull();
    expect(doneAtKill).toBeLessThan(COUNT);

    const second = await start('persistent');
    firstDigests = await allServedBy(second);
    // Only content-addressed artifacts are visible; a killed write can only leave a hidden temp file,
    // which the server never serves and GC removes after the retention TTL.
    const files = await walk(storagePath('persistent'));
    const strays = files.filter((f) => !ARTIFACT_FILE.test(f));
    expect(strays.filter((f) => !/\/\.[a-f0-9]+\.tmp$/.test(f))).toEqual([]);
    for (const stray of strays) expect((await download(`${second.artifactsUrl}/${stray}`)).status).toBe(404);
    await second.kill('SIGKILL');
  });

  it('a new process on an empty storage (emptyDir) rebuilds every artifact to the same digest', async () => {
    third = await start('empty');
    const rebuilt = await allServedBy(third);
    expect(rebuilt).toEqual(firstDigests);
  });

  // Storage is verified before the upstream (as Flux's reconcileStorage runs first): with an empty volume and
  // ConfigHub down, the status must stop claiming ArtifactInStorage for a file this storage does not have.
  let removeOutage: (() => void) | undefined;
  let fourth: ControllerProcess;
  it('on an empty storage while ConfigHub is down, ArtifactInStorage stops claiming the missing file', async () => {
    await third.kill('SIGKILL');
    removeOutage = stack.emulator.injectFault({
      route: `/api/space/${stack.emulator.getSpace('shop-prod').SpaceID}/unit`,
      kind: 'status',
      status: 503,
    });
    fourth = await start('empty-while-down');
    const failing = () => names.filter((n) => condition(repo(n), 'Ready')?.reason === 'UpstreamUnavailable');
    await stack.kube.waitFor(() => failing().length >= 3, {
      timeoutMs: 25_000,
      description: 'repositories failing to fetch',
    });
    const recorded = repo(failing()[0]!)!.status!.artifact!;
    expect((await download(recorded.url.replace(/^http:\/\/[^/]+/, fourth.artifactsUrl))).status).toBe(404);
    for (const name of failing())
      expect(condition(repo(name), 'ArtifactInStorage')?.status, name).not.toBe('True');
  });

  it('once ConfigHub is back, the empty storage is rebuilt to the same digests', async () => {
    removeOutage?.();
    expect(await allServedBy(fourth)).toEqual(firstDigests);
  });
});
