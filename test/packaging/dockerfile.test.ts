// The image definition, checked by reading the Dockerfile (there is no container engine here). What the
// image runs is proven elsewhere on a tree of the same layout: test/release/production-dependencies.test.ts
// runs the same production install, compiles src/ with the same tsconfig.build.json and loads
// dist/main.js with nothing else installed.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { CONTROLLER_ENTRY, PRODUCTION_INSTALL } from '../release/support/production-install.ts';
import { type Instruction, labels, parseDockerfile, type Stage, stages } from './support/dockerfile.ts';
import { REPO_ROOT } from './support/paths.ts';

const dockerfile = readFileSync(join(REPO_ROOT, 'Dockerfile'), 'utf8');
const instructions = parseDockerfile(dockerfile);
const allStages = stages(instructions);
const runtime = allStages[allStages.length - 1]!;
const named = (name: string): Stage => {
  const stage = allStages.find((s) => s.name === name);
  if (!stage) throw new Error(`no stage named ${name}`);
  return stage;
};
const of = (stage: { instructions: Instruction[] }, keyword: string) =>
  stage.instructions.filter((i) => i.keyword === keyword);

const lockfile = () =>
  z
    .object({
      packages: z.record(
        z.string(),
        z.looseObject({
          dev: z.boolean().optional(),
          hasInstallScript: z.boolean().optional(),
        }),
      ),
    })
    .parse(JSON.parse(readFileSync(join(REPO_ROOT, 'package-lock.json'), 'utf8')));

const packageJson = z
  .object({ version: z.string(), scripts: z.record(z.string(), z.string()) })
  .parse(JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')));

/** The paths a COPY instruction takes from the build context (none when it copies from a stage). */
const contextSources = (copy: Instruction) =>
  copy.args.startsWith('--from=') ? [] : copy.args.split(' ').slice(0, -1);

describe('Dockerfile', () => {
  it('is multi-stage, on Node 24 images pinned by major version', () => {
    expect(allStages.map((s) => s.name)).toEqual(['build', 'deps', undefined]);
    for (const stage of allStages) {
      expect(stage.image).toMatch(
        /^(node:24[.-][a-z0-9.-]+|gcr\.io\/distroless\/nodejs24-debian\d+(:[a-z0-9.-]+)?)$/,
      );
      expect(stage.image).not.toMatch(/:latest$/);
    }
  });

  it('prepares on the build platform and runs nothing in the per-platform stage (multi-arch without emulation)', () => {
    expect(named('build').platform).toBe('$BUILDPLATFORM');
    expect(named('deps').platform).toBe('$BUILDPLATFORM');
    expect(runtime.platform).toBeUndefined();
    expect(of(runtime, 'RUN'), 'the runtime stage runs nothing at build time').toHaveLength(0);
    // Platform-independent output needs dependencies without native code built at install time.
    const scripted = Object.entries(lockfile().packages)
      .filter(([, entry]) => entry.hasInstallScript && !entry.dev)
      .map(([path]) => path);
    expect(scripted).toEqual([]);
  });

  it('runs as a numeric non-root user with the compiled controller as entrypoint', () => {
    const users = of(runtime, 'USER');
    expect(users).toHaveLength(1);
    const [user, group] = users[0]!.args.split(':');
    expect(user).toMatch(/^\d+$/);
    expect(Number(user)).toBe(65532);
    if (group !== undefined) expect(Number(group)).not.toBe(0);
    const entrypoint = of(runtime, 'ENTRYPOINT');
    expect(entrypoint).toHaveLength(1);
    // Node flags (heap sizing, chosen by measurement in the benchmark) may precede the entry.
    const argv = JSON.parse(entrypoint[0]!.args) as string[];
    expect(argv[0]).toBe('node');
    expect(argv.at(-1)).toBe(CONTROLLER_ENTRY);
    for (const flag of argv.slice(1, -1)) expect(flag).toMatch(/^--[a-z-]+=\d+$/);
    expect(of(runtime, 'CMD')).toHaveLength(0);
    // The image runs the controller; `npm start` runs the local demo, never the controller.
    expect(packageJson.scripts['start']).toBe('node testkit/cli.ts demo');
    expect(readFileSync(join(REPO_ROOT, 'src/main.ts'), 'utf8')).not.toMatch(/from '.*testkit|demo\.ts'/);
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

  it('compiles src/ with tsconfig.build.json into the dist/ the runtime stage copies', () => {
    const build = named('build');
    expect(of(build, 'COPY').flatMap(contextSources).sort()).toEqual(
      ['package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json', 'src'].sort(),
    );
    const runs = of(build, 'RUN').map((r) => r.args);
    expect(runs).toEqual([
      'npm ci --ignore-scripts --no-audit --no-fund',
      'node node_modules/typescript/bin/tsc -p tsconfig.build.json',
    ]);
    // The compiled output is where the runtime stage takes it from, and holds no tests.
    const settings = JSON.parse(readFileSync(join(REPO_ROOT, 'tsconfig.build.json'), 'utf8')) as {
      compilerOptions: { outDir: string; rootDir: string };
      include: string[];
      exclude: string[];
    };
    expect(settings.compilerOptions).toMatchObject({ outDir: 'dist', rootDir: 'src' });
    expect(settings.include).toEqual(['src']);
    expect(settings.exclude).toContain('src/**/*.test.ts');
    expect(of(build, 'WORKDIR')[0]?.args).toBe('/app');
  });

  it('installs the production dependencies exactly as the production dependency test does', () => {
    const deps = named('deps');
    expect(of(deps, 'COPY').flatMap(contextSources)).toEqual(['package.json', 'package-lock.json']);
    expect(of(deps, 'RUN').map((r) => r.args)).toEqual([`npm ${PRODUCTION_INSTALL.join(' ')}`]);
    // --omit=dev is what keeps the npm-shipped Node (a devDependency) out: the image has its own.
    expect(lockfile().packages['node_modules/node']?.dev).toBe(true);
  });

  it('copies the product only: production node_modules, dist/, package.json and the CRDs', () => {
    expect(of(runtime, 'COPY').map((c) => c.args)).toEqual([
      '--from=deps /app/node_modules ./node_modules',
      '--from=build /app/dist ./dist',
      'package.json ./',
      'crds ./crds',
    ]);
    for (const stage of allStages) {
      for (const source of of(stage, 'COPY').flatMap(contextSources)) {
        expect(source, 'nothing of the test kit, tests or benchmarks').not.toMatch(/^(testkit|test|bench)\b/);
      }
    }
  });

  it('.dockerignore sends only what the image copies, never tests', () => {
    const ignore = readFileSync(join(REPO_ROOT, '.dockerignore'), 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '' && !l.startsWith('#'));
    expect(ignore[0]).toBe('*');
    const admitted = ignore.filter((l) => l.startsWith('!')).map((l) => l.slice(1).replace(/\/$/, ''));
    const copied = allStages.flatMap((s) => of(s, 'COPY').flatMap(contextSources));
    expect(admitted.sort()).toEqual([...new Set(copied)].sort());
    expect(ignore).toContain('src/**/*.test.ts');
  });
});
