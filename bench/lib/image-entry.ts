// The controller as the image runs it: the compiled entry (dist/main.js, built here with the project's
// own build script) with the node flags of the Dockerfile's ENTRYPOINT, so what the benchmark measures
// (start-up memory, heap sizing) is what a cluster gets — not the sources under type stripping.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface ImageEntry {
  /** Flags for node before the script, from the Dockerfile. */
  nodeArgs: string[];
  /** Absolute path of the compiled controller entry. */
  script: string;
  /** Environment the image sets. */
  env: Record<string, string>;
}

/**
 * Node flags and script of the Dockerfile's exec-form ENTRYPOINT (`["node", …flags, "dist/main.js"]`),
 * and the environment its final stage sets (`ENV KEY=value …`; the `ENV KEY value` form is not used).
 */
export function dockerfileEntrypoint(dockerfile = readFileSync(`${ROOT}Dockerfile`, 'utf8')): {
  nodeArgs: string[];
  script: string;
  env: Record<string, string>;
} {
  const lines = dockerfile.split('\n');
  const line = lines.find((l) => l.startsWith('ENTRYPOINT '));
  if (line === undefined) throw new Error('the Dockerfile has no ENTRYPOINT');
  const argv = JSON.parse(line.slice('ENTRYPOINT '.length)) as string[];
  if (argv[0] !== 'node' || argv.length < 2) throw new Error(`unexpected ENTRYPOINT ${line}`);
  const finalStage = lines.slice(lines.findLastIndex((l) => l.startsWith('FROM ')) + 1);
  const env: Record<string, string> = {};
  for (const envLine of finalStage.filter((l) => l.startsWith('ENV '))) {
    Object.assign(env, envPairs(envLine.slice(4)));
  }
  return { nodeArgs: argv.slice(1, -1), script: argv[argv.length - 1]!, env };
}

/** `KEY=value` pairs separated by spaces, as in `ENV A=1 B=2` or `--node-env="A=1 B=2"`. */
export function envPairs(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [, key, value] of text.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=(\S*)/g)) env[key!] = value!;
  return env;
}

/** The environment as a shell command line writes it before the command: `A=1 B=2 ` ('' when empty). */
export function envPrefix(env: Record<string, string>): string {
  return Object.entries(env)
    .map(([key, value]) => `${key}=${value} `)
    .join('');
}

/** Compiles the product (`npm run build`'s script) and returns how the image starts it. */
export function buildImageEntry(log: (message: string) => void): ImageEntry {
  log('compiling the controller as the image does (scripts/build.ts → dist/)');
  execFileSync(process.execPath, [`${ROOT}scripts/build.ts`], { cwd: ROOT, stdio: 'ignore' });
  const { nodeArgs, script, env } = dockerfileEntrypoint();
  return { nodeArgs, script: `${ROOT}${script}`, env };
}
