// The `confighub-source` entry point as users run it: a child process that dispatches to the
// cluster commands, and `get --watch` ended by Ctrl-C (SIGINT).
import { execFile, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeApiServer } from '../../testkit/kube-api-server/index.ts';
import { parseTable, readyRepository, startApiServer } from './support.ts';

const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const run = promisify(execFile);
const CHR = { group: 'source.confighub.com', plural: 'confighubrepositories' };

let api: Awaited<ReturnType<typeof startApiServer>>;
let server: KubeApiServer;
let kubeconfig: string;

beforeAll(async () => {
  api = await startApiServer();
  ({ server, kubeconfig } = api);
  server.seed(readyRepository('default', 'shop', 'head@sha256:abc'));
});
afterAll(async () => {
  await api?.close();
});

describe('confighub-source', () => {
  it('lists the cluster commands in its usage', async () => {
    const { stdout } = await run(process.execPath, [MAIN, '--help']);
    for (const command of ['get', 'reconcile', 'suspend', 'resume', 'events', 'drift']) {
      expect(stdout).toMatch(new RegExp(`^  ${command} +\\S`, 'm'));
    }
  });

  it('documents the exit codes; an unknown or missing command is a usage error', async () => {
    const { stdout } = await run(process.execPath, [MAIN, '--help']);
    expect(stdout).toContain('Exit codes: 0 success, 1 failure (drift: drift found), 2 usage error');
    const unknown = await run(process.execPath, [MAIN, 'frob']).catch(
      (error: { code: number; stdout: string; stderr: string }) => error,
    );
    expect(unknown).toMatchObject({
      code: 2,
      stdout: '',
      stderr: [
        'confighub-source: unknown command "frob"',
        'Usage: confighub-source <command> [flags]',
        "Run 'confighub-source --help' for more.",
        '',
      ].join('\n'),
    });
    const none = await run(process.execPath, [MAIN]).catch(
      (error: { code: number; stderr: string }) => error,
    );
    expect(none).toMatchObject({ code: 2, stderr: expect.stringContaining('Commands:') });
  });

  it('dispatches get and exits with its code', async () => {
    const { stdout } = await run(process.execPath, [MAIN, 'get', '--kubeconfig', kubeconfig]);
    expect(parseTable(stdout)).toEqual([
      {
        NAME: 'shop',
        REVISION: 'head@sha256:abc',
        SUSPENDED: 'False',
        READY: 'True',
        MESSAGE: "stored artifact for revision 'head@sha256:abc'",
      },
    ]);
    const failed = await run(process.execPath, [MAIN, 'get', '--kubeconfig', kubeconfig, 'nope']).catch(
      (error: { code: number; stderr: string }) => error,
    );
    expect(failed).toMatchObject({
      code: 1,
      stderr: '✗ Error from server (NotFound): confighubrepositories.source.confighub.com "nope" not found\n',
    });
    const usage = await run(process.execPath, [MAIN, 'suspend', '--kubeconfig', kubeconfig]).catch(
      (error: { code: number; stderr: string }) => error,
    );
    expect(usage).toMatchObject({ code: 2 });
  });

  it('get --watch prints updates until Ctrl-C, then exits 0', async () => {
    const child = spawn(process.execPath, [MAIN, 'get', '--kubeconfig', kubeconfig, '--watch'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
      });
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      await server.waitFor(() => output.includes('shop'), {
        timeoutMs: 10_000,
        description: 'the first table',
      });
      server.patch(CHR, 'default', 'shop', { spec: { suspend: true } });
      await server.waitFor(() => output.trimEnd().split('\n').length === 3, {
        timeoutMs: 10_000,
        description: 'the update row',
      });
      expect(parseTable(output)[1]).toMatchObject({ NAME: 'shop', SUSPENDED: 'True' });
      child.kill('SIGINT');
      expect(await exited).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
