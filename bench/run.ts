// `npm run bench [-- --quick] [-- --only=build,serve,scale,memory,engine,cli] [-- --out=FILE]`
//
// Runs the benchmarks and writes bench/results.md: tables of medians, ratios against
// reference tools, the machine description and one PASS/FAIL line per target. Every byte of traffic
// goes to 127.0.0.1. Missing reference tools (nginx, wrk) are installed from Debian packages when
// possible; otherwise the section says what it skipped and why.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { buildImageEntry, envPairs, envPrefix } from './lib/image-entry.ts';
import { describeMachine } from './lib/machine.ts';
import { runBuildBench } from './sections/build.ts';
import { runCliBench } from './sections/cli.ts';
import { runEngineBench } from './sections/engine.ts';
import { runMemoryBench } from './sections/memory.ts';
import { runScaleBench } from './sections/scale.ts';
import { runServeBench } from './sections/serve.ts';
import type { SectionContext, SectionResult } from './sections/types.ts';

const SECTIONS = {
  build: runBuildBench,
  serve: runServeBench,
  scale: runScaleBench,
  memory: runMemoryBench,
  engine: runEngineBench,
  cli: runCliBench,
} as const;
type SectionName = keyof typeof SECTIONS;

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    out: { type: 'string' },
    note: { type: 'string' },
    scale: { type: 'string' },
    'node-args': { type: 'string' },
    'node-env': { type: 'string' },
    'heap-snapshot': { type: 'string' },
    'keep-heap-snapshot': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
  strict: true,
});
if (values.help) {
  process.stdout.write(
    'Usage: npm run bench -- [--quick] [--only=build,serve,scale,memory,engine,cli] [--out=FILE] [--note=TEXT]\n' +
      '                        [--scale=1,100,1000,5000] [--node-args="--max-semi-space-size=16"]\n' +
      '                        [--node-env="MALLOC_ARENA_MAX=2"]\n' +
      '                        [--heap-snapshot=1000|none] [--keep-heap-snapshot=DIR]\n',
  );
  process.exit(0);
}
const names = (values.only?.split(',') ?? Object.keys(SECTIONS)).map((name) => name.trim());
for (const name of names) {
  if (!(name in SECTIONS)) {
    process.stderr.write(`unknown section '${name}' (known: ${Object.keys(SECTIONS).join(', ')})\n`);
    process.exit(2);
  }
}
// Quick runs are for development: their file stays out of the tree unless asked for.
const out =
  values.out ??
  (values.quick
    ? join(tmpdir(), 'confighub-bench-results-quick.md')
    : fileURLToPath(new URL('results.md', import.meta.url)));

const started = Date.now();
const log = (message: string) =>
  process.stderr.write(`[bench +${((Date.now() - started) / 1000).toFixed(0)}s] ${message}\n`);
const machineBefore = await describeMachine();
const workDir = await mkdtemp(join(tmpdir(), 'confighub-bench-'));
function counts(flag: string, value: string | undefined): number[] | undefined {
  if (value === undefined) return undefined;
  if (value === 'none') return [];
  const list = value.split(',').map((n) => Number(n.trim()));
  if (list.some((n) => !Number.isInteger(n) || n < 1)) {
    process.stderr.write(`--${flag} takes positive integers, e.g. --${flag}=1,100,1000\n`);
    process.exit(2);
  }
  return list;
}
const scaleLevels = counts('scale', values.scale);
const heapSnapshotLevels = counts('heap-snapshot', values['heap-snapshot']);
const image = buildImageEntry(log);
const ctx: SectionContext = {
  quick: values.quick,
  workDir,
  log,
  controllerScript: image.script,
  // The image's own flags unless an experiment names others.
  controllerNodeArgs: values['node-args']?.split(' ').filter(Boolean) ?? image.nodeArgs,
  controllerEnv: values['node-env'] === undefined ? image.env : envPairs(values['node-env']),
  scaleLevels,
  heapSnapshotLevels,
  keepHeapSnapshotDir: values['keep-heap-snapshot'],
};
const results: SectionResult[] = [];
const cpus = availableParallelism();
try {
  for (const name of names as SectionName[]) {
    const sectionStarted = Date.now();
    log(`section ${name}`);
    try {
      results.push(await SECTIONS[name](ctx));
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      log(`section ${name} failed: ${message}`);
      results.push({
        title: name,
        body: `The section failed: ${message}`,
        targets: [{ target: name, verdict: 'FAIL', detail: `benchmark error: ${message}` }],
      });
    }
    log(`section ${name} took ${((Date.now() - sectionStarted) / 1000).toFixed(0)} s`);
    // A section that pins this process to some CPUs must give them back: the controllers started later
    // inherit the affinity, and would otherwise be measured on fewer cores than the machine has.
    if (availableParallelism() !== cpus) {
      throw new Error(
        `section ${name} left this process on ${availableParallelism()} of ${cpus} CPUs; the results that follow would be wrong`,
      );
    }
  }
} finally {
  await rm(workDir, { recursive: true, force: true });
}

const machine = machineBefore;
const targets = results.flatMap((r) => r.targets);
const lines = [
  '# Benchmarks',
  '',
  `Generated by \`npm run bench${values.quick ? ' -- --quick' : ''}\` on ${new Date().toISOString()} in ${((Date.now() - started) / 60_000).toFixed(1)} min.`,
  '',
  '## Machine',
  '',
  `- nproc: ${machine.nproc}; CPU: ${machine.cpuModel}`,
  `- memory: ${machine.memory}; kernel: ${machine.kernel}`,
  `- Node: ${machine.node}`,
  `- load average (1/5/15 min) before the run: ${machine.loadAverage}; after: ${loadavg()
    .map((v) => v.toFixed(2))
    .join(' / ')}`,
  `- tools: ${machine.tools.join('; ')}`,
  ...(values.note ? [`- ${values.note}`] : []),
  `- controller started as the image starts it: \`${envPrefix(ctx.controllerEnv)}node ${[...ctx.controllerNodeArgs, relative(process.cwd(), ctx.controllerScript)].join(' ')}\`${values['node-args'] === undefined ? " (the Dockerfile's ENTRYPOINT, compiled)" : ' (node flags from --node-args)'}${values['node-env'] === undefined ? '' : ' (environment from --node-env)'}`,
  '',
  '## Targets',
  '',
  ...targets.map((t) => `- **${t.verdict}** ${t.target}: ${t.detail}`),
  '',
  ...results.flatMap((r) => [`## ${r.title}`, '', r.body, '']),
];
await writeFile(out, lines.join('\n'));
log(`wrote ${out}`);
