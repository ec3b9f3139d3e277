// Running external commands with a bound on time; failures carry the command and its stderr tail.
import { spawn, spawnSync } from 'node:child_process';

export class CommandError extends Error {
  override readonly name = 'CommandError';
}

export interface ExecResult {
  stdout: string;
  stderr: string;
  code: number | null;
}

export function exec(
  command: string,
  args: readonly string[],
  options: { timeoutMs?: number; env?: NodeJS.ProcessEnv; cwd?: string } = {},
): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: options.env ?? process.env,
      cwd: options.cwd,
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(new CommandError(`${command}: ${error.message}`));
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        code,
      });
    });
  });
}

/** Like exec, but a non-zero exit is an error. */
export async function execOk(
  command: string,
  args: readonly string[],
  options: Parameters<typeof exec>[2] = {},
): Promise<string> {
  const result = await exec(command, args, options);
  if (result.code !== 0) {
    const tail = result.stderr.trim().split('\n').slice(-3).join(' / ');
    throw new CommandError(`${command} ${args.join(' ')} exited with ${result.code}: ${tail}`);
  }
  return result.stdout;
}

export function commandPath(name: string): string | undefined {
  for (const dir of ['/usr/sbin', '/usr/bin', '/sbin', '/bin', '/usr/local/bin', '/usr/local/sbin']) {
    const probe = spawnSync('test', ['-x', `${dir}/${name}`]);
    if (probe.status === 0) return `${dir}/${name}`;
  }
  return undefined;
}

/**
 * Finds `binary`, installing Debian `pkg` when it is absent and apt-get is usable (root). Returns the
 * path, or a reason it is unavailable; never throws, so a section can fall back and say why.
 */
export async function ensureDebianTool(
  binary: string,
  pkg: string,
  log: (message: string) => void,
): Promise<{ path: string } | { missing: string }> {
  const existing = commandPath(binary);
  if (existing) return { path: existing };
  if (!commandPath('apt-get')) return { missing: `${binary} is not installed and apt-get is not available` };
  if (process.getuid?.() !== 0) return { missing: `${binary} is not installed and installing needs root` };
  log(`installing Debian package ${pkg} for ${binary}`);
  // No prompts; the benchmark starts its own nginx with its own configuration on 127.0.0.1.
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  let result = await exec('apt-get', ['install', '-y', '--no-install-recommends', pkg], {
    env,
    timeoutMs: 300_000,
  });
  if (result.code !== 0) {
    await exec('apt-get', ['update'], { env, timeoutMs: 300_000 });
    result = await exec('apt-get', ['install', '-y', '--no-install-recommends', pkg], {
      env,
      timeoutMs: 300_000,
    });
  }
  const installed = commandPath(binary);
  if (installed) return { path: installed };
  const tail = result.stderr.trim().split('\n').slice(-2).join(' / ');
  return { missing: `apt-get install ${pkg} failed: ${tail || `exit ${result.code}`}` };
}
