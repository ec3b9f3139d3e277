// `npm run emulator` (`node testkit/cli.ts emulator`): runs the ConfigHub emulator as a standalone server for local experiments.
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { parseDuration } from '../../src/api/duration.ts';
import type { CommandIO } from '../../src/cli/commands.ts';
import { DEFAULT_FIXTURE_PATH, FixtureError, startEmulator } from '../confighub-emulator/index.ts';

const HELP = `Usage: npm run emulator -- [--host H] [--port N] [--fixture FILE] [--token-ttl 1h]

Serves an in-memory ConfigHub API (a test double) until interrupted (SIGINT/SIGTERM).

Flags:
  --host H          interface to listen on (default 127.0.0.1)
  --port N          port to listen on (default 0: any free port)
  --fixture FILE    fixture YAML to load (default: the bundled web-app fixture)
  --token-ttl D     lifetime of tokens issued by POST /auth/worker, e.g. 30s, 15m, 1h (default 1h)
  -h, --help        show this help

On start it prints one JSON line on stdout:
  {"url": …, "fixture": <path>, "token": …, "restrictedToken": …, "workerID": …, "workerSecret": …, "orgID": …}
The credentials are the fixture's test-only values; they are printed on purpose so clients can use them.
`;

export interface RunOptions {
  /** Stops the server when aborted (in addition to SIGINT/SIGTERM). */
  signal?: AbortSignal;
}

class UsageError extends Error {
  override readonly name = 'UsageError';
}

function parse(argv: string[]) {
  const { values } = parseArgs({
    args: argv,
    options: {
      host: { type: 'string' },
      port: { type: 'string' },
      fixture: { type: 'string' },
      'token-ttl': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: false,
  });
  let port: number | undefined;
  if (values.port !== undefined) {
    if (!/^[0-9]+$/.test(values.port) || Number(values.port) > 65535) {
      throw new UsageError(`--port must be an integer between 0 and 65535, not '${values.port}'`);
    }
    port = Number(values.port);
  }
  let tokenTtlSeconds: number | undefined;
  if (values['token-ttl'] !== undefined) {
    const ms = parseDuration(values['token-ttl']);
    if (ms === undefined || ms < 1000) {
      throw new UsageError(
        `--token-ttl must be a duration of at least 1s (e.g. 30s, 15m, 1h), not '${values['token-ttl']}'`,
      );
    }
    tokenTtlSeconds = Math.round(ms / 1000);
  }
  return { help: values.help === true, host: values.host, port, fixture: values.fixture, tokenTtlSeconds };
}

export async function run(argv: string[], io: CommandIO, options: RunOptions = {}): Promise<number> {
  let args: ReturnType<typeof parse>;
  try {
    args = parse(argv);
  } catch (error) {
    io.stderr.write(`emulator: ${(error as Error).message}\n\n${HELP}`);
    return 2;
  }
  if (args.help) {
    io.stdout.write(HELP);
    return 0;
  }
  const fixturePath = args.fixture === undefined ? DEFAULT_FIXTURE_PATH : resolve(args.fixture);
  let emulator: Awaited<ReturnType<typeof startEmulator>>;
  try {
    emulator = await startEmulator({
      fixture: fixturePath,
      ...(args.host === undefined ? {} : { host: args.host }),
      ...(args.port === undefined ? {} : { port: args.port }),
      ...(args.tokenTtlSeconds === undefined ? {} : { tokenTtlSeconds: args.tokenTtlSeconds }),
    });
  } catch (error) {
    const message =
      error instanceof FixtureError ? error.message : `cannot start: ${(error as Error).message}`;
    io.stderr.write(`emulator: ${message}\n`);
    return 1;
  }
  const { token, restrictedToken, workerID, workerSecret, orgID } = emulator.fixture;
  io.stdout.write(
    `${JSON.stringify({ url: emulator.url, fixture: fixturePath, token, restrictedToken, workerID, workerSecret, orgID })}\n`,
  );
  io.stderr.write(`ConfigHub emulator listening on ${emulator.url} (API under /api); stop with Ctrl-C\n`);

  await new Promise<void>((done) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      options.signal?.removeEventListener('abort', stop);
      done();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    if (options.signal?.aborted) stop();
    else options.signal?.addEventListener('abort', stop, { once: true });
  });
  await emulator.close();
  io.stderr.write('ConfigHub emulator stopped\n');
  return 0;
}
