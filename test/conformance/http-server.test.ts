// Conformance checklist 17-21 (and the advertised-address half of 13): the artifact HTTP server, run
// as two leader-elected replicas against one API server, as a Deployment with a standby would.
import { randomBytes } from 'node:crypto';
import { rm, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseControllerOptions } from '../../src/config/options.ts';
import type { ControllerRuntime } from '../../src/controller/runtime.ts';
import { rawRequest } from '../artifact/helpers/raw-http.ts';
import { useLocalStack } from '../support/local-stack.ts';
import { freePort } from '../support/ports.ts';
import { WAIT } from '../support/progress.ts';
import { condition, download, EA, type Repo, sha256 } from '../support/repositories.ts';
import type { ExternalArtifact } from './support.ts';

const LEASE_FLAGS = [
  '--enable-leader-election',
  '--leader-election-lease-duration=2s',
  '--leader-election-renew-deadline=1s',
  '--leader-election-retry-period=100ms',
];
const SERVICE_ADDRESS = 'confighub-source-controller.flux-system.svc.cluster.local.';

const stack = useLocalStack({ controller: false });
let leader: ControllerRuntime;
let standby: ControllerRuntime;
let fixedPort: number;
let repo: Repo;

async function readiness(runtime: ControllerRuntime): Promise<number> {
  try {
    return (await fetch(`${runtime.servers.artifacts.url}/`)).status;
  } catch {
    return 0; // connection refused
  }
}

beforeAll(async () => {
  fixedPort = await freePort();
  leader = await stack.startController([...LEASE_FLAGS, `--storage-addr=127.0.0.1:${fixedPort}`]);
  await stack.kube.waitFor(() => leader.isLeader(), { description: 'first replica elected' });
  standby = await stack.startController([...LEASE_FLAGS, `--storage-adv-addr=${SERVICE_ADDRESS}`]);
  await stack.createRepository('team-a', 'shop');
  repo = await stack.waitForReady('team-a', 'shop');
});

describe('HTTP artifact server', () => {
  it('17. GET <url> returns 200 with the file bytes; a non-existent path returns 404', async () => {
    const artifact = repo.status!.artifact!;
    const found = await download(artifact.url);
    expect(found.status).toBe(200);
    expect(sha256(found.bytes)).toBe(artifact.digest);
    const missing = await download(
      `${leader.servers.artifacts.url}/confighubrepository/team-a/shop/${'0'.repeat(64)}.tar.gz`,
    );
    expect(missing.status).toBe(404);
  });

  it('18. the response has no Content-Encoding header, even when the request sends Accept-Encoding: gzip', async () => {
    const artifact = repo.status!.artifact!;
    const response = await rawRequest(leader.servers.artifacts.url, `/${artifact.path}`, {
      headers: { 'Accept-Encoding': 'gzip, deflate, br' },
    });
    expect(response.status).toBe(200);
    expect(response.headers.has('content-encoding')).toBe(false);
    expect(response.body.subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b]));
    expect(Number(response.headers.get('content-length'))).toBe(artifact.size);
  });

  it('19. requests with ".." or encoded traversal never return files outside the storage root', async () => {
    const marker = `outside-${randomBytes(8).toString('hex')}`;
    const outside = join(dirname(stack.storagePath), `${marker}.txt`);
    await writeFile(outside, marker);
    const link = join(stack.storagePath, 'confighubrepository', 'team-a', 'shop', `${'a'.repeat(64)}.tar.gz`);
    await symlink(outside, link);
    try {
      const base = leader.servers.artifacts.url;
      const name = `${marker}.txt`;
      const attempts = [
        `/../${name}`,
        `/confighubrepository/../../${name}`,
        `/%2e%2e/${name}`,
        `/%2E%2E%2F${name}`,
        `/confighubrepository/team-a/shop/..%2f..%2f..%2f..%2f${name}`,
        `/%252e%252e/${name}`,
        `/..%5c${name}`,
        `/.%2e/${name}`,
        `/confighubrepository/team-a/shop/${'a'.repeat(64)}.tar.gz`,
        `//${outside}`,
      ];
      for (const path of attempts) {
        const response = await rawRequest(base, path);
        expect(response.status, path).not.toBe(200);
        expect(response.body.toString('latin1'), path).not.toContain(marker);
      }
    } finally {
      await rm(link, { force: true });
      await rm(outside, { force: true });
    }
  });

  it('20. GET / returns 200 only when storage is initialised and this replica is the leader', async () => {
    expect(leader.isLeader()).toBe(true);
    expect(standby.isLeader()).toBe(false);
    expect(await readiness(leader)).toBe(200);
    expect(await readiness(standby)).toBe(503);

    // The leader goes away (releasing its lease): the standby takes over and becomes the ready one.
    await leader.stop();
    expect(await readiness(leader)).toBe(0);
    await stack.kube.waitFor(() => standby.isLeader(), { timeoutMs: 10_000, description: 'standby elected' });
    await expect.poll(() => readiness(standby), WAIT).toBe(200);
  });

  it('13. with --storage-adv-addr set to the Service address, url is http://<that address>/<path>', async () => {
    // The new leader rewrites the advertised host of every artifact, as source-controller does.
    const ea = (await stack.kube.waitForObject(
      EA,
      'team-a',
      'shop',
      (o) => (o as ExternalArtifact).status?.artifact?.url.startsWith(`http://${SERVICE_ADDRESS}/`) === true,
      { timeoutMs: 10_000 },
    )) as ExternalArtifact;
    const artifact = ea.status!.artifact!;
    expect(artifact.url).toBe(`http://${SERVICE_ADDRESS}/${artifact.path}`);
    expect(condition(ea, 'Ready')?.status).toBe('True');
    const updated = await stack.waitForReady(
      'team-a',
      'shop',
      (r) => r.status?.artifact?.url === artifact.url,
    );
    expect(updated.status!.artifact!.digest).toBe(repo.status!.artifact!.digest);
  });

  it('21. the server listens on --storage-addr, whose default is :9090', async () => {
    expect(parseControllerOptions([], {}).storageAddr).toBe(':9090');
    expect(leader.servers.artifacts.port).toBe(fixedPort);
    // (The leader was stopped above; its address was the one asked for while it ran: item 17 downloaded from it.)
    expect(new URL(repo.status!.artifact!.url).port).toBe(String(fixedPort));
  });
});
