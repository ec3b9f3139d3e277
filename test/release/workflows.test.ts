// The GitHub Actions workflows, checked without GitHub: well-formed, every file they name exists, the
// release takes its version from the tag through one checked step and uses it everywhere, and the
// install.yaml it attaches (scripts/render-install.ts) is a complete, schema-valid installation.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { parse, parseDocument } from 'yaml';
import { z } from 'zod';
import { CONTROLLER_NAME } from '../../src/api/constants.ts';
import { expectFullInstall } from '../packaging/support/full-install.ts';
import { kubectlAvailable, kustomizeBuild } from '../packaging/support/kustomize.ts';
import { at, parseManifests } from '../packaging/support/objects.ts';
import { CHART_DIR, CONFIG_DIR, REPO_ROOT } from '../packaging/support/paths.ts';

const execFileAsync = promisify(execFile);
const WORKFLOWS = join(REPO_ROOT, '.github/workflows');

const step = z.strictObject({
  name: z.string().optional(),
  id: z.string().optional(),
  uses: z.string().optional(),
  run: z.string().optional(),
  with: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
  env: z.record(z.string(), z.string()).optional(),
  if: z.string().optional(),
});
const job = z.strictObject({
  'runs-on': z.string(),
  'timeout-minutes': z.number().optional(),
  needs: z.union([z.string(), z.array(z.string())]).optional(),
  permissions: z.record(z.string(), z.enum(['read', 'write', 'none'])).optional(),
  outputs: z.record(z.string(), z.string()).optional(),
  env: z.record(z.string(), z.string()).optional(),
  steps: z.array(step).min(1),
});
type Job = z.infer<typeof job>;
const workflow = z.strictObject({
  name: z.string(),
  on: z.record(z.string(), z.unknown()),
  permissions: z.record(z.string(), z.enum(['read', 'write', 'none'])),
  concurrency: z.unknown().optional(),
  env: z.record(z.string(), z.string()).optional(),
  jobs: z.record(z.string(), job),
});

function load(file: string) {
  const document = parseDocument(readFileSync(join(WORKFLOWS, file), 'utf8'));
  expect(
    document.errors.map((e) => e.message),
    file,
  ).toEqual([]);
  return workflow.parse(document.toJS());
}
const files = existsSync(WORKFLOWS) ? readdirSync(WORKFLOWS).filter((f) => /\.ya?ml$/.test(f)) : [];
const ci = load('ci.yml');
const release = load('release.yml');
const packageJson = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as {
  name: string;
  version: string;
  scripts: Record<string, string>;
  repository: { url: string };
};
const steps = (w: { jobs: Record<string, Job> }) => Object.values(w.jobs).flatMap((j) => j.steps);
const runs = (j: Job) => j.steps.flatMap((s) => (s.run === undefined ? [] : [s.run]));
/** A GitHub Actions expression, `${{ … }}`, as the workflow file spells it. */
const gh = (expression: string) => `\${{ ${expression} }}`;
const VERSION_OUTPUT = gh('needs.verify.outputs.version');

/** Repository paths a shell script names: `node scripts/x.ts`, `charts/…`, `config/…` and the like. */
function repositoryPaths(script: string): string[] {
  const found = script.matchAll(
    /(?:^|[\s"'=])((?:scripts|charts|config|crds|src|bin|test|testkit)\/[\w./-]*\w)/g,
  );
  return [...found].map((m) => m[1]!);
}

describe('workflow files', () => {
  it('are the CI and the release workflows, well-formed, each step one action or one script', () => {
    expect(files.sort()).toEqual(['ci.yml', 'release.yml']);
    for (const s of [...steps(ci), ...steps(release)]) {
      expect((s.uses === undefined) !== (s.run === undefined), JSON.stringify(s)).toBe(true);
    }
  });

  it('name only files that exist, npm scripts that exist and pinned actions', () => {
    for (const s of [...steps(ci), ...steps(release)]) {
      if (s.uses?.startsWith('./')) expect(existsSync(join(REPO_ROOT, s.uses)), s.uses).toBe(true);
      else if (s.uses) expect(s.uses).toMatch(/^[\w.-]+\/[\w.-]+(\/[\w./-]+)?@(v\d+(\.\d+)*|[0-9a-f]{40})$/);
      for (const key of ['file', 'context'] as const) {
        const path = s.with?.[key];
        if (typeof path === 'string') expect(existsSync(join(REPO_ROOT, path)), `${key}: ${path}`).toBe(true);
      }
      if (s.run === undefined) continue;
      for (const path of repositoryPaths(s.run)) expect(existsSync(join(REPO_ROOT, path)), path).toBe(true);
      for (const match of s.run.matchAll(/\bnpm (?:run ([\w:-]+)|(test|start))\b/g)) {
        expect(packageJson.scripts, s.run).toHaveProperty(match[1] ?? match[2]!);
      }
      // Values reach scripts through env, never as ${{ }} text spliced into the shell.
      expect(s.run, 'expression inside a run script').not.toContain('${{');
    }
  });

  it('CI installs and tests as a developer does', () => {
    expect(Object.keys(ci.on).sort()).toEqual(['pull_request', 'push']);
    const all = Object.values(ci.jobs).flatMap(runs);
    expect(all).toContain('npm ci');
    expect(all).toContain('npm test');
    expect(all.indexOf('npm ci')).toBeLessThan(all.indexOf('npm test'));
  });

  it('CI puts Flux’s CRDs where the tests read them', () => {
    const script = Object.values(ci.jobs).flatMap(runs).join('\n');
    const wanted = readdirSync(join(REPO_ROOT, 'test'), { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.ts'))
      .flatMap((f) => [
        ...readFileSync(join(REPO_ROOT, 'test', f), 'utf8').matchAll(/([a-z.]+\.fluxcd\.io_[a-z]+\.yaml)/g),
      ])
      .map((m) => m[1]!);
    expect(wanted.length).toBeGreaterThan(0);
    for (const file of new Set(wanted)) expect(script).toContain(`../shared/crds/${file}`);
  });
});

describe('release workflow', () => {
  const verify = release.jobs['verify']!;
  const versionStep = verify.steps.find((s) => s.id === 'version');

  it('runs on v* tags, takes the version from the tag through the checked step, and tests first', () => {
    expect(release.on).toEqual({ push: { tags: ['v*'] } });
    expect(versionStep?.env).toEqual({ TAG: gh('github.ref_name') });
    expect(versionStep?.run).toBe('node scripts/release-version.ts "$TAG" >> "$GITHUB_OUTPUT"');
    expect(verify.outputs).toEqual({
      version: gh('steps.version.outputs.version'),
      'npm-tag': gh('steps.version.outputs.npm-tag'),
    });
    expect(runs(verify)).toContain('npm test');
    // Nothing is published unless verify passed.
    for (const [name, j] of Object.entries(release.jobs)) {
      if (name !== 'verify') expect([j.needs].flat(), name).toContain('verify');
    }
  });

  it('accepts the current version’s tag, and refuses any other', async () => {
    const script = join(REPO_ROOT, 'scripts/release-version.ts');
    const { stdout } = await execFileAsync(process.execPath, [script, `v${packageJson.version}`]);
    expect(stdout).toBe(`version=${packageJson.version}\nnpm-tag=latest\n`);
    for (const tag of ['v99.0.0', packageJson.version, `v${packageJson.version}.1`]) {
      await expect(execFileAsync(process.execPath, [script, tag]), tag).rejects.toThrow(/cannot release/);
    }
  });

  it('pushes the image the manifests name, tagged v<version>, for amd64 and arm64', () => {
    const image = release.env?.['IMAGE'];
    const deployment = readFileSync(join(CONFIG_DIR, 'manager/deployment.yaml'), 'utf8');
    expect(deployment).toContain(`image: ${image}:v${packageJson.version}`);
    const values = parse(readFileSync(join(CHART_DIR, 'values.yaml'), 'utf8')) as {
      image: { repository: string };
    };
    expect(values.image.repository).toBe(image);
    const build = release.jobs['image']!.steps.find((s) => s.uses?.startsWith('docker/build-push-action@'));
    expect(build?.with).toMatchObject({
      file: 'Dockerfile',
      platforms: 'linux/amd64,linux/arm64',
      push: true,
      tags: `${gh('env.IMAGE')}:v${VERSION_OUTPUT}`,
    });
    expect(String(build?.with?.['build-args'])).toContain(`VERSION=${VERSION_OUTPUT}`);
    expect(release.jobs['image']!.steps.some((s) => s.uses?.startsWith('docker/setup-buildx-action@'))).toBe(
      true,
    );
    expect(release.jobs['image']!.permissions).toMatchObject({ packages: 'write' });
  });

  it('pushes the chart of that version as an OCI artifact where the README says', () => {
    const chart = parse(readFileSync(join(CHART_DIR, 'Chart.yaml'), 'utf8')) as { name: string };
    const push = release.jobs['chart']!.steps.find((s) => s.run?.includes('helm push'))!;
    expect(push.env?.['VERSION']).toBe(VERSION_OUTPUT);
    expect(push.run).toContain(`helm package charts/${chart.name} --destination chart-package`);
    expect(push.run).toContain(`helm push "chart-package/${chart.name}-$VERSION.tgz" "$CHART_REPOSITORY"`);
    const repository = release.env?.['CHART_REPOSITORY'];
    expect(readFileSync(join(REPO_ROOT, 'README.md'), 'utf8')).toContain(`${repository}/${chart.name}`);
  });

  it('publishes the npm package with provenance under the tag’s dist-tag', () => {
    const npm = release.jobs['npm']!;
    expect(runs(npm)).toContain('npm ci');
    const publish = npm.steps.find((s) => s.run?.startsWith('npm publish'))!;
    expect(publish.run).toBe('npm publish --provenance --access public --tag "$NPM_TAG"');
    expect(publish.env?.['NPM_TAG']).toBe(gh('needs.verify.outputs.npm-tag'));
    expect(npm.permissions).toMatchObject({ 'id-token': 'write' });
    // Provenance is refused unless package.json names the repository the workflow runs in.
    expect(packageJson.repository.url).toContain('github.com/confighub/confighub-source-controller');
    expect(packageJson.scripts['prepack']).toBe('npm run build');
  });

  it('attaches install.yaml rendered for the version, after everything it points to is published', () => {
    const github = release.jobs['github-release']!;
    expect([github.needs].flat().sort()).toEqual(['chart', 'image', 'npm', 'verify']);
    const render = github.steps.find((s) => s.run?.includes('render-install.ts'))!;
    expect(render.env?.['VERSION']).toBe(VERSION_OUTPUT);
    expect(render.run).toContain('node scripts/render-install.ts --version "$VERSION" --out install.yaml');
    expect(render.run).toContain('node scripts/release-notes.ts "$VERSION" > release-notes.md');
    const create = github.steps.find((s) => s.run?.startsWith('gh release create'))!;
    expect(create.run).toMatch(/^gh release create "\$TAG" install\.yaml /);
    expect(create.env?.['TAG']).toBe(gh('github.ref_name'));
  });
});

describe.skipIf(!kubectlAvailable())('install.yaml', () => {
  const work = mkdtempSync(join(tmpdir(), 'chr-install-yaml-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  async function render(version: string) {
    const out = join(work, `install-${version}.yaml`);
    await execFileAsync(process.execPath, [
      join(REPO_ROOT, 'scripts/render-install.ts'),
      '--version',
      version,
      '--out',
      out,
    ]);
    return parseManifests(readFileSync(out, 'utf8'), out);
  }

  it('is config/default, complete and schema-valid, with the version’s image and labels', async () => {
    const objects = await render(packageJson.version);
    const deployment = expectFullInstall(objects, 'flux-system', 'emptyDir');
    expect(at(deployment, 'spec', 'template', 'spec', 'containers', 0, 'image')).toBe(
      `ghcr.io/confighub/confighub-source-controller:v${packageJson.version}`,
    );
    const ids = (list: typeof objects) => list.map((o) => `${o.kind}/${o.metadata.name}`).sort();
    expect(ids(objects)).toEqual(ids(kustomizeBuild(join(CONFIG_DIR, 'default'))));
    expect(ids(objects)).toContain(`Deployment/${CONTROLLER_NAME}`);
    expect(ids(objects)).toContain('CustomResourceDefinition/confighubrepositories.source.confighub.com');
  });

  it('takes the image tag and version label from the version it is rendered for', async () => {
    const objects = await render('2.3.4-rc.1');
    expectFullInstall(objects, 'flux-system', 'emptyDir');
    const deployment = objects.find((o) => o.kind === 'Deployment')!;
    expect(at(deployment, 'spec', 'template', 'spec', 'containers', 0, 'image')).toBe(
      'ghcr.io/confighub/confighub-source-controller:v2.3.4-rc.1',
    );
    for (const o of objects)
      expect(o.metadata.labels?.['app.kubernetes.io/version'], o.kind).toBe('2.3.4-rc.1');
    expect(at(deployment, 'spec', 'template', 'metadata', 'labels', 'app.kubernetes.io/version')).toBe(
      '2.3.4-rc.1',
    );
    await expect(render('latest')).rejects.toThrow(/not a semantic version/);
  });
});
