// The npm package as a user gets it: `npm pack` (which compiles through `prepack`), the tarball installed
// in an empty folder, and its `confighub-source` bin run from there: `--help`, the controller against the
// Kubernetes API test server and the ConfigHub emulator, `get -A` showing what it published, and `build`
// producing the same artifact byte for byte.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { type LocalStack, startLocalStack } from '../../testkit/local-stack.ts';
import { buildFlags, parseTable } from '../cli/support.ts';
import { REPO_ROOT } from '../packaging/support/paths.ts';
import { Fleet, writeKubeconfig } from '../sharding/controllers.ts';
import { createRepository, download, sha256, waitForReady } from '../support/repositories.ts';
import { NODE_PATH_ENV, npm, npmAvailable, RegistryUnavailable } from './support/npm.ts';

const execFileAsync = promisify(execFile);

/** What `npm pack` reads: the package's files and the build's inputs (node_modules for the compiler). */
const PACK_INPUTS = [
  'package.json',
  'package-lock.json',
  'tsconfig.json',
  'tsconfig.build.json',
  'scripts',
  'src',
  'bin',
  'crds',
  'README.md',
  'CHANGELOG.md',
];

const packResult = z.array(
  z.looseObject({
    filename: z.string(),
    size: z.number(),
    unpackedSize: z.number(),
    files: z.array(z.object({ path: z.string() })),
  }),
);

const work = mkdtempSync(join(tmpdir(), 'chr-package-'));
const app = join(work, 'app');
let unavailable: string | undefined;
let packed: z.infer<typeof packResult>[number];
let stack: LocalStack | undefined;
const fleet = new Fleet(join(app, 'node_modules/confighub-source-controller/bin/confighub-source.js'));

/** The installed bin, run through its `#!/usr/bin/env node` line with Node 24 first on PATH. */
const confighubSource = (args: string[]) =>
  execFileAsync(join(app, 'node_modules/.bin/confighub-source'), args, {
    cwd: app,
    encoding: 'utf8',
    env: { PATH: NODE_PATH_ENV, HOME: work },
    timeout: 60_000,
  });

beforeAll(async () => {
  if (!npmAvailable()) {
    unavailable = 'npm is not on PATH';
    return;
  }
  // A copy of the clone, so that the build `prepack` runs writes nowhere in the working tree.
  const source = join(work, 'source');
  for (const entry of PACK_INPUTS) cpSync(join(REPO_ROOT, entry), join(source, entry), { recursive: true });
  symlinkSync(join(REPO_ROOT, 'node_modules'), join(source, 'node_modules'), 'dir');
  try {
    const { stdout } = await npm(['pack', '--json', '--pack-destination', work], source, 90_000);
    packed = packResult.parse(JSON.parse(stdout.slice(stdout.indexOf('['))))[0]!;
    mkdirSync(app);
    await npm(
      ['install', join(work, packed.filename), '--prefer-offline', '--no-audit', '--no-fund'],
      app,
      90_000,
    );
  } catch (error) {
    if (!(error instanceof RegistryUnavailable)) throw error;
    unavailable = error.message;
  }
}, 150_000);
afterAll(async () => {
  await fleet.stop();
  await stack?.stop();
  rmSync(work, { recursive: true, force: true });
});

describe('npm package', () => {
  it('holds the compiled product, its bin, the CRDs and the docs, and nothing of the clone', (ctx) => {
    if (unavailable) return ctx.skip(unavailable);
    const files = packed.files.map((f) => f.path);
    for (const file of [
      'package.json',
      'README.md',
      'CHANGELOG.md',
      'bin/confighub-source.js',
      'dist/main.js',
      'dist/cli/main.js',
      'dist/artifact/validation-worker.js',
      'crds/source.confighub.com_confighubrepositories.yaml',
    ]) {
      expect(files, file).toContain(file);
    }
    for (const file of files) {
      expect(file).toMatch(
        /^(package\.json|README\.md|CHANGELOG\.md|LICENSE|bin\/.*\.js|dist\/.*\.js|crds\/.*\.yaml)$/,
      );
      expect(file).not.toMatch(/\.test\.js$/);
    }
    // A few hundred kilobytes: nothing large is swept in by mistake.
    expect(packed.size).toBeLessThan(1 << 20);
    console.info(`package: ${packed.filename}, ${packed.size} bytes packed, ${packed.unpackedSize} unpacked`);
  });

  it('installs with its production dependencies only and answers --help', async (ctx) => {
    if (unavailable) return ctx.skip(unavailable);
    const installed = join(app, 'node_modules');
    expect(existsSync(join(installed, 'confighub-source-controller/dist/main.js'))).toBe(true);
    expect(existsSync(join(installed, 'confighub-source-controller/src'))).toBe(false);
    for (const tool of ['vitest', 'typescript', '@biomejs/biome', 'node']) {
      expect(existsSync(join(installed, tool)), tool).toBe(false);
    }
    const { stdout } = await confighubSource(['--help']);
    expect(stdout).toContain('Usage: confighub-source <command>');
    expect(stdout).toMatch(/^ {2}controller /m);
  });

  it('runs the controller, `get -A` and `build` from the installed package', async (ctx) => {
    if (unavailable) return ctx.skip(unavailable);
    stack = await startLocalStack({ controller: false });
    const controllerConfig = await writeKubeconfig(stack.kube, work, stack.controllerToken);
    const controller = await fleet.start('package-pod', controllerConfig, []);
    await createRepository(stack, 'team-a', 'shop');
    const repo = await waitForReady(stack, 'team-a', 'shop', () => true, 60_000).catch((error: Error) => {
      throw new Error(`${error.message}\ncontroller log:\n${controller.log().slice(-4000)}`);
    });
    const artifact = repo.status!.artifact!;

    const admin = await stack.kube.writeKubeconfig(join(work, 'admin-kubeconfig'), 'default');
    const get = await confighubSource(['get', '-A', '--kubeconfig', admin]);
    expect(parseTable(get.stdout)).toEqual([
      {
        NAMESPACE: 'team-a',
        NAME: 'shop',
        REVISION: artifact.revision,
        SUSPENDED: 'False',
        READY: 'True',
        MESSAGE: `stored artifact for revision '${artifact.revision}'`,
      },
    ]);

    const tokenFile = join(work, 'token');
    writeFileSync(tokenFile, stack.emulator.fixture.token, { mode: 0o600 });
    const out = join(work, 'build');
    const build = await confighubSource([
      'build',
      ...buildFlags(stack.emulator.url, tokenFile),
      '--out',
      out,
    ]);
    expect(build.stderr).toBe('');
    const line = JSON.parse(build.stdout) as { revision: string; digest: string; size: number; path: string };
    // The CLI's build and the controller's are the same artifact, from the same compiled code.
    expect(line).toMatchObject({ revision: artifact.revision, digest: artifact.digest, size: artifact.size });
    const bytes = readFileSync(line.path);
    expect(sha256(bytes)).toBe(artifact.digest);
    const served = await download(artifact.url);
    expect(served.status).toBe(200);
    expect(createHash('sha256').update(served.bytes).digest('hex')).toBe(
      artifact.digest.slice('sha256:'.length),
    );
  }, 120_000);
});
