// Fault soak: 100 repositories on one controller process while faults are injected one after another —
// upstream (5xx, 429, latency, bad bodies, integrity), Kubernetes (dropped watches, 410, 409/500 on
// writes, slow API) and SIGKILL of the controller with a restart on the same storage. Each fault lasts
// FAULT_MS while upstream changes and every repository is asked to reconcile; then the time until every repository is Ready on the newest revision,
// serving bytes matching its digest, is measured. Figures: test/RELIABILITY.md.
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../testkit/local-stack.ts';
import { type ControllerProcess, useControllerProcesses } from '../reliability/support/controller-process.ts';
import { listingPath } from '../reliability/support/fault-cycle.ts';
import { scrape, total } from '../reliability/support/metrics.ts';
import { ARTIFACT_FILE, walk } from '../reliability/support/storage-walk.ts';
import { CHR, condition, download, type Repo, sha256 } from '../support/repositories.ts';

const REPOSITORIES = Number(process.env['CHAOS_FAULT_REPOSITORIES'] ?? 100);
const FAULT_MS = Number(process.env['CHAOS_FAULT_MS'] ?? 10_000);
const RECOVERY_TIMEOUT_MS = 120_000;
const NS = 'soak';

interface Injected {
  /** Starts the fault; returns how to end it. */
  start(): Promise<() => Promise<void>> | (() => Promise<void>);
}

const { stack, storagePath, start } = useControllerProcesses();
let controller: ControllerProcess;
let kills = 0;
const names = Array.from({ length: REPOSITORIES }, (_, i) => `repo-${i}`);

async function startController(): Promise<void> {
  controller = await start('storage', ['--concurrent=8', '--max-retry-delay=5s']);
}

const upstream = (fault: Parameters<LocalStack['emulator']['injectFault']>[0]): Injected => ({
  start: () => {
    const remove = stack.emulator.injectFault(fault);
    return async () => remove();
  },
});

const kube = (apply: () => void): Injected => ({
  start: () => {
    apply();
    return async () => stack.kube.clearFaults();
  },
});

function faults(): Record<string, Injected> {
  const listing = { route: listingPath(stack), method: 'GET' };
  return {
    'upstream 503': upstream({ ...listing, kind: 'status', status: 503 }),
    'upstream 500 on data': upstream({ route: '/api/unit_data', kind: 'status', status: 500 }),
    'upstream 429 Retry-After 2': upstream({ ...listing, kind: 'status', status: 429, retryAfterSeconds: 2 }),
    'upstream latency 3 s': upstream({ ...listing, kind: 'latency', ms: 3000 }),
    'upstream truncated JSON': upstream({ ...listing, kind: 'truncate' }),
    'upstream HTML page': upstream({ ...listing, kind: 'html' }),
    'upstream DataHash mismatch': upstream({ kind: 'wrongDataHash' }),
    'upstream endless continue': upstream({ ...listing, kind: 'endlessContinue' }),
    'kube dropped watches': kube(() => stack.kube.dropWatches()),
    'kube 410 Expired': kube(() => {
      stack.kube.dropWatches();
      stack.kube.compactHistory();
    }),
    'kube 409 on status (x50)': kube(() =>
      stack.kube.failNext(50, {
        status: 409,
        methods: ['PATCH'],
        pathPattern: /\/confighubrepositories\/[^/]+\/status$/,
      }),
    ),
    'kube 500 on writes (x50)': kube(() =>
      stack.kube.failNext(50, { status: 500, methods: ['PATCH', 'POST', 'PUT'] }),
    ),
    'kube latency 250 ms': kube(() => stack.kube.setLatency(250)),
    'controller SIGKILL + restart': {
      start: async () => {
        await controller.kill('SIGKILL');
        kills++;
        return async () => startController();
      },
    },
  };
}

beforeAll(async () => {
  for (const name of names) await stack.createRepository(NS, name, { interval: '20s', timeout: '2s' });
  await startController();
}, 120_000);

/** Every repository Ready on the newest upstream content, with an artifact this process serves. */
function converged(): boolean {
  const hash = stack.emulator.getUnit('shop-prod', 'web-config').DataHash;
  return names.every((name) => {
    const repo = stack.kube.get(CHR, NS, name) as Repo | undefined;
    const units = repo?.status?.fetched?.units as Array<{ slug: string; dataHash?: string }> | undefined;
    return (
      condition(repo, 'Ready')?.status === 'True' &&
      repo?.status?.artifact?.url.startsWith(controller.artifactsUrl) === true &&
      units?.find((u) => u.slug === 'web-config')?.dataHash === hash
    );
  });
}

async function poll(predicate: () => boolean, timeout: number, description: string): Promise<void> {
  await expect.poll(predicate, { timeout, interval: 250, message: description }).toBe(true);
}

describe(`${REPOSITORIES} repositories under a sequence of faults`, () => {
  it(
    'recovers from every fault to Ready on the newest revision, serving matching bytes',
    async () => {
      await poll(converged, RECOVERY_TIMEOUT_MS, 'initial convergence');
      const only = process.env['CHAOS_FAULT_KINDS']?.split(',');
      const rows: { fault: string; upstreamRequests: number; kubeRequests: number; recoverS: number }[] = [];
      let change = 0;
      for (const [name, fault] of Object.entries(faults())) {
        if (only && !only.some((o) => name.includes(o))) continue;
        stack.emulator.clearRequests();
        const kubeBefore = stack.kube.requests.length;
        const end = await fault.start();
        // Upstream changes while the fault lasts, so every repository has to fetch and build through it.
        const unit = stack.emulator.getUnit('shop-prod', 'web-config');
        stack.emulator.setUnitData('shop-prod', 'web-config', `${unit.text}\n# soak change ${++change}\n`);
        // As `flux reconcile` or a webhook would: every repository reconciles now, through the fault.
        for (const repo of names) stack.requestReconcile(NS, repo, `change-${change}`);
        await new Promise((resolve) => setTimeout(resolve, FAULT_MS));
        const upstreamRequests = stack.emulator.requests.length;
        const kubeRequests = stack.kube.requests.length - kubeBefore;
        await end();
        const cleared = Date.now();
        await poll(converged, RECOVERY_TIMEOUT_MS, `recovery from ${name}`);
        rows.push({ fault: name, upstreamRequests, kubeRequests, recoverS: (Date.now() - cleared) / 1000 });
      }

      // Every published URL serves bytes matching its digest; storage holds only artifacts (and at most
      // hidden temp files of killed writes, which are never served and are collected after the TTL).
      for (const name of names) {
        const artifact = (stack.kube.get(CHR, NS, name) as Repo).status!.artifact!;
        expect(sha256((await download(artifact.url)).bytes), name).toBe(artifact.digest);
      }
      const files = await walk(storagePath('storage'));
      expect(files.filter((f) => !ARTIFACT_FILE.test(f) && !/\/\.[a-f0-9]+\.tmp$/.test(f))).toEqual([]);
      const metrics = await scrape(controller.metricsUrl);
      const summary = {
        repositories: REPOSITORIES,
        faultMs: FAULT_MS,
        faultsInjected: rows.length,
        recoveries: rows.length,
        controllerKills: kills,
        maxRecoverS: Math.max(...rows.map((r) => r.recoverS)),
        heapUsedMiB: Number((total(metrics, 'nodejs_heap_size_used_bytes') / 2 ** 20).toFixed(1)),
      };
      const report = process.env['CHAOS_REPORT'] ?? join(tmpdir(), 'chaos-faults.json');
      await writeFile(report, `${JSON.stringify({ summary, rows }, null, 2)}\n`);
      console.log(
        [
          JSON.stringify(summary),
          '| fault | upstream requests during fault | Kubernetes requests during fault | time to recover |',
          '|---|---|---|---|',
          ...rows.map(
            (r) => `| ${r.fault} | ${r.upstreamRequests} | ${r.kubeRequests} | ${r.recoverS.toFixed(1)} s |`,
          ),
        ].join('\n'),
      );
      expect(rows.length).toBeGreaterThan(0);
    },
    40 * 60_000,
  );
});
