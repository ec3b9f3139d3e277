// One tenant must not stall the others: the controller's main loop, probes and artifact downloads while
// one repository builds a 300,000-key unit; and peak memory while it builds a space of 8 × 25 MiB units.
// The controller runs as a child process, the test doubles in this one.
import { setTimeout as sleep } from 'node:timers/promises';
import { prng } from '../../test/support/prng.ts';
import { type BenchStack, namespaceOf, repoName, startBenchStack } from '../lib/bench-stack.ts';
import { spaceSlug, unitSlug } from '../lib/fixture.ts';
import { bytes, MiB, ms, table } from '../lib/format.ts';
import { ProcessSampler } from '../lib/proc.ts';
import { percentile } from '../lib/stats.ts';
import { configMapYaml } from '../lib/units.ts';
import type { SectionContext, SectionResult, TargetResult } from './types.ts';

const LOOP_P99_TARGET_MS = 50;
const PROBE_TARGET_MS = 1000;
/** The shipped Deployment's memory limit. */
const POD_LIMIT_MIB = 1024;

function wideUnit(keys: number): string {
  let text = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: wide\n  namespace: bench\ndata:\n';
  for (let i = 0; i < keys; i++) text += `  key-${i}: value-${i}\n`;
  return text;
}

async function timedGet(url: string): Promise<{ ms: number; status: number; body: string }> {
  const started = performance.now();
  const response = await fetch(url);
  const body = await response.text();
  return { ms: performance.now() - started, status: response.status, body };
}

interface LoopWindow {
  p99Ms: number;
  maxMs: number;
}

/** prom-client resets its event-loop histogram at every scrape: each scrape is one window. */
function loopWindow(metrics: string): LoopWindow {
  const value = (name: string) =>
    Number(new RegExp(`^${name} ([0-9.e+-]+)$`, 'm').exec(metrics)?.[1] ?? Number.NaN);
  return {
    p99Ms: value('nodejs_eventloop_lag_p99_seconds') * 1000,
    maxMs: value('nodejs_eventloop_lag_max_seconds') * 1000,
  };
}

async function wideUnitRun(ctx: SectionContext, keys: number) {
  const stack: BenchStack = await startBenchStack({
    spaces: 2,
    unitsPerSpace: 1,
    workDir: ctx.workDir,
    controllerArgs: [],
    nodeArgs: ctx.controllerNodeArgs,
    env: ctx.controllerEnv,
    script: ctx.controllerScript,
  });
  try {
    // A neighbour whose artifact is downloaded throughout.
    stack.createRepository(0, 0, '1h');
    await stack.waitForReadyCount(1, 60_000);
    const neighbour = stack.local.kube.get(
      'externalartifacts.source.toolkit.fluxcd.io',
      namespaceOf(0),
      repoName(0),
    ) as { status?: { artifact?: { url: string } } } | undefined;
    const artifactUrl = neighbour?.status?.artifact?.url;
    if (artifactUrl === undefined) throw new Error('neighbour has no artifact');

    const text = wideUnit(keys);
    stack.local.emulator.setUnitData(spaceSlug(1), unitSlug(0), text);
    await timedGet(stack.controller.metricsUrl); // starts a fresh event-loop window
    const probes: number[] = [];
    const downloads: number[] = [];
    const windows: LoopWindow[] = [];
    let done = false;
    const started = performance.now();
    stack.createRepository(1, 1, '1h');
    const probing = (async () => {
      while (!done) {
        const [health, artifact, metrics] = await Promise.all([
          timedGet(stack.controller.healthUrl),
          timedGet(artifactUrl),
          timedGet(stack.controller.metricsUrl),
        ]);
        if (health.status !== 200 || artifact.status !== 200) throw new Error('probe or artifact failed');
        probes.push(health.ms);
        downloads.push(artifact.ms);
        windows.push(loopWindow(metrics.body));
        await sleep(20);
      }
    })();
    await stack.waitForReadyCount(2, 300_000);
    const buildMs = performance.now() - started;
    done = true;
    await probing;
    return {
      keys,
      unitBytes: Buffer.byteLength(text),
      buildMs,
      probes,
      downloads,
      loopP99Ms: Math.max(...windows.map((w) => w.p99Ms)),
      loopMaxMs: Math.max(...windows.map((w) => w.maxMs)),
    };
  } finally {
    await stack.stop();
  }
}

async function largeSpaceRun(ctx: SectionContext, units: number, unitMiB: number) {
  const stack: BenchStack = await startBenchStack({
    spaces: 1,
    unitsPerSpace: units,
    workDir: ctx.workDir,
    controllerArgs: ['--concurrent=4'],
    nodeArgs: ctx.controllerNodeArgs,
    env: ctx.controllerEnv,
    script: ctx.controllerScript,
  });
  try {
    const random = prng(25);
    for (let u = 0; u < units; u++) {
      stack.local.emulator.setUnitData(
        spaceSlug(0),
        unitSlug(u),
        configMapYaml(`large-${u}`, unitMiB * MiB - 4096, random),
      );
    }
    const sampler = new ProcessSampler(stack.controller.pid, 100);
    const before = sampler.samples.at(-1)?.rssBytes ?? Number.NaN;
    const started = performance.now();
    stack.createRepository(0, 0, '1h');
    await stack.waitForReadyCount(1, 600_000);
    const buildMs = performance.now() - started;
    const peak = Math.max(...sampler.stop().map((s) => s.rssBytes));
    return { units, unitMiB, before, peak, buildMs };
  } finally {
    await stack.stop();
  }
}

export async function runEngineBench(ctx: SectionContext): Promise<SectionResult> {
  const keys = ctx.quick ? 100_000 : 300_000;
  ctx.log(`engine: one unit of ${keys} keys`);
  const wide = await wideUnitRun(ctx, keys);
  const [units, unitMiB] = ctx.quick ? [4, 8] : [8, 25];
  ctx.log(`engine: a space of ${units} × ${unitMiB} MiB`);
  const large = await largeSpaceRun(ctx, units, unitMiB);

  const worstProbe = Math.max(...wide.probes);
  const worstDownload = Math.max(...wide.downloads);
  const body = [
    `While one repository built a unit of ${wide.keys.toLocaleString('en-US')} keys (${bytes(wide.unitBytes)}; validation in a`,
    'worker thread), this process probed the controller (a child process) in a loop: `/healthz`, a download of another',
    "repository's artifact and `/metrics`. Event-loop delay is the controller's own (prom-client's",
    '`nodejs_eventloop_lag_*`, one window per scrape; the worst window is shown).',
    '',
    table(
      [
        'build (create → Ready)',
        'probes',
        '/healthz p50 / worst',
        'artifact GET p50 / worst',
        'main-loop delay p99 (worst window)',
        'main-loop delay max',
      ],
      [
        [
          ms(wide.buildMs),
          String(wide.probes.length),
          `${ms(percentile(wide.probes, 50))} / ${ms(worstProbe)}`,
          `${ms(percentile(wide.downloads, 50))} / ${ms(worstDownload)}`,
          ms(wide.loopP99Ms),
          ms(wide.loopMaxMs),
        ],
      ],
    ),
    '',
    `Peak RSS of the controller (sampled every 100 ms) while it built one space of ${large.units} units × ${large.unitMiB} MiB`,
    '(ConfigMaps of configuration-like lines) with the defaults: `--concurrent=4`, `--build-memory-limit=512Mi`.',
    '',
    table(
      ['space', 'RSS before', 'peak RSS', 'build (create → Ready)'],
      [[`${large.units} × ${large.unitMiB} MiB`, bytes(large.before), bytes(large.peak), ms(large.buildMs)]],
    ),
  ].join('\n');
  const targets: TargetResult[] = [
    {
      target: `main-loop delay p99 < ${LOOP_P99_TARGET_MS} ms during a ${keys.toLocaleString('en-US')}-key build`,
      verdict: wide.loopP99Ms < LOOP_P99_TARGET_MS ? 'PASS' : 'FAIL',
      detail: `${ms(wide.loopP99Ms)} (max ${ms(wide.loopMaxMs)})`,
    },
    {
      target: `/healthz and artifact GETs answer in < ${PROBE_TARGET_MS} ms during that build`,
      verdict: Math.max(worstProbe, worstDownload) < PROBE_TARGET_MS ? 'PASS' : 'FAIL',
      detail: `worst /healthz ${ms(worstProbe)}, worst artifact GET ${ms(worstDownload)}`,
    },
    {
      target: `a ${large.units} × ${large.unitMiB} MiB space builds under the shipped ${POD_LIMIT_MIB} MiB limit`,
      verdict: large.peak < POD_LIMIT_MIB * MiB ? 'PASS' : 'FAIL',
      detail: `peak RSS ${bytes(large.peak)}`,
    },
  ];
  return { title: '5. One tenant never stalls the controller', body, targets };
}
