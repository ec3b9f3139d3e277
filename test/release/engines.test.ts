// `npm ci` on a machine whose own Node.js is 20 warns EBADENGINE: npm checks `engines` against the Node
// running npm, not the project's Node 24. The README names every package that warns and says why the
// warnings are harmless in the clone; these tests keep that paragraph true as the lockfile changes.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import semver from 'semver';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { REPO_ROOT } from '../packaging/support/paths.ts';

const lockfile = z
  .object({
    packages: z.record(
      z.string(),
      z.looseObject({
        name: z.string().optional(),
        engines: z.union([z.record(z.string(), z.string()), z.array(z.string())]).optional(),
        hasInstallScript: z.boolean().optional(),
        dev: z.boolean().optional(),
      }),
    ),
  })
  .parse(JSON.parse(readFileSync(join(REPO_ROOT, 'package-lock.json'), 'utf8')));
const packageJson = z
  .object({
    name: z.string(),
    engines: z.object({ node: z.string() }),
    devDependencies: z.object({ node: z.string() }),
  })
  .parse(JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')));
const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');

/** Lockfile entries as (package name, engines.node range). */
const nodeRanges = Object.entries(lockfile.packages).flatMap(([path, entry]) => {
  const range = Array.isArray(entry.engines) ? undefined : entry.engines?.['node'];
  const name = path === '' ? packageJson.name : path.slice(path.lastIndexOf('node_modules/') + 13);
  return range === undefined ? [] : [{ path, name, range, entry }];
});
/** Those npm warns about on every Node 20 release. */
const warnOnNode20 = nodeRanges.filter(({ range }) => !semver.intersects(range, '>=20.0.0 <21.0.0'));

const paragraph = readme.slice(
  readme.indexOf('**`npm warn EBADENGINE`'),
  readme.indexOf('\n\n', readme.indexOf('**`npm warn EBADENGINE`')),
);

describe('EBADENGINE on an older system Node', () => {
  it('the README explains it in one paragraph', () => {
    expect(paragraph).toMatch(/^\*\*`npm warn EBADENGINE` during `npm ci`\*\*/);
    expect(paragraph).toContain('harmless');
  });

  it('names every package that warns on Node 20, with its range, and no other', () => {
    expect(warnOnNode20.map((p) => p.name)).toContain(packageJson.name);
    for (const { name, range } of warnOnNode20) {
      expect(paragraph, name).toContain(`\`${name}\``);
      expect(paragraph, `${name} ${range}`).toContain(name === packageJson.name ? `node: ${range}` : range);
    }
    const named = [...paragraph.matchAll(/`((?:@[\w.-]+\/)?[\w.-]+)`/g)].map((m) => m[1]!);
    const packages = new Set(nodeRanges.map((p) => p.name));
    const unexplained = named.filter((n) => packages.has(n) && !warnOnNode20.some((p) => p.name === n));
    expect(unexplained, 'named but does not warn').toEqual([]);
  });

  it('is harmless as the README says: warnings only, no install script among them, Node 24 satisfies all', () => {
    const npmrc = join(REPO_ROOT, '.npmrc');
    if (existsSync(npmrc)) expect(readFileSync(npmrc, 'utf8')).not.toMatch(/^\s*engine-strict\s*=\s*true/m);
    for (const { path, entry } of warnOnNode20) expect(entry.hasInstallScript, path).toBeUndefined();
    const projectNode = packageJson.devDependencies.node;
    expect(paragraph).toContain(`Node ${projectNode}`);
    expect(semver.valid(projectNode), 'the `node` devDependency is pinned').toBe(projectNode);
    for (const { path, range } of nodeRanges) {
      expect(semver.satisfies(projectNode, range), `${path} needs node ${range}`).toBe(true);
    }
    // The tests themselves run on that Node.
    expect(process.versions.node).toBe(projectNode);
  });

  it('the published package asks for Node 24 and its runtime dependencies agree', () => {
    expect(packageJson.engines.node).toBe('>=24');
    for (const { path, range, entry } of nodeRanges) {
      if (entry.dev || path === '') continue;
      expect(semver.intersects(range, packageJson.engines.node), `${path}: ${range}`).toBe(true);
    }
  });
});
