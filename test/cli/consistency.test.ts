// One style for every command: an unknown flag, a bad duration, a missing object and the exit codes
// each --help documents read the same whichever command is run.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as build from '../../src/cli/build.ts';
import type { CommandModule } from '../../src/cli/commands.ts';
import * as controller from '../../src/cli/controller.ts';
import * as drift from '../../src/cli/drift.ts';
import * as events from '../../src/cli/events.ts';
import * as get from '../../src/cli/get.ts';
import * as reconcile from '../../src/cli/reconcile.ts';
import * as resume from '../../src/cli/resume.ts';
import * as suspend from '../../src/cli/suspend.ts';
import { cli, startApiServer } from './support.ts';

const CLUSTER: [string, CommandModule][] = [
  ['get', get],
  ['events', events],
  ['drift', drift],
  ['reconcile', reconcile],
  ['suspend', suspend],
  ['resume', resume],
];
const ALL: [string, CommandModule][] = [...CLUSTER, ['build', build], ['controller', controller]];

let api: Awaited<ReturnType<typeof startApiServer>>;
let kubeconfig: string;

beforeAll(async () => {
  api = await startApiServer();
  kubeconfig = api.kubeconfig;
});
afterAll(async () => {
  await api?.close();
});

/** The lines of a usage error: the message, the usage lines of the help, the hint. */
function expectUsageError(name: string, stderr: string, message: string): void {
  const lines = stderr.trimEnd().split('\n');
  expect(lines[0]).toBe(`${name}: ${message}`);
  expect(lines[1]).toMatch(new RegExp(`^Usage: confighub-source ${name}\\b`));
  expect(lines.at(-1)).toBe(`Run 'confighub-source ${name} --help' for more.`);
  // Short: the usage lines only, not the whole help.
  expect(stderr).not.toContain('Flags:');
}

describe('every command', () => {
  it.each(ALL)('%s: an unknown flag exits 2 with `<command>: unknown flag`', async (name, command) => {
    const { code, stdout, stderr } = await cli(command, ['--bogus']);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expectUsageError(name, stderr, 'unknown flag: --bogus');
  });

  it.each(ALL)('%s: a flag without its value exits 2 in the same words', async (name, command) => {
    const flag = name === 'build' ? '--server' : name === 'controller' ? '--concurrent' : '--kubeconfig';
    const { code, stderr } = await cli(command, [flag]);
    expect(code).toBe(2);
    expectUsageError(name, stderr, `flag needs an argument: ${flag}`);
  });

  it.each(ALL)('%s: --help documents the exit codes', async (_name, command) => {
    const { code, stdout } = await cli(command, ['--help']);
    expect(code).toBe(0);
    const exitCodes = stdout.slice(stdout.indexOf('Exit codes:')).replace(/\s+/g, ' ');
    expect(exitCodes).toMatch(/^Exit codes: 0 .+, 1 .+, 2 usage error/);
  });
});

describe('durations', () => {
  const buildFlags = ['--server', 'http://127.0.0.1:1', '--space', 's', '--token-file', 'f', '--out', 'o'];
  const cases: [string, CommandModule, string[], string][] = [
    ['reconcile', reconcile, ['shop'], 'timeout'],
    ['resume', resume, ['shop'], 'timeout'],
    ['build', build, buildFlags, 'timeout'],
    ['controller', controller, [], 'artifact-retention-ttl'],
  ];

  it.each(cases)('%s takes no duration Flux would not', async (name, command, argv, flag) => {
    const { code, stderr } = await cli(command, [...argv, `--${flag}`, '5 minutes']);
    expect(code).toBe(2);
    expectUsageError(
      name,
      stderr,
      `invalid value "5 minutes" for --${flag}: want a duration such as 90s, 1m30s or 1h`,
    );
  });

  it.each([
    ['reconcile', reconcile],
    ['resume', resume],
  ] as const)(
    '%s takes Flux durations (1m30s, 90s) and reaches the cluster with them',
    async (_name, command) => {
      for (const timeout of ['1m30s', '90s', '1.5h']) {
        const { code, stderr } = await cli(command, [
          '--kubeconfig',
          kubeconfig,
          'nope',
          '--timeout',
          timeout,
        ]);
        expect({ code, stderr }).toEqual({
          code: 1,
          stderr:
            '✗ Error from server (NotFound): confighubrepositories.source.confighub.com "nope" not found\n',
        });
      }
    },
  );
});

describe('a missing ConfigHubRepository', () => {
  it.each(CLUSTER)('%s says so as kubectl does and exits 1', async (_name, command) => {
    const { code, stdout, stderr } = await cli(command, ['--kubeconfig', kubeconfig, 'nope']);
    expect({ code, stdout, stderr }).toEqual({
      code: 1,
      stdout: '',
      stderr: '✗ Error from server (NotFound): confighubrepositories.source.confighub.com "nope" not found\n',
    });
  });
});
