// `confighub-source` command-line entry: dispatches to one module per subcommand.
// First, before any command loads client-node (see client-node-slim.ts).
import '../kube/client-node-slim.ts';
import { commands } from './commands.ts';

const USAGE = `confighub-source — a Flux source for ConfigHub

Usage: confighub-source <command> [flags]

Commands:
${Object.entries(commands)
  .map(([name, command]) => `  ${name.padEnd(12)} ${command.summary}`)
  .join('\n')}

Run 'confighub-source <command> --help' for the flags of a command.
`;

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(USAGE);
    return name === undefined ? 2 : 0;
  }
  const command = commands[name];
  if (command === undefined) {
    process.stderr.write(`unknown command '${name}'\n\n${USAGE}`);
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
    process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
