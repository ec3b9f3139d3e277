// Entry of the local tools that ship with the clone, not with the product: `npm start` (the demo) and
// `npm run emulator`. They are the test kit's, so the published CLI and the image never load them.
import '../src/kube/client-node-slim.ts';
import type { CommandModule } from '../src/cli/commands.ts';
import { errorMessage } from '../src/util/errors.ts';

const tools: Record<string, { summary: string; load(): Promise<CommandModule> }> = {
  demo: {
    summary: 'Run the local demo: emulator, test API server, controller and samples.',
    load: () => import('./demo/demo.ts'),
  },
  emulator: {
    summary: 'Serve a local ConfigHub emulator with a fixture space (for tests and experiments).',
    load: () => import('./demo/emulator.ts'),
  },
};

const USAGE = `Local tools of a confighub-source-controller clone (npm start, npm run emulator)

Usage: node testkit/cli.ts <tool> [flags]

Tools:
${Object.entries(tools)
  .map(([name, tool]) => `  ${name.padEnd(12)} ${tool.summary}`)
  .join('\n')}
`;

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  const tool = name === undefined ? undefined : tools[name];
  if (tool === undefined) {
    const help = name === '--help' || name === '-h';
    (help ? process.stdout : process.stderr).write(
      help || name === undefined ? USAGE : `unknown tool '${name}'\n\n${USAGE}`,
    );
    return help ? 0 : 2;
  }
  const { run } = await tool.load();
  return run(rest, { stdout: process.stdout, stderr: process.stderr, env: process.env });
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`error: ${errorMessage(error)}\n`);
    process.exitCode = 1;
  },
);
