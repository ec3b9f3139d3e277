import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { extract } from 'tar';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../src/cli/build.ts';
import { type ConfigHubEmulator, startEmulator } from '../../testkit/confighub-emulator/index.ts';
import { buildFlags, cli } from '../cli/support.ts';
import { fixture, TOKEN, WORKER_ID, WORKER_SECRET } from './fixture.ts';

const KUBECTL = '/usr/bin/kubectl';

let emulator: ConfigHubEmulator;
let dir: string;
let tokenFile: string;
let secretFile: string;

beforeAll(async () => {
  emulator = await startEmulator({ fixture });
  dir = await mkdtemp(join(tmpdir(), 'confighub-build-'));
  tokenFile = join(dir, 'token');
  secretFile = join(dir, 'worker-secret');
  await writeFile(tokenFile, `${TOKEN}\n`);
  await writeFile(secretFile, WORKER_SECRET);
});
afterAll(async () => {
  await emulator.close();
  await rm(dir, { recursive: true, force: true });
});

const build = (args: string[]) => cli({ run }, args);

describe('confighub-source build', () => {
  it('writes the same artifact twice and the tree builds with kustomize', async () => {
    const out = join(dir, 'out');
    const args = [...buildFlags(emulator.url, tokenFile), '--out', out];
    const first = await build(args);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    const line = JSON.parse(first.stdout) as {
      revision: string;
      digest: string;
      size: number;
      path: string;
      units: number;
    };
    expect(line.revision).toMatch(/^head@sha256:[0-9a-f]{64}$/);
    expect(line.revision.endsWith(line.digest.slice('sha256:'.length))).toBe(true);
    expect(line.units).toBe(3);
    expect(line.path).toBe(join(out, `${line.digest.slice('sha256:'.length)}.tar.gz`));
    const bytes = await readFile(line.path);
    expect(bytes.length).toBe(line.size);

    const second = await build(args);
    expect(second.code).toBe(0);
    expect(JSON.parse(second.stdout)).toEqual(line);
    expect(await readdir(out)).toEqual([`${line.digest.slice('sha256:'.length)}.tar.gz`]);

    const tree = join(dir, 'tree');
    await rm(tree, { recursive: true, force: true });
    await mkdir(tree);
    await extract({ file: line.path, cwd: tree });
    expect((await readdir(tree)).sort()).toEqual([
      'kustomization.yaml',
      'web-svc.yaml',
      'web.yaml',
      'worker.yaml',
    ]);
    if (!existsSync(KUBECTL)) {
      console.warn(`skipping the kustomize build: ${KUBECTL} is not installed`);
      return;
    }
    const rendered = execFileSync(KUBECTL, ['kustomize', tree], { encoding: 'utf8' });
    expect(rendered).toContain('kind: Deployment');
    expect(rendered).toContain('name: worker');
    expect(rendered).toContain('replicas: 2');
  });

  it('builds a tag with worker credentials and names the ref in the revision', async () => {
    const result = await build([
      '--server',
      emulator.url,
      '--space',
      'shop-prod',
      '--worker-id',
      WORKER_ID,
      '--worker-secret-file',
      secretFile,
      '--ref',
      'tag:stable',
      '--out',
      join(dir, 'tagged'),
    ]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({
      revision: expect.stringMatching(/^tag-stable@sha256:/),
      units: 2,
    });
  });

  it('exits 1 with a clear message on ConfigHub failures, without the token', async () => {
    const result = await build([
      ...buildFlags(emulator.url, tokenFile, 'shop-nowhere'),
      '--out',
      join(dir, 'none'),
    ]);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(
      "✗ no space with slug 'shop-nowhere' is visible to this credential (ConfigHub v0.8.12) (SpaceNotFound)\n",
    );
    expect(existsSync(join(dir, 'none'))).toBe(false);
  });

  it('exits 1 on a kustomization unit the policy refuses, writing nothing', async () => {
    emulator.createUnit('shop-prod', {
      slug: 'kustomization',
      data: 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [../../etc]\n',
    });
    try {
      const out = join(dir, 'refused');
      const result = await build([...buildFlags(emulator.url, tokenFile), '--out', out]);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(
        'unit "kustomization" is refused by the kustomization policy: resources entry "../../etc" leaves the artifact',
      );
      // The directory may have been created; no artifact (nor a temporary file) is left in it.
      expect(existsSync(out) ? await readdir(out) : []).toEqual([]);
    } finally {
      emulator.deleteUnit('shop-prod', 'kustomization');
    }
  });

  it.each([
    [['--space', 'x', '--token-file', 'f', '--out', 'o'], /--server is required/],
    [['--server', 'http://h', '--space', 'x', '--out', 'o'], /credentials are required/],
    [
      ['--server', 'http://h', '--space', 'x', '--token-file', 'f', '--worker-id', 'w', '--out', 'o'],
      /not both/,
    ],
    [
      ['--server', 'http://h', '--space', 'x', '--token-file', '/nonexistent/t', '--out', 'o'],
      /cannot read token file/,
    ],
    [['--bogus'], /^build: unknown flag: --bogus$/m],
  ])('exits 2 on usage errors: %j', async (args, message) => {
    const result = await build(args);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).toContain('Usage: confighub-source build');
  });

  it('exits 2 on a bad ref or timeout, and 0 with --help', async () => {
    const base = [...buildFlags(emulator.url, tokenFile, 'x'), '--out', join(dir, 'o')];
    expect((await build([...base, '--ref', 'branch:main'])).code).toBe(2);
    expect((await build([...base, '--timeout', '0s'])).stderr).toMatch(
      /^build: invalid value "0s" for --timeout/,
    );
    const help = await build(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Exit codes');
  });
});
