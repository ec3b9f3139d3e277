// The local demo: in-process with --once (reaches Ready and prints the kubectl view), and as a child
// process whose printed kubeconfig the real kubectl can use.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as demo from '../../testkit/demo/demo.ts';
import { KubeApiServer } from '../../testkit/kube-api-server/index.ts';
import { cli, parseTable } from './support.ts';

const KUBECTL = '/usr/bin/kubectl';
const MAIN = fileURLToPath(new URL('../../testkit/cli.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const run = promisify(execFile);

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cli-demo-'));
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('demo --once', () => {
  it('reaches a Ready ConfigHubRepository and prints the kubectl view', async () => {
    const { code, stdout } = await cli(demo, [
      '--once',
      '--timeout',
      '30',
      '--kubeconfig-dir',
      join(dir, 'once'),
    ]);
    expect(code).toBe(0);
    expect(stdout).toContain(`kubectl --kubeconfig ${join(dir, 'once', 'kubeconfig')} get chr,ea -A`);
    const view = stdout.slice(stdout.indexOf('$ kubectl get confighubrepositories -A\n'));
    const [kubectlView] = view.split('\n').slice(1).join('\n').split('\n\n');
    const rows = parseTable(kubectlView!);
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) {
      expect(row).toMatchObject({ NAMESPACE: 'team-a', READY: 'True' });
      expect(row['URL']).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(row['STATUS']).toMatch(/^stored artifact for revision 'head@sha256:[0-9a-f]{64}'$/);
    }
  });
});

describe('npm start', () => {
  it('runs the demo even with KUBECONFIG naming a reachable cluster, and sends that cluster nothing', async () => {
    const cluster = await new KubeApiServer({ namespaces: ['default'] }).listen();
    try {
      const kubeconfig = await cluster.writeKubeconfig(join(dir, 'users-cluster'));
      const scripts = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')).scripts as Record<
        string,
        string
      >;
      // What `npm start` runs, with the project's Node (npm itself is not needed to prove it).
      const [node, ...args] = scripts['start']!.split(' ');
      expect(node).toBe('node');
      const before = cluster.requests.length;
      const { stdout } = await run(
        process.execPath,
        [...args, '--once', '--timeout', '60s', '--kubeconfig-dir', join(dir, 'npm-start')],
        { cwd: ROOT, env: { ...process.env, KUBECONFIG: kubeconfig }, timeout: 90_000 },
      );
      expect(stdout).toContain('READY');
      expect(cluster.requests.slice(before).map((r) => `${r.method} ${r.path}`)).toEqual([]);
    } finally {
      await cluster.close();
    }
  }, 120_000);
});

describe('demo without kubectl', () => {
  it('says that Flux is not played and still reaches Ready', async () => {
    const path = process.env['PATH'];
    process.env['PATH'] = '';
    try {
      const { code, stdout } = await cli(demo, [
        '--once',
        '--timeout',
        '30',
        '--kubeconfig-dir',
        join(dir, 'no-kubectl'),
      ]);
      expect(code).toBe(0);
      expect(stdout).toContain('kubectl not found on PATH: no kustomize-controller stand-in');
    } finally {
      process.env['PATH'] = path;
    }
  });
});

describe.skipIf(!existsSync(KUBECTL))('the running demo seen through kubectl', () => {
  let child: ChildProcess | undefined;
  let output = '';
  afterAll(() => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
  });

  it('prints a kubeconfig that the real kubectl uses, and stops on SIGTERM', async () => {
    const kubeconfigDir = join(dir, 'running');
    child = spawn(
      process.execPath,
      [MAIN, 'demo', '--kubeconfig-dir', kubeconfigDir, '--change-every', '0'],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    const exited = new Promise<number | null>((resolve) => child!.once('exit', (code) => resolve(code)));
    const kubeconfig = await new Promise<string>((resolve, reject) => {
      const check = () => {
        const match = /kubectl --kubeconfig (\S+) get chr,ea -A/.exec(output);
        if (match) resolve(match[1]!);
      };
      child!.stdout!.on('data', check);
      child!.once('exit', (code) =>
        reject(new Error(`demo exited with ${code} before printing its kubeconfig`)),
      );
    });
    expect(kubeconfig).toBe(join(kubeconfigDir, 'kubeconfig'));

    // kubectl wait watches the objects until the controller marks them Ready.
    await run(KUBECTL, [
      '--kubeconfig',
      kubeconfig,
      'wait',
      '--for=condition=Ready',
      'chr',
      '--all',
      '-A',
      '--timeout=30s',
    ]);
    const { stdout } = await run(KUBECTL, ['--kubeconfig', kubeconfig, 'get', 'chr', '-A']);
    const rows = parseTable(stdout);
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) expect(row).toMatchObject({ NAMESPACE: 'team-a', READY: 'True' });
    expect(Object.keys(rows[0]!)).toEqual(['NAMESPACE', 'NAME', 'URL', 'SPACE', 'AGE', 'READY', 'STATUS']);
    // The kustomize-controller stand-in applies the sample Kustomization.
    await run(KUBECTL, [
      '--kubeconfig',
      kubeconfig,
      'wait',
      '--for=condition=Ready',
      'ks/app-config',
      '-n',
      'team-a',
      '--timeout=30s',
    ]);
    const { stdout: web } = await run(KUBECTL, [
      '--kubeconfig',
      kubeconfig,
      'get',
      'deploy',
      'web',
      '-n',
      'shop',
    ]);
    expect(web).toContain('web');

    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(output).toContain('demo stopped');
  });
});
