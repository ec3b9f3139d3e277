// `confighub-source build`: fetches a ConfigHub space once and writes the artifact the controller would
// publish, so users can inspect or diff it (`tar -xzf`, `kubectl kustomize`) without a cluster.
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, rename, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { DEFAULT_TIMEOUT, DEFAULT_TOOLCHAINS } from '../api/constants.ts';
import { type Credentials, checkCredentials } from '../confighub/auth.ts';
import { parseRefSelector, type RefSelector } from '../confighub/ref.ts';
import { timeoutSignal } from '../util/timers.ts';
import type { CommandIO } from './commands.ts';
import { CommandError, runCommand, UsageError } from './errors.ts';
import { parseDurationFlag, parseFlags } from './flags.ts';

const HELP = `Usage: confighub-source build --server URL --space SLUG
         (--token-file FILE | --worker-id ID --worker-secret-file FILE)
         [--where EXPR] [--ref head|tag:NAME|release:latest|release:N]
         [--toolchain TYPE ...] [--timeout 60s] --out DIR

Fetches the units of a ConfigHub space and writes the artifact the controller would publish
as DIR/<sha256>.tar.gz. Prints one JSON line: {"revision", "digest", "size", "path", "units"}.

Flags:
  --server URL               ConfigHub server, e.g. https://hub.confighub.com
  --space SLUG               space slug or UUID
  --token-file FILE          file holding a ConfigHub bearer token
  --worker-id ID             worker ID (with --worker-secret-file)
  --worker-secret-file FILE  file holding the worker secret
  --where EXPR               ConfigHub filter on units, e.g. "Labels.app = 'web'"
  --ref REF                  head (default), tag:NAME, release:latest or release:N
  --toolchain TYPE           toolchain to include; repeatable (default Kubernetes/YAML)
  --timeout DURATION         bound on the whole fetch, e.g. 90s or 1m30s (default ${DEFAULT_TIMEOUT})
  --out DIR                  directory to write the artifact into (created if missing)
  -h, --help                 show this help

Exit codes: 0 success, 1 ConfigHub or build failure, 2 usage error (bad flags or arguments).
`;

/** The controller's default --build-memory-limit: the CLI builds one space at a time within it. */
const BUILD_MEMORY_BYTES = 512 * 2 ** 20;

interface BuildArgs {
  server: string;
  space: string;
  credentials: { kind: 'token'; file: string } | { kind: 'worker'; workerID: string; file: string };
  where: string | undefined;
  ref: RefSelector;
  toolchains: string[];
  timeoutMs: number;
  out: string;
}

function required(value: string | undefined, flag: string): string {
  if (value === undefined || value.trim() === '') throw new UsageError(`${flag} is required`);
  return value;
}

function parse(argv: string[]): BuildArgs | 'help' {
  const { values, positionals } = parseFlags(argv, {
    server: { type: 'string' },
    space: { type: 'string' },
    'token-file': { type: 'string' },
    'worker-id': { type: 'string' },
    'worker-secret-file': { type: 'string' },
    where: { type: 'string' },
    ref: { type: 'string' },
    toolchain: { type: 'string', multiple: true },
    timeout: { type: 'string', default: DEFAULT_TIMEOUT },
    out: { type: 'string' },
  });
  if (values.help) return 'help';
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);

  const tokenFile = values['token-file'];
  const workerID = values['worker-id'];
  const secretFile = values['worker-secret-file'];
  let credentials: BuildArgs['credentials'];
  if (tokenFile !== undefined) {
    if (workerID !== undefined || secretFile !== undefined) {
      throw new UsageError('use either --token-file or --worker-id with --worker-secret-file, not both');
    }
    credentials = { kind: 'token', file: tokenFile };
  } else if (workerID !== undefined && secretFile !== undefined) {
    credentials = { kind: 'worker', workerID, file: secretFile };
  } else {
    throw new UsageError('credentials are required: --token-file, or --worker-id with --worker-secret-file');
  }

  const timeoutMs = parseDurationFlag('timeout', values.timeout);

  let ref: RefSelector = { mode: 'head' };
  if (values.ref !== undefined) {
    try {
      ref = parseRefSelector(values.ref);
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
  }

  return {
    server: required(values.server, '--server'),
    space: required(values.space, '--space'),
    credentials,
    where: values.where,
    ref,
    toolchains: values.toolchain ?? [...DEFAULT_TOOLCHAINS],
    timeoutMs,
    out: required(values.out, '--out'),
  };
}

async function readSecretFile(path: string, what: string): Promise<string> {
  try {
    return (await readFile(path, 'utf8')).trim();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new UsageError(`cannot read ${what} file ${path}: ${code}`);
  }
}

async function loadCredentials(args: BuildArgs['credentials']): Promise<Credentials> {
  const credentials: Credentials =
    args.kind === 'token'
      ? { kind: 'token', token: await readSecretFile(args.file, 'token') }
      : {
          kind: 'worker',
          workerID: args.workerID,
          workerSecret: await readSecretFile(args.file, 'worker secret'),
        };
  try {
    return checkCredentials(credentials);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

export async function run(argv: string[], io: CommandIO): Promise<number> {
  return runCommand(io, { name: 'build', help: HELP }, async () => {
    const args = parse(argv);
    if (args === 'help') {
      io.stdout.write(HELP);
      return 0;
    }
    const credentials = await loadCredentials(args.credentials);
    // The client and the build pipeline load once the arguments are known to be usable.
    const [{ ConfigHubClient }, artifact, { fetchAndBuild }] = await Promise.all([
      import('../confighub/client.ts'),
      import('../artifact/index.ts'),
      import('../controller/artifact-pipeline.ts'),
    ]);
    let client: InstanceType<typeof ConfigHubClient>;
    try {
      client = new ConfigHubClient({ server: args.server, credentials, timeoutMs: args.timeoutMs });
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
    const engine = artifact.createBuildEngine({ memoryLimitBytes: BUILD_MEMORY_BYTES, workers: 1 });
    let temp: string | undefined;
    try {
      const listing = await client.list(
        { space: args.space, where: args.where, ref: args.ref, toolchains: args.toolchains },
        timeoutSignal(args.timeoutMs),
      );
      if (listing.units.length === 0) {
        // As the controller: an empty artifact would make Flux prune everything it applied.
        throw new CommandError(
          `no unit of space '${listing.spaceSlug}' (${listing.refId}) matches the selection` +
            `${args.where === undefined ? '' : ` (where: ${args.where})`} and toolchains ${args.toolchains.join(', ')}: ` +
            'an empty artifact would make Flux prune everything it applied (NoUnitsSelected)',
        );
      }
      const out = resolve(args.out);
      await mkdir(out, { recursive: true });
      temp = join(out, `.build-${randomBytes(6).toString('hex')}.tmp`);
      const built = await fetchAndBuild(engine, {
        listing,
        fetch: (l, options) => client.fetch(l, options),
        toolchains: args.toolchains,
        timeoutMs: args.timeoutMs,
        timeoutName: '--timeout',
        target: temp,
      });
      const path = join(out, `${built.hex}.tar.gz`);
      await chmod(temp, 0o644);
      await rename(temp, path);
      temp = undefined;
      const digest = `sha256:${built.hex}`;
      io.stdout.write(
        `${JSON.stringify({ revision: built.revision, digest, size: built.size, path, units: built.units })}\n`,
      );
      return 0;
    } catch (error) {
      // ConfigHub and build failures carry a reason code, as the controller's conditions do.
      const reason = (error as { reason?: unknown } | null)?.reason;
      if (typeof reason === 'string' && error instanceof Error) {
        throw new CommandError(`${error.message} (${reason})`);
      }
      throw error;
    } finally {
      if (temp !== undefined) await rm(temp, { force: true });
      await engine.close();
      await client.close();
    }
  });
}
