// The real kubectl (v1.32) run against the in-process API server, for the kubectl tests.
import { type ChildProcess, execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';

export const KUBECTL = '/usr/bin/kubectl';
export const HAVE_KUBECTL = existsSync(KUBECTL);

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * kubectl against the kubeconfig `where()` names (asked at each run: a beforeAll writes it), with its
 * cache and HOME in `dir`. `start` gives the child to watch or stop, `run` its result, and `ok` the
 * output of a run that must succeed.
 */
export function kubectlRunner(where: () => { kubeconfig: string; dir: string }) {
  const start = (args: string[]): { child: ChildProcess; done: Promise<Run> } => {
    const { kubeconfig, dir } = where();
    let child!: ChildProcess;
    const done = new Promise<Run>((resolve) => {
      // Async on purpose: the server answers from this same process.
      child = execFile(
        KUBECTL,
        [...args, '--kubeconfig', kubeconfig, '--cache-dir', join(dir, 'cache')],
        { env: { PATH: process.env['PATH'] ?? '', HOME: dir }, timeout: 20_000 },
        (error, stdout, stderr) => {
          const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
          resolve({ code, stdout: String(stdout), stderr: String(stderr) });
        },
      );
    });
    return { child, done };
  };
  const run = (...args: string[]) => start(args).done;
  const ok = async (...args: string[]) => {
    const result = await run(...args);
    expect(result.code, `kubectl ${args.join(' ')}\n${result.stderr}`).toBe(0);
    return result.stdout;
  };
  return { start, run, ok };
}
