// Memory growth under constant churn. Repositories at a 1 s interval stand in for hours at
// a 1m interval; units change every second (so artifacts are rebuilt, stored and collected) and
// repositories are deleted and created every few seconds. RSS must not grow beyond noise.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { prng } from '../../test/support/prng.ts';
import { startBenchStack } from '../lib/bench-stack.ts';
import { spaceSlug, unitData, unitSlug } from '../lib/fixture.ts';
import { bytes, MiB, num, table } from '../lib/format.ts';
import { median, slope } from '../lib/stats.ts';
import type { SectionContext, SectionResult } from './types.ts';

const UNITS_PER_SPACE = 20;
/** Growth tolerated as noise: the larger of one GC cycle of a busy heap and 5% of the level. */
const MIN_NOISE_BYTES = 8 * MiB;
const NOISE_SHARE = 0.05;

export async function runMemoryBench(ctx: SectionContext): Promise<SectionResult> {
  const repositories = 20;
  const seconds = ctx.quick ? 90 : 180;
  // V8 grows its heap for the first minute or so of churn before it settles; that is not a leak.
  const warmUpSeconds = seconds / 3;
  const workDir = join(ctx.workDir, 'memory');
  await mkdir(workDir, { recursive: true });
  ctx.log(`memory: ${repositories} repositories at a 1s interval for ${seconds} s with churn`);
  const stack = await startBenchStack({
    spaces: repositories,
    unitsPerSpace: UNITS_PER_SPACE,
    workDir,
    controllerArgs: ['--concurrent=10', '--artifact-retention-ttl=2s'],
    nodeArgs: ctx.controllerNodeArgs,
    env: ctx.controllerEnv,
    script: ctx.controllerScript,
  });
  const random = prng(7);
  let unitChanges = 0;
  let created = repositories;
  let deleted = 0;
  let polls = 0;
  try {
    for (let i = 0; i < repositories; i++) stack.createRepository(i, i, '1s');
    await stack.waitForReadyCount(repositories, 60_000);
    const listingsBefore = await stack.controller.listings();
    const started = performance.now();
    let tick = 0;
    while (performance.now() - started < seconds * 1000) {
      tick++;
      for (let k = 0; k < 2; k++) {
        const space = Math.floor(random() * repositories);
        stack.local.emulator.setUnitData(
          spaceSlug(space),
          unitSlug(Math.floor(random() * UNITS_PER_SPACE)),
          unitData(space, 0, tick * 2 + k),
        );
        unitChanges++;
      }
      if (tick % 5 === 0) {
        stack.deleteRepository(deleted);
        deleted++;
        stack.createRepository(created, created % repositories, '1s');
        created++;
      }
      // The doubles keep every request: drop them, they are not what is measured here.
      stack.clearRequestLogs();
      await sleep(1000);
    }
    polls = (await stack.controller.listings()) - listingsBefore;
    const samples = stack.sampler.since(started);
    const warm = samples.filter((s) => s.atMs - started >= warmUpSeconds * 1000);
    const third = Math.max(1, Math.floor(warm.length / 3));
    const first = warm.slice(0, third).map((s) => s.rssBytes);
    const last = warm.slice(-third).map((s) => s.rssBytes);
    const firstMedian = median(first);
    const lastMedian = median(last);
    const growth = lastMedian - firstMedian;
    const noise = Math.max(MIN_NOISE_BYTES, NOISE_SHARE * firstMedian);
    const trend = (points: typeof warm) =>
      slope(points.map((s) => ({ x: (s.atMs - started) / 60_000, y: s.rssBytes }))) / MiB;
    const perMinute = trend(warm);
    const lastHalfPerMinute = trend(warm.slice(Math.floor(warm.length / 2)));
    const simulatedHours = polls / (repositories * 60);
    const body = [
      `${repositories} repositories (20 units each) at \`interval: 1s\`, \`--concurrent=10\`,`,
      `\`--artifact-retention-ttl=2s\`, for ${seconds} s: every second 2 unit changes, every 5 s one`,
      'repository deleted and a new one created. RSS of the controller process sampled every second; the',
      `first ${num(warmUpSeconds, 0)} s are warm-up; growth compares the medians of the first and last thirds of the rest, noise`,
      `is the larger of ${bytes(MIN_NOISE_BYTES)} and ${NOISE_SHARE * 100}% of the first third's median. The trend is a`,
      'least-squares slope over the measured samples and over their second half (≈ 0 once RSS has settled).',
      `${polls} polls (ConfigHub listings) ran, about ${num(simulatedHours, 1)} h of polls per repository at a 1m interval.`,
      '',
      table(
        [
          'first third (median)',
          'last third (median)',
          'growth',
          'noise bound',
          'trend',
          'peak',
          'unit changes',
          'repos created / deleted',
        ],
        [
          [
            bytes(firstMedian),
            bytes(lastMedian),
            bytes(growth),
            bytes(noise),
            `${num(perMinute, 2)} / ${num(lastHalfPerMinute, 2)} MiB/min`,
            bytes(Math.max(...samples.map((s) => s.rssBytes))),
            String(unitChanges),
            `${created} / ${deleted}`,
          ],
        ],
      ),
    ].join('\n');
    return {
      title: '4. Memory growth',
      body,
      targets: [
        {
          target: 'no RSS growth beyond noise under churn',
          verdict: growth <= noise ? 'PASS' : 'FAIL',
          detail: `${bytes(firstMedian)} → ${bytes(lastMedian)} (${growth >= 0 ? '+' : ''}${bytes(growth)}, bound ${bytes(noise)}) over ~${num(simulatedHours, 1)} simulated h`,
        },
      ],
    };
  } finally {
    await stack.stop();
  }
}
