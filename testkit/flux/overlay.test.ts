import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { writeOverlay } from './overlay.ts';

describe("kustomize-controller's generated overlay", () => {
  let dir: string | undefined;
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('lists the YAML files (and sub-kustomizations) when there is no kustomization, then sets the spec fields', async () => {
    dir = await mkdtemp(join(tmpdir(), 'overlay-'));
    await writeFile(join(dir, 'b.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\n');
    await writeFile(join(dir, 'a.yml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n');
    await writeFile(join(dir, 'notes.txt'), 'not yaml');
    await mkdir(join(dir, 'sub'));
    await writeFile(join(dir, 'sub', 'kustomization.yaml'), 'resources: []\n');
    await writeOverlay(dir, {
      targetNamespace: 'apps',
      namePrefix: 'p-',
      images: [
        { name: 'nginx', newTag: '1' },
        { name: 'nginx', newTag: '2' },
      ],
      patches: [{ patch: 'x', target: { kind: 'Deployment' } }],
    });
    expect(parse(await readFile(join(dir, 'kustomization.yaml'), 'utf8'))).toEqual({
      apiVersion: 'kustomize.config.k8s.io/v1beta1',
      kind: 'Kustomization',
      resources: ['./a.yml', './b.yaml', './sub'],
      namespace: 'apps',
      namePrefix: 'p-',
      patches: [{ patch: 'x', target: { kind: 'Deployment' } }],
      images: [{ name: 'nginx', newTag: '2' }],
    });
  });

  it('edits an existing kustomization file and refuses non-local components', async () => {
    dir = await mkdtemp(join(tmpdir(), 'overlay-'));
    await writeFile(
      join(dir, 'kustomization.yaml'),
      'resources: [cm.yaml]\nimages: [{name: nginx, newTag: "0"}]\n',
    );
    await writeOverlay(dir, {
      images: [{ name: 'nginx', newTag: '9' }],
      components: ['./missing'],
      ignoreMissingComponents: true,
    });
    expect(parse(await readFile(join(dir, 'kustomization.yaml'), 'utf8'))).toEqual({
      resources: ['cm.yaml'],
      images: [{ name: 'nginx', newTag: '9' }],
    });
    await expect(writeOverlay(dir, { components: ['../outside'] })).rejects.toThrow(
      /must be local and relative/,
    );
  });
});
