// CLI start-up: wall and CPU time of `confighub-source --help`, `get -A` and `get -A -o json`, each a
// fresh process, next to `kubectl get` against the same Kubernetes API test server (in this process)
// and Node's own start-up. Runs are interleaved so that load from elsewhere falls on every command
// alike; the first runs warm the compile cache and kubectl's discovery cache, as a user's would be.
import { readFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readyRepository, startApiServer } from '../../test/cli/support.ts';
import { commandPath, exec } from '../lib/exec.ts';
import { ms, table } from '../lib/format.ts';
import { median, percentile } from '../lib/stats.ts';
import type { SectionContext, SectionResult, TargetResult } from './types.ts';

const BIN = fileURLToPath(new URL('../../bin/confighub-source.js', import.meta.url));
const HELP_TARGET_MS = 300;
const GET_TARGET_MS = 500;
const REPOSITORIES = 20;

interface Command {
  label: string;
  command: string;
  args: string[];
  /** What the output must show for a run to count. */
  check(stdout: string): boolean;
}

interface Run {
  wallMs: number;
  cpuMs: number;
}

/** One run under bash's `time`: wall, user and system time of the command alone; its stdout in `out`. */
async function timed(command: Command, out: string): Promise<Run & { stdout: string }> {
  const script = 'TIMEFORMAT="%R %U %S"; { time "$@" > "$OUT" 2>/dev/null; } 2>&1; echo "exit $?"';
  const { stdout } = await exec('bash', ['-c', script, 'bash', command.command, ...command.args], {
    env: { ...process.env, OUT: out },
    timeoutMs: 60_000,
  });
  const [times = '', status = ''] = stdout.trim().split('\n');
  const [real, user, sys] = times.split(' ').map(Number) as [number, number, number];
  if (status !== 'exit 0' || !Number.isFinite(real)) {
    throw new Error(`${command.label} failed: ${stdout.trim()}`);
  }
  return { wallMs: real * 1000, cpuMs: (user + sys) * 1000, stdout: await readFile(out, 'utf8') };
}

export async function runCliBench(ctx: SectionContext): Promise<SectionResult> {
  const runs = ctx.quick ? 7 : 15;
  const api = await startApiServer({ namespaces: ['team-a', 'team-b'] });
  try {
    for (let i = 0; i < REPOSITORIES; i++) api.server.seed(repository(i));
    const kubeconfig = ['--kubeconfig', api.kubeconfig];
    const rows = (stdout: string) => stdout.trim().split('\n').length - 1;
    const commands: Command[] = [
      { label: 'node -e 0 (Node start-up)', command: process.execPath, args: ['-e', '0'], check: () => true },
      {
        label: 'confighub-source --help',
        command: process.execPath,
        args: [BIN, '--help'],
        check: (s) => s.includes('Commands:'),
      },
      {
        label: 'confighub-source get -A',
        command: process.execPath,
        args: [BIN, 'get', '-A', ...kubeconfig],
        check: (s) => rows(s) === REPOSITORIES,
      },
      {
        label: 'confighub-source get -A -o json',
        command: process.execPath,
        args: [BIN, 'get', '-A', '-o', 'json', ...kubeconfig],
        check: (s) => JSON.parse(s).items.length === REPOSITORIES,
      },
    ];
    const kubectl = commandPath('kubectl');
    if (kubectl) {
      const cache = ['--cache-dir', join(ctx.workDir, 'kubectl-cache')];
      commands.push(
        {
          label: 'kubectl get confighubrepositories -A',
          command: kubectl,
          args: [...kubeconfig, ...cache, 'get', 'confighubrepositories', '-A'],
          check: (s) => rows(s) === REPOSITORIES,
        },
        {
          label: 'kubectl get confighubrepositories -A -o json',
          command: kubectl,
          args: [...kubeconfig, ...cache, 'get', 'confighubrepositories', '-A', '-o', 'json'],
          check: (s) => JSON.parse(s).items.length === REPOSITORIES,
        },
      );
    }
    ctx.log(`cli: ${commands.length} commands × ${runs} runs (after 2 warm-up runs each)`);
    const loadBefore = loadavg()[0]!;
    const results = new Map<string, Run[]>(commands.map((c) => [c.label, []]));
    for (let round = -2; round < runs; round++) {
      for (const command of commands) {
        const run = await timed(command, join(ctx.workDir, 'cli-output'));
        if (!command.check(run.stdout)) throw new Error(`${command.label} printed an unexpected result`);
        if (round >= 0) results.get(command.label)!.push(run);
      }
    }
    const loadAfter = loadavg()[0]!;
    const stat = (label: string, pick: (r: Run) => number, p: number) =>
      percentile(results.get(label)!.map(pick), p);
    const wall = (label: string) => median(results.get(label)!.map((r) => r.wallMs));
    const kubectlGet = kubectl ? wall('kubectl get confighubrepositories -A') : Number.NaN;
    const body = [
      `Each command ${runs} times as a fresh process (after 2 warm-up runs), interleaved, against the`,
      `Kubernetes API test server on 127.0.0.1 holding ${REPOSITORIES} ConfigHubRepositories in 2 namespaces.`,
      "Wall and CPU (user + system) time as bash's `time` reports them for the process alone; the API",
      'server runs in the benchmark process. kubectl uses a discovery cache of its own, warmed like ours.',
      `Load average (1 min): ${loadBefore.toFixed(2)} before, ${loadAfter.toFixed(2)} after.`,
      ...(kubectl ? [] : ['kubectl is not installed: its rows are missing.']),
      '',
      table(
        ['command', 'wall (median)', 'wall (p90)', 'CPU (median)', 'vs kubectl get (wall)'],
        commands.map((c) => [
          `\`${c.label}\``,
          ms(wall(c.label)),
          ms(stat(c.label, (r) => r.wallMs, 90)),
          ms(stat(c.label, (r) => r.cpuMs, 50)),
          Number.isFinite(kubectlGet) ? `${(wall(c.label) / kubectlGet).toFixed(2)}×` : 'n/a',
        ]),
      ),
    ].join('\n');
    const target = (what: string, label: string, limit: number): TargetResult => ({
      target: `${what} ≤ ${limit} ms (median wall)`,
      verdict: wall(label) <= limit ? 'PASS' : 'FAIL',
      detail: `${ms(wall(label))} (Node alone ${ms(wall('node -e 0 (Node start-up)'))}${
        Number.isFinite(kubectlGet) ? `, kubectl get ${ms(kubectlGet)}` : ''
      }; load ${loadBefore.toFixed(2)})`,
    });
    return {
      title: '6. CLI start-up',
      body,
      targets: [
        target('`confighub-source --help`', 'confighub-source --help', HELP_TARGET_MS),
        target('`confighub-source get -A`', 'confighub-source get -A', GET_TARGET_MS),
      ],
    };
  } finally {
    await api.close();
  }
}

function repository(i: number) {
  const hex = i.toString(16).padStart(64, '0');
  return readyRepository(
    i % 2 ? 'team-a' : 'team-b',
    `repo-${String(i).padStart(2, '0')}`,
    `head@sha256:${hex}`,
  );
}
