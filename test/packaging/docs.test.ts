// The installation guide checked against the code and the samples: every condition or event reason the
// controller can set has a row in its troubleshooting table (and no row names a reason that does not
// exist), the Secret keys and the finalizer it names are the ones the code reads, its manifests equal the
// samples, every sample validates against the CRDs, and its links and the README's point at real headings.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { Reason } from '../../src/api/conditions.ts';
import {
  DEFAULT_CONFIGHUB_URL,
  FINALIZER,
  SECRET_KEY_AUDIENCE,
  SECRET_KEY_CA,
  SECRET_KEY_PRIVATE_KEY,
  SECRET_KEY_SUBJECT,
  SECRET_KEY_TLS_CERT,
  SECRET_KEY_TLS_KEY,
  SECRET_KEY_TOKEN,
  SECRET_KEY_WORKER_ID,
  SECRET_KEY_WORKER_SECRET,
} from '../../src/api/constants.ts';
import { commands } from '../../src/cli/commands.ts';
import { DeliveryReason } from '../../src/delivery/compute.ts';
import { at, type KubeObject, objectSchema, one, parseManifests } from './support/objects.ts';
import { CONFIG_DIR, REPO_ROOT, sharedCrdsPresent } from './support/paths.ts';
import { validateObject } from './support/schemas.ts';

const INSTALL_MD = join(REPO_ROOT, 'docs/install.md');
const guide = readFileSync(INSTALL_MD, 'utf8');
const SAMPLES = join(CONFIG_DIR, 'samples');
const FLUX_GROUPS = ['kustomize.toolkit.fluxcd.io/', 'helm.toolkit.fluxcd.io/', 'source.toolkit.fluxcd.io/'];
const isFlux = (o: KubeObject) => FLUX_GROUPS.some((g) => o.apiVersion.startsWith(g));

/** The text under a heading, up to the next heading of the same or a higher level. */
function section(markdown: string, heading: string): string {
  const level = /^#+/.exec(heading)![0].length;
  const lines = markdown.split('\n');
  const start = lines.indexOf(heading);
  if (start < 0) throw new Error(`no heading '${heading}'`);
  const end = lines.findIndex(
    (line, i) => i > start && /^#+ /.test(line) && /^#+/.exec(line)![0].length <= level,
  );
  return lines.slice(start + 1, end < 0 ? undefined : end).join('\n');
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
function anchor(heading: string): string {
  return heading
    .replace(/^#+ /, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replace(/ /g, '-');
}

const anchors = new Set(
  guide
    .split('\n')
    .filter((l) => /^#+ /.test(l))
    .map(anchor),
);

/** Reasons written as string literals where events are built (`reason: 'DriftDetected'`). */
function literalReasons(dir: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.ts') || entry.name.endsWith('.test.ts')) continue;
    const text = readFileSync(join(entry.parentPath, entry.name), 'utf8');
    for (const match of text.matchAll(/\breason: '([A-Z][A-Za-z]+)'/g)) found.push(match[1]!);
  }
  return found;
}

/** The Kubernetes objects among the YAML code blocks of a markdown text (patches and snippets skipped). */
function manifestsIn(markdown: string): KubeObject[] {
  const documents = [...markdown.matchAll(/```yaml\n([\s\S]*?)```/g)].flatMap((m) =>
    parseAllDocuments(m[1]!).map((d) => d.toJS() as unknown),
  );
  return documents.flatMap((d) => {
    const parsed = objectSchema.safeParse(d);
    return parsed.success ? [parsed.data] : [];
  });
}

function samples(): { file: string; objects: KubeObject[] }[] {
  return readdirSync(SAMPLES)
    .filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml')
    .sort()
    .map((file) => ({ file, objects: parseManifests(readFileSync(join(SAMPLES, file), 'utf8'), file) }));
}

describe('docs/install.md troubleshooting', () => {
  const rows = section(section(guide, '## Troubleshooting'), '### Reasons')
    .split('\n')
    .filter((line) => line.startsWith('| `'));
  const documented = rows.map((line) => /^\| `([^`]+)` \|/.exec(line)?.[1]);

  it('has one row per reason the controller sets, and no row for a reason it never sets', () => {
    const expected = new Set([
      ...Object.values(Reason),
      ...Object.values(DeliveryReason),
      ...literalReasons(join(REPO_ROOT, 'src')),
    ]);
    expect(documented).not.toContain(undefined);
    expect(new Set(documented).size, 'duplicate rows').toBe(documented.length);
    expect([...expected].filter((r) => !documented.includes(r)).sort(), 'missing').toEqual([]);
    expect(documented.filter((r) => !expected.has(r!)).sort(), 'not a reason').toEqual([]);
  });

  it('says for every reason where it shows, what it means and what to do', () => {
    for (const row of rows) {
      const cells = row.split(' | ').map((c) => c.replace(/^\| |\s*\|$/g, '').trim());
      expect(cells, row).toHaveLength(4);
      for (const cell of cells) expect(cell, row).not.toBe('');
    }
  });
});

describe('docs/install.md against the code', () => {
  it('names the Secret keys the controller reads and its finalizer, exactly', () => {
    for (const key of [
      SECRET_KEY_WORKER_ID,
      SECRET_KEY_WORKER_SECRET,
      SECRET_KEY_PRIVATE_KEY,
      SECRET_KEY_SUBJECT,
      SECRET_KEY_AUDIENCE,
      SECRET_KEY_TOKEN,
      SECRET_KEY_CA,
      SECRET_KEY_TLS_CERT,
      SECRET_KEY_TLS_KEY,
    ]) {
      expect(guide).toContain(`\`${key}\``);
    }
    expect(guide).toContain(`\`${FINALIZER}\``);
    // The worker keys as `kubectl create secret` writes them.
    expect(guide).toContain(`--from-literal=${SECRET_KEY_WORKER_ID}=`);
    expect(guide).toContain(`--from-literal=${SECRET_KEY_WORKER_SECRET}=`);
  });

  it('lists every confighub-source command in the compatibility table', () => {
    const table = section(guide, '## Compatibility');
    for (const name of Object.keys(commands).filter((c) => c !== 'controller')) {
      expect(table, name).toMatch(new RegExp(`\`${name}[ \`]`));
    }
  });

  it('links only to headings that exist, and the README links to the guide and its compatibility table', () => {
    const links = [...guide.matchAll(/\]\(#([^)]+)\)/g)].map((m) => m[1]!);
    expect(links.length).toBeGreaterThan(0);
    for (const link of links) expect(anchors, link).toContain(link);

    const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
    const fromReadme = [...readme.matchAll(/\]\(docs\/install\.md(?:#([^)]+))?\)/g)].map((m) => m[1]);
    expect(fromReadme).toContain(undefined);
    expect(fromReadme).toContain('compatibility');
    for (const link of fromReadme.filter((l) => l !== undefined)) expect(anchors, link).toContain(link);
  });

  it('shows the sample ConfigHubRepository and Kustomization as they are in config/samples', () => {
    const shown = manifestsIn(guide).filter((o) => o.kind === 'ConfigHubRepository' || isFlux(o));
    const inSamples = samples().flatMap((s) => s.objects);
    expect(shown.map((o) => o.kind).sort()).toEqual(['ConfigHubRepository', 'Kustomization']);
    for (const object of shown) expect(object).toEqual(one(inSamples, object.kind, object.metadata.name));
  });
});

describe('config/samples', () => {
  const files = samples();

  it('lists every sample file in its kustomization.yaml', () => {
    const kustomization = parse(readFileSync(join(SAMPLES, 'kustomization.yaml'), 'utf8')) as {
      resources: string[];
    };
    expect([...kustomization.resources].sort()).toEqual(files.map((f) => f.file));
  });

  it('validates every object against its schema (the project CRD, Kubernetes)', () => {
    for (const { objects } of files) for (const o of objects.filter((o) => !isFlux(o))) validateObject(o);
  });

  it.skipIf(!sharedCrdsPresent)('validates the Flux objects against Flux’s CRDs (../shared/crds)', () => {
    const flux = files.flatMap((f) => f.objects).filter(isFlux);
    expect(flux.length).toBeGreaterThan(0);
    for (const o of flux) validateObject(o);
  });

  it('uses the worker Secret first, on hub.confighub.com, with every value to replace marked', () => {
    const all = files.flatMap((f) => f.objects);
    const repository = one(all, 'ConfigHubRepository');
    expect(at(repository, 'spec', 'url')).toBe(DEFAULT_CONFIGHUB_URL);
    const secret = one(all, 'Secret', at(repository, 'spec', 'secretRef', 'name') as string);
    expect(Object.keys(at(secret, 'stringData') as object).sort()).toEqual(
      [SECRET_KEY_WORKER_ID, SECRET_KEY_WORKER_SECRET].sort(),
    );
    for (const s of all.filter((o) => o.kind === 'Secret')) {
      for (const value of Object.values(at(s, 'stringData') as Record<string, string>)) {
        expect(value).toMatch(/^<your-[a-z-]+>$/);
      }
    }
    // The CRD's slug pattern allows no angle brackets: the space is marked by a REPLACE comment.
    const space = at(repository, 'spec', 'space') as string;
    expect(space).toMatch(/^your-/);
    const text = readFileSync(join(SAMPLES, 'source_v1beta1_confighubrepository.yaml'), 'utf8');
    expect(text).toMatch(new RegExp(`# REPLACE:.*\\n\\s*space: ${space}\\n`));
  });
});
