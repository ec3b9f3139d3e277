// Convergence under a misbehaving Kubernetes API: dropped watches, expired resourceVersions (410),
// write conflicts (409), server errors (500), throttling (429 + Retry-After) and latency. Whatever
// happens, the controller ends Ready with the revision a fresh build of the same content has.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { useLocalStack } from '../support/local-stack.ts';
import { CHR, condition, download, EA, type Repo, sha256 } from '../support/repositories.ts';

const KUBECTL = '/usr/bin/kubectl';
const execFileAsync = promisify(execFile);
const stack = useLocalStack();
let controls = 0;
const reverts: Array<() => void> = [];

afterEach(() => {
  stack.kube.clearFaults();
  for (const revert of reverts.splice(0).reverse()) revert();
});

/** Changes the space's content, so convergence has to produce a new revision. */
function changeUpstream(marker: string): void {
  const original = stack.emulator.getUnit('shop-prod', 'web-config').data;
  stack.emulator.setUnitData('shop-prod', 'web-config', `${original.toString('utf8')}\n# ${marker}\n`);
  reverts.push(() => stack.emulator.setUnitData('shop-prod', 'web-config', original));
}

/** The revision a fresh object with the same spec gets, built with no faults in the way. */
async function expectedRevision(spec: Record<string, unknown> = {}): Promise<string> {
  const namespace = `control-${++controls}`;
  await stack.createRepository(namespace, 'shop', spec);
  return (await stack.waitForReady(namespace, 'shop')).status!.artifact!.revision;
}

/** Ready for the current generation, the ExternalArtifact agrees, and the served bytes match. */
async function converged(namespace: string, name: string, revision: string): Promise<Repo> {
  const repo = await stack.waitForReady(
    namespace,
    name,
    (r) =>
      r.status?.observedGeneration === r.metadata.generation && r.status?.artifact?.revision === revision,
    15_000,
  );
  const ea = (await stack.kube.waitForObject(
    EA,
    namespace,
    name,
    (o) => condition(o, 'Ready')?.status === 'True' && (o as Repo).status?.artifact?.revision === revision,
    { timeoutMs: 15_000 },
  )) as Repo;
  expect(ea.status!.artifact).toEqual(repo.status!.artifact);
  const served = await download(repo.status!.artifact!.url);
  expect(served.status).toBe(200);
  expect(sha256(served.bytes)).toBe(repo.status!.artifact!.digest);
  return repo;
}

function failures(code: number, path: RegExp): number {
  return stack.kube.requests.filter((r) => r.status === code && path.test(r.path)).length;
}

describe('convergence', () => {
  it('after watches are dropped (and the first re-list fails), changes made meanwhile are seen', async () => {
    await stack.createRepository('team-drop', 'shop');
    const first = await stack.waitForReady('team-drop', 'shop');
    const informer = stack.controller!.manager.repositories;
    const watchesBefore = informer.stats.watches;
    stack.kube.failNext(1, { status: 500, methods: ['GET'], pathPattern: /\/confighubrepositories$/ });
    stack.kube.dropWatches();
    changeUpstream('while the watch was down');
    stack.kube.patch(CHR, 'team-drop', 'shop', { spec: { interval: '2h' } });
    const revision = await expectedRevision({ interval: '2h' });
    expect(revision).not.toBe(first.status!.artifact!.revision);
    const repo = await converged('team-drop', 'shop', revision);
    expect(repo.metadata.generation).toBe(2);
    expect(informer.stats.watches).toBeGreaterThan(watchesBefore);
  });

  it('after 410 Expired (history compacted), the informer re-lists and converges', async () => {
    await stack.createRepository('team-gone', 'shop');
    await stack.waitForReady('team-gone', 'shop');
    const informer = stack.controller!.manager.repositories;
    const expiredBefore = informer.stats.expired;
    stack.kube.dropWatches();
    stack.kube.patch(CHR, 'team-gone', 'shop', { spec: { interval: '3h' } });
    stack.kube.compactHistory();
    changeUpstream('after compaction');
    const revision = await expectedRevision();
    await converged('team-gone', 'shop', revision);
    await stack.kube.waitFor(() => informer.stats.expired > expiredBefore, { description: 'a 410 re-list' });
  });

  it('through 409 conflicts on the finalizer and status patches', async () => {
    stack.kube.failNext(1, {
      status: 409,
      methods: ['PATCH'],
      pathPattern: /\/confighubrepositories\/conflict$/,
    });
    stack.kube.failNext(2, {
      status: 409,
      methods: ['PATCH'],
      pathPattern: /\/confighubrepositories\/conflict\/status$/,
    });
    stack.kube.failNext(1, { status: 409, methods: ['PATCH'], pathPattern: /\/externalartifacts\/conflict/ });
    await stack.createRepository('team-409', 'conflict');
    await converged('team-409', 'conflict', await expectedRevision());
    expect(failures(409, /\/team-409\/confighubrepositories\/conflict$/)).toBe(1);
    expect(failures(409, /\/team-409\/confighubrepositories\/conflict\/status$/)).toBe(2);
    expect(failures(409, /\/team-409\/externalartifacts\/conflict/)).toBe(1);
    const repo = stack.kube.get(CHR, 'team-409', 'conflict')!;
    expect(repo.metadata.finalizers).toEqual(['source.confighub.com/finalizer']);
  });

  it('through 500s on every kind of request of one namespace', async () => {
    stack.kube.failNext(4, { status: 500, pathPattern: '/namespaces/team-500/' });
    await stack.createRepository('team-500', 'shop');
    await converged('team-500', 'shop', await expectedRevision());
    expect(failures(500, /\/namespaces\/team-500\//)).toBe(4);
  });

  it('through 429 with Retry-After, waiting at least as long as asked', async () => {
    stack.kube.failNext(2, {
      status: 429,
      retryAfterSeconds: 1,
      methods: ['PATCH'],
      pathPattern: /\/namespaces\/team-429\/confighubrepositories\//,
    });
    stack.kube.failNext(1, {
      status: 429,
      retryAfterSeconds: 2,
      methods: ['PATCH'],
      pathPattern: /\/namespaces\/team-429\/externalartifacts\/shop\/status$/,
    });
    await stack.createRepository('team-429', 'shop');
    await converged('team-429', 'shop', await expectedRevision());
    expect(failures(429, /\/namespaces\/team-429\/confighubrepositories\//)).toBe(2);
    expect(failures(429, /\/namespaces\/team-429\/externalartifacts\//)).toBe(1);
    const requests = stack.kube.requests;
    const throttled = requests.flatMap((r, i) =>
      r.status === 429 && r.path.includes('/team-429/') ? [i] : [],
    );
    for (const i of throttled) {
      const retry = requests.findIndex(
        (r, j) => j > i && r.method === 'PATCH' && r.path === requests[i]!.path,
      );
      expect(retry, requests[i]!.path).toBeGreaterThan(i);
      // Retry-After was 2 s for the ExternalArtifact, 1 s for the object. Node may fire a timer a
      // millisecond early by the wall clock.
      const asked = requests[i]!.path.includes('/externalartifacts/') ? 2000 : 1000;
      const waited = requests[retry]!.receivedAt - requests[i]!.receivedAt;
      expect(waited, requests[i]!.path).toBeGreaterThanOrEqual(asked - 5);
    }
  });

  it('does not record a new observedGeneration while the ExternalArtifact cannot be written', async () => {
    await stack.createRepository('team-eafail', 'shop');
    await stack.waitForReady('team-eafail', 'shop');
    stack.kube.failNext(3, {
      status: 500,
      methods: ['PATCH'],
      pathPattern: /\/externalartifacts\/shop\/status$/,
    });
    // A new toolchain changes the content, so the ExternalArtifact status must be rewritten.
    const spec = { toolchains: ['Kubernetes/YAML', 'AppConfig/Properties'] };
    stack.kube.patch(CHR, 'team-eafail', 'shop', { spec });
    const failed = await stack.waitForCondition(
      'team-eafail',
      'shop',
      'Ready',
      'False',
      'PatchOperationFailed',
    );
    expect(failed.metadata.generation).toBe(2);
    expect(failed.status!.observedGeneration).toBe(1);
    await converged('team-eafail', 'shop', await expectedRevision(spec));
  });

  it('with a slow API server', async () => {
    const slowRequests = () =>
      stack.kube.requests.filter((r) => r.path.includes('/namespaces/team-slow/')).length;
    const before = await expectedRevision();
    stack.kube.setLatency(150);
    await stack.createRepository('team-slow', 'shop');
    await converged('team-slow', 'shop', before);
    changeUpstream('slow api');
    stack.kube.patch(CHR, 'team-slow', 'shop', { spec: { interval: '4h' } });
    await stack.kube.waitFor(() => slowRequests() > 0, { description: 'requests under latency' });
    const after = await converged('team-slow', 'shop', await expectedRevision());
    expect(after.status!.artifact!.revision).not.toBe(before);
  });

  it.skipIf(!existsSync(KUBECTL))(
    `kubectl get confighubrepositories shows READY True and the status message${existsSync(KUBECTL) ? '' : ` (skipped: ${KUBECTL} is absent)`}`,
    async () => {
      const repo = await stack.waitForReady('team-drop', 'shop');
      const dir = await mkdtemp(join(tmpdir(), 'chr-kubectl-'));
      try {
        const kubeconfig = await stack.kube.writeKubeconfig(join(dir, 'config'));
        // Asynchronously: the API server answering kubectl runs in this very process.
        const { stdout: output } = await execFileAsync(
          KUBECTL,
          ['--kubeconfig', kubeconfig, 'get', 'confighubrepositories', '-n', 'team-drop'],
          { encoding: 'utf8', timeout: 20_000 },
        );
        const [header, row] = output.trim().split('\n');
        expect(header).toMatch(/NAME\s+URL\s+SPACE\s+AGE\s+READY\s+STATUS/);
        expect(row).toMatch(/^shop\s/);
        const columns = row!.split(/\s{2,}/);
        expect(columns).toContain('True');
        expect(row).toContain(`stored artifact for revision '${repo.status!.artifact!.revision}'`);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
  );
});
