// The package's runtime `dependencies` are exactly what the product imports, and the product runs with
// nothing else installed: the production install (`npm ci --omit=dev`) plus the compiled sources load the
// controller and every CLI command, with the development tools absent.
import { execFile, execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { commands } from '../../src/cli/commands.ts';
import { REPO_ROOT } from '../packaging/support/paths.ts';
import { isRelative, moduleSpecifiers, packageOf } from './support/imports.ts';
import { NODE_PATH_ENV, npm, npmAvailable, RegistryUnavailable } from './support/npm.ts';
import {
  CLI_ENTRY,
  CONTROLLER_ENTRY,
  copyManifests,
  diskUsage,
  PRODUCTION_INSTALL,
} from './support/production-install.ts';

const execFileAsync = promisify(execFile);
const SRC = join(REPO_ROOT, 'src');

const packageJson = z
  .object({
    dependencies: z.record(z.string(), z.string()),
    devDependencies: z.record(z.string(), z.string()),
  })
  .parse(JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')));

const lockfile = z
  .object({
    packages: z.record(
      z.string(),
      z.looseObject({ dev: z.boolean().optional(), optional: z.boolean().optional() }),
    ),
  })
  .parse(JSON.parse(readFileSync(join(REPO_ROOT, 'package-lock.json'), 'utf8')));

/** Every file of the product: src/ without tests, plus the bin the package ships. */
function productionFiles(): string[] {
  const files = readdirSync(SRC, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
    .map((f) => join(SRC, f));
  return [...files, join(REPO_ROOT, CLI_ENTRY)];
}

describe('import walk', () => {
  it('finds static, re-exported, side-effect and dynamic imports and module URLs, not comments', () => {
    const source = [
      "import a, { type B } from 'alpha';",
      'import {',
      '  c,',
      '  d,',
      "} from '@scope/beta/dist/x.js';",
      "import type { E } from 'types-only';",
      "export { f } from './f.ts';",
      "import './side.ts';",
      "const g = await import('gamma');",
      "const w = new URL('./worker.ts', import.meta.url);",
      "const s = siblingModule(import.meta.url, './sibling');",
      "// import x from 'commented';",
      " * import('in-doc-comment')",
      "const url = 'https://example.com/from';",
    ].join('\n');
    expect(moduleSpecifiers(source).sort()).toEqual(
      [
        'alpha',
        '@scope/beta/dist/x.js',
        'types-only',
        './f.ts',
        './side.ts',
        'gamma',
        './worker.ts',
        './sibling',
      ].sort(),
    );
    expect(['@scope/beta/dist/x.js', 'alpha/sub', 'node:fs', 'fs', './x.ts'].map(packageOf)).toEqual([
      '@scope/beta',
      'alpha',
      undefined,
      undefined,
      undefined,
    ]);
  });

  const files = productionFiles();
  const imports = files.flatMap((file) =>
    moduleSpecifiers(readFileSync(file, 'utf8')).map((specifier) => ({ file, specifier })),
  );

  it('sees the whole product', () => {
    expect(files.length).toBeGreaterThan(100);
    const found = new Set(imports.map((i) => i.specifier));
    for (const known of ['zod', '@kubernetes/client-node/dist/config.js', './kube/client-node-slim.ts']) {
      expect(found, known).toContain(known);
    }
  });

  it('declares every package the product imports in dependencies, and no other', () => {
    const used = new Map<string, string[]>();
    for (const { file, specifier } of imports) {
      const name = packageOf(specifier);
      if (name !== undefined) used.set(name, [...(used.get(name) ?? []), relative(REPO_ROOT, file)]);
    }
    const missing = [...used].filter(([name]) => !(name in packageJson.dependencies));
    expect(missing, 'imported by the product but not in dependencies').toEqual([]);
    const unused = Object.keys(packageJson.dependencies).filter((name) => !used.has(name));
    expect(unused, 'in dependencies but imported by no production file').toEqual([]);
    for (const name of Object.keys(packageJson.dependencies)) {
      expect(packageJson.devDependencies, `${name} in both`).not.toHaveProperty(name);
    }
  });

  it('never reaches outside the product from a production file (test kit, tests, benchmarks)', () => {
    const outside: string[] = [];
    for (const { file, specifier } of imports) {
      if (!isRelative(specifier)) continue;
      const target = resolve(dirname(file), specifier);
      const where = relative(REPO_ROOT, target);
      // package.json ships with the package; the bin loads src/ in a clone and dist/ in the package.
      const allowed =
        where === 'package.json' ||
        ((where.startsWith('src/') || where.startsWith('dist/')) && !where.endsWith('.test.ts'));
      if (!allowed) outside.push(`${relative(REPO_ROOT, file)} → ${specifier}`);
      if (where.startsWith('src/') && where.endsWith('.ts')) {
        expect(existsSync(target), `${relative(REPO_ROOT, file)} → ${specifier}`).toBe(true);
      }
    }
    expect(outside).toEqual([]);
  });
});

describe.skipIf(!npmAvailable())('production install', () => {
  const work = mkdtempSync(join(tmpdir(), 'chr-production-'));
  let unavailable: string | undefined;

  beforeAll(async () => {
    copyManifests(work);
    try {
      await npm([...PRODUCTION_INSTALL, '--prefer-offline'], work, 110_000);
    } catch (error) {
      if (!(error instanceof RegistryUnavailable)) throw error;
      unavailable = error.message;
      return;
    }
    // The package's layout: the compiled sources and the bin next to node_modules.
    execFileSync(process.execPath, [join(REPO_ROOT, 'scripts/build.ts'), '--out-dir', join(work, 'dist')], {
      stdio: 'pipe',
    });
    cpSync(join(REPO_ROOT, 'bin'), join(work, 'bin'), { recursive: true });
  }, 120_000);
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  /** Runs Node in the production tree, with nothing of the clone on its PATH or module path. */
  const run = (args: string[]) =>
    execFileAsync(process.execPath, args, {
      cwd: work,
      encoding: 'utf8',
      env: { PATH: NODE_PATH_ENV, NODE_ENV: 'production' },
      timeout: 30_000,
    });

  it('installs exactly the lockfile’s production packages', (ctx) => {
    if (unavailable) return ctx.skip(unavailable);
    for (const name of Object.keys(packageJson.dependencies)) {
      expect(existsSync(join(work, 'node_modules', name, 'package.json')), name).toBe(true);
    }
    for (const [path, entry] of Object.entries(lockfile.packages)) {
      if (path === '' || entry.optional) continue;
      expect(existsSync(join(work, path)), `${path} (dev: ${entry.dev === true})`).toBe(entry.dev !== true);
    }
    const size = diskUsage(join(work, 'node_modules'));
    // The figure the README gives, within a fifth: a dependency update that changes it updates the README.
    const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
    const stated = /about (\d+) MB\s+on\s+disk\s+\(`du -sh node_modules`\)/.exec(readme);
    expect(stated, 'README states the production install size').not.toBeNull();
    const statedBytes = Number(stated![1]) * 2 ** 20;
    expect(
      Math.abs(size - statedBytes) / statedBytes,
      `measured ${(size / 2 ** 20).toFixed(1)} MiB`,
    ).toBeLessThan(0.2);
  });

  it('leaves the development tools out of reach', async (ctx) => {
    if (unavailable) return ctx.skip(unavailable);
    const tools = ['vitest', 'typescript', 'ajv', 'tar', 'kubernetes-models', 'semver'].filter(
      (name) => lockfile.packages[`node_modules/${name}`]?.dev === true,
    );
    expect(tools.length).toBeGreaterThan(3);
    for (const name of tools) {
      await expect(
        run(['--input-type=module', '-e', `await import(${JSON.stringify(name)})`]),
        name,
      ).rejects.toThrow(/ERR_MODULE_NOT_FOUND|Cannot find package/);
    }
  });

  it('loads the compiled controller entry with its whole import graph', async (ctx) => {
    if (unavailable) return ctx.skip(unavailable);
    // --help parses the flags after the controller's modules loaded, and exits before touching a cluster.
    const { stdout } = await run([CONTROLLER_ENTRY, '--help']);
    expect(stdout).toContain('--storage-adv-addr');
  });

  it('runs the CLI from dist/ (no sources in the package) and loads every command', async (ctx) => {
    if (unavailable) return ctx.skip(unavailable);
    expect(existsSync(join(work, 'src')), 'the bin must take dist/').toBe(false);
    const { stdout } = await run([CLI_ENTRY, '--help']);
    for (const name of Object.keys(commands)) expect(stdout).toContain(name);
    // Every command module, loaded the way the CLI loads one (after the client-node hook), in one process.
    const loaded = await run([
      '--input-type=module',
      '-e',
      [
        "await import('./dist/kube/client-node-slim.js');",
        "const { commands } = await import('./dist/cli/commands.js');",
        'for (const command of Object.values(commands)) if (typeof (await command.load()).run !== "function") process.exit(3);',
        "console.log(Object.keys(commands).join(' '));",
      ].join('\n'),
    ]);
    expect(loaded.stdout.trim().split(' ')).toEqual(Object.keys(commands));
    expect(readdirSync(join(work, 'dist'), { recursive: true, encoding: 'utf8' })).not.toContainEqual(
      expect.stringMatching(/\.ts$|\.test\.js$/),
    );
  });
});
