// The npm client, run the way a user runs it: on the project's Node 24 (first on PATH, so npm and every
// `#!/usr/bin/env node` script use it), offline-first from the user's npm cache.
import { execFile, execFileSync } from 'node:child_process';
import { dirname } from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/** PATH with the Node that runs the tests first. */
export const NODE_PATH_ENV = `${dirname(process.execPath)}:${process.env['PATH'] ?? ''}`;

const KEEP = new Set(['npm_config_cache', 'npm_config_registry', 'npm_config_userconfig']);

export function npmEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, PATH: NODE_PATH_ENV, ...extra };
  // What npm passes to scripts (when the tests run under `npm test`) must not leak into these runs; where
  // the cache and the registry are stays as the user set it.
  for (const key of Object.keys(env)) if (key.startsWith('npm_') && !KEEP.has(key)) delete env[key];
  env['npm_config_update_notifier'] = 'false';
  return env;
}

export function npmAvailable(): boolean {
  try {
    execFileSync('npm', ['--version'], { stdio: 'ignore', env: npmEnv() });
    return true;
  } catch {
    return false;
  }
}

export interface NpmResult {
  stdout: string;
  stderr: string;
}

/** Errors that mean "the registry (or its cached copy) is not reachable here", not a broken package. */
const UNREACHABLE =
  /ENOTCACHED|ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENETUNREACH|E(?:4\d\d|5\d\d) .*registry/;

export class RegistryUnavailable extends Error {
  override readonly name = 'RegistryUnavailable';
}

/** Runs npm; a failure that only says the registry is out of reach becomes RegistryUnavailable. */
export async function npm(args: string[], cwd: string, timeoutMs = 90_000): Promise<NpmResult> {
  try {
    const { stdout, stderr } = await execFileAsync('npm', args, {
      cwd,
      env: npmEnv(),
      timeout: timeoutMs,
      maxBuffer: 16 << 20,
    });
    return { stdout, stderr };
  } catch (error) {
    const output = `${(error as { stdout?: string }).stdout ?? ''}\n${(error as { stderr?: string }).stderr ?? ''}`;
    if (UNREACHABLE.test(output)) {
      throw new RegistryUnavailable(`npm ${args[0]}: the npm registry and its cache are unavailable here`);
    }
    throw new Error(`npm ${args.join(' ')} failed in ${cwd}:\n${output.slice(-4000)}`);
  }
}
