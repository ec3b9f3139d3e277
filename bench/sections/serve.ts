// Issue 7.2: artifact serving throughput and p99 latency with 64 concurrent keep-alive clients
// (wrk on loopback), our server against nginx and against Node's bare http + fs.createReadStream.
import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Storage, sha256Digest } from '../../src/artifact/index.ts';
import { createArtifactHandler } from '../../src/server/artifact-server.ts';
import { startHttpServer } from '../../src/server/listen.ts';
import { commandPath, ensureDebianTool, execOk } from '../lib/exec.ts';
import { bytes, KiB, MiB, ms, num, rate, table } from '../lib/format.ts';
import { download, freePort } from '../lib/http.ts';
import { startNginx } from '../lib/nginx.ts';
import { median } from '../lib/stats.ts';
import { type LoadResult, type Pin, runWrk } from '../lib/wrk.ts';
import type { SectionContext, SectionResult, TargetResult } from './types.ts';

const CONNECTIONS = 64;
/** Share of nginx's requests/s each artifact size must reach. */
const TARGET_SHARES: Record<string, number> = { '100 KiB': 0.8, '10 MiB': 0.45 };

interface Server {
  name: string;
  url: string;
  stop(): Promise<void>;
}

/** The baseline Node can do without express, path checks or headers beyond Content-Length. */
async function startBareNode(root: string): Promise<Server> {
  const server = createServer((req, res) => {
    const path = join(root, decodeURIComponent((req.url ?? '/').split('?')[0]!));
    stat(path).then(
      (info) => {
        res.writeHead(200, { 'Content-Type': 'application/gzip', 'Content-Length': info.size });
        createReadStream(path).pipe(res);
      },
      () => {
        res.writeHead(404).end();
      },
    );
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    name: 'Node http + fs.createReadStream',
    url: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

export async function runServeBench(ctx: SectionContext): Promise<SectionResult> {
  const wrk = await ensureDebianTool('wrk', 'wrk', ctx.log);
  if ('missing' in wrk) {
    return {
      title: '2. Artifact serving',
      body: `Skipped: ${wrk.missing}.`,
      targets: [{ target: 'serving ≥ 50% of nginx throughput', verdict: 'SKIPPED', detail: wrk.missing }],
    };
  }
  const nginx = await ensureDebianTool('nginx', 'nginx', ctx.log);

  // The servers (this process, its threads and the nginx it starts) on CPU 0, wrk alone on CPU 1, so the
  // load generator does not take its CPU from the server it measures.
  const taskset = commandPath('taskset');
  // Counted before pinning: once pinned, availableParallelism() reports the one CPU left to us.
  const cpus = availableParallelism();
  const pinning = taskset !== undefined && cpus >= 2;
  if (pinning) await execOk(taskset, ['-a', '-p', '-c', '0', String(process.pid)]);
  try {
    return await measure(ctx, wrk.path, nginx, pinning ? { taskset, cpus: '1' } : undefined);
  } finally {
    if (pinning) await execOk(taskset, ['-a', '-p', '-c', `0-${cpus - 1}`, String(process.pid)]);
  }
}

async function measure(
  ctx: SectionContext,
  wrkPath: string,
  nginx: Awaited<ReturnType<typeof ensureDebianTool>>,
  pin: Pin | undefined,
): Promise<SectionResult> {
  const root = join(ctx.workDir, 'serve-storage');
  const storage = new Storage({ root, advertisedAddress: '127.0.0.1:1' });
  await storage.init();
  // Random bytes: a tar.gz is incompressible too, and nothing along the way may shrink it.
  const artifacts = [
    { label: '100 KiB', size: 100 * KiB },
    { label: '10 MiB', size: 10 * MiB },
  ];
  const stored = [];
  for (const [index, artifact] of artifacts.entries()) {
    const result = await storage.store('bench', `serve-${index}`, randomBytes(artifact.size));
    stored.push({ ...artifact, path: result.path, digest: result.digest });
  }

  const servers: Server[] = [];
  const notes: string[] = [];
  const ours = await startHttpServer(createArtifactHandler({ storage, isLeader: () => true }), '127.0.0.1:0');
  servers.push({ name: 'ours (createArtifactHandler)', url: ours.url, stop: ours.close });
  if ('path' in nginx) {
    try {
      const running = await startNginx(nginx.path, root, await freePort(), join(ctx.workDir, 'nginx'));
      servers.push({ name: 'nginx (1 worker, sendfile)', url: running.url, stop: running.stop });
    } catch (error) {
      notes.push(`nginx did not start: ${(error as Error).message}`);
    }
  } else {
    notes.push(`nginx unavailable: ${nginx.missing}`);
  }
  servers.push(await startBareNode(root));

  const reps = ctx.quick ? 1 : 2;
  const seconds = ctx.quick ? 3 : 5;
  const results = new Map<string, LoadResult>();
  try {
    for (const artifact of stored) {
      for (const server of servers) {
        const url = `${server.url}/${artifact.path}`;
        const check = await download(url);
        if (check.status !== 200 || sha256Digest(check.bytes) !== artifact.digest) {
          throw new Error(`${server.name} served ${url} with status ${check.status} and wrong bytes`);
        }
      }
      // Interleaved repetitions, so a burst of load from elsewhere on the machine hits all servers alike.
      const runs = new Map<string, LoadResult[]>();
      for (let rep = 0; rep < reps; rep++) {
        for (const server of servers) {
          ctx.log(`serve: ${artifact.label} from ${server.name}, run ${rep + 1}/${reps}`);
          const result = await runWrk(wrkPath, `${server.url}/${artifact.path}`, {
            connections: CONNECTIONS,
            threads: pin === undefined ? 2 : 1,
            seconds,
            ...(pin === undefined ? {} : { pin }),
          });
          runs.set(server.name, [...(runs.get(server.name) ?? []), result]);
        }
      }
      for (const [name, list] of runs) {
        results.set(`${artifact.label}|${name}`, {
          requestsPerSecond: median(list.map((r) => r.requestsPerSecond)),
          p50Ms: median(list.map((r) => r.p50Ms)),
          p99Ms: median(list.map((r) => r.p99Ms)),
          bytesPerSecond: median(list.map((r) => r.bytesPerSecond)),
          errors: list.reduce((sum, r) => sum + r.errors, 0),
        });
      }
    }
  } finally {
    for (const server of servers) await server.stop().catch(() => undefined);
  }

  const reference = servers.find((s) => s.name.startsWith('nginx')) ?? servers[servers.length - 1]!;
  const rows: string[][] = [];
  const targets: TargetResult[] = [];
  const shares: string[] = [];
  let pass = true;
  for (const artifact of stored) {
    const base = results.get(`${artifact.label}|${reference.name}`)!;
    for (const server of servers) {
      const r = results.get(`${artifact.label}|${server.name}`)!;
      rows.push([
        artifact.label,
        server.name,
        num(r.requestsPerSecond, 0),
        rate(r.bytesPerSecond),
        ms(r.p50Ms),
        ms(r.p99Ms),
        String(r.errors),
        `${((r.requestsPerSecond / base.requestsPerSecond) * 100).toFixed(0)}%`,
      ]);
    }
    const ourShare =
      results.get(`${artifact.label}|${servers[0]!.name}`)!.requestsPerSecond / base.requestsPerSecond;
    const goal = TARGET_SHARES[artifact.label] ?? 0.5;
    shares.push(`${artifact.label}: ${(ourShare * 100).toFixed(0)}% (goal ${goal * 100}%)`);
    if (ourShare < goal) pass = false;
  }
  targets.push({
    target: `serving ≥ ${Object.entries(TARGET_SHARES)
      .map(([label, share]) => `${share * 100}% at ${label}`)
      .join(', ')} of ${reference.name.split(' ')[0]} requests/s`,
    verdict: pass ? 'PASS' : 'FAIL',
    detail: shares.join(', '),
  });
  const body = [
    `wrk, ${pin === undefined ? 2 : 1} thread(s), ${CONNECTIONS} keep-alive connections, ${seconds} s per run, median of ${reps} interleaved`,
    `runs; artifacts are random bytes (${stored.map((a) => bytes(a.size)).join(', ')}) stored by \`Storage\`.`,
    'Every server was first checked to serve the exact bytes (sha256 = digest).',
    pin === undefined
      ? 'wrk shares the cores with the server under test (taskset or a second core missing), for every server alike.'
      : `Pinned with taskset: every server (this process with all its threads, and nginx) on CPU 0, wrk on CPU ${pin.cpus}.`,
    `"Share" is requests/s relative to the reference (${reference.name}).`,
    ...notes.map((note) => `\nNote: ${note}.`),
    '',
    table(['artifact', 'server', 'requests/s', 'transfer', 'p50', 'p99', 'errors', 'share'], rows),
  ].join('\n');
  return { title: '2. Artifact serving', body, targets };
}
