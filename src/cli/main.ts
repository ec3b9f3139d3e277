// `confighub-source` command-line entry: dispatches to one module per subcommand, each loaded only
// when invoked, so `--help` and a usage error load no more than this file and the command table.
// First, before any command loads client-node (see client-node-slim.ts).
import '../kube/client-node-slim.ts';
import { enableCompileCache } from 'node:module';
import { commands } from './commands.ts';
import { usageMessage } from './errors.ts';

// V8's code cache (and the type-stripped source) kept between runs, as npm and tsc do; bin/ enables it
// before this file loads. NODE_DISABLE_COMPILE_CACHE=1 turns it off.
enableCompileCache?.();

const USAGE = `confighub-source — a Flux source for ConfigHub

Usage: confighub-source <command> [flags]

Commands:
${Object.entries(commands)
  .map(([name, command]) => `  ${name.padEnd(12)} ${command.summary}`)
  .join('\n')}

Run 'confighub-source <command> --help' for the flags of a command.

Exit codes: 0 success, 1 failure (drift: drift found), 2 usage error (bad command, flags or arguments).
`;

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }
  if (name === undefined) {
    process.stderr.write(USAGE);
    return 2;
  }
  const command = Object.hasOwn(commands, name) ? commands[name] : undefined;
  if (command === undefined) {
    process.stderr.write(usageMessage('confighub-source', USAGE, `unknown command "${name}"`));
    return 2;
  }
  const { run } = await command.load();
  return run(rest, { stdout: process.stdout, stderr: process.stderr, env: process.env });
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`✗ ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
