// The kustomization overlay kustomize-controller writes before building (fluxcd/pkg kustomize
// Generator.WriteFile): use the directory's kustomization file, or generate one listing its YAML files
// (and sub-directories that carry their own kustomization), then set the Kustomization's
// targetNamespace, namePrefix/nameSuffix, patches, components and images on it.
import { existsSync, statSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { parse, parseAllDocuments, stringify } from 'yaml';

const KUSTOMIZATION_FILES = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'];

export interface OverlaySpec {
  targetNamespace?: string;
  namePrefix?: string;
  nameSuffix?: string;
  patches?: Array<{ patch: string; target?: Record<string, unknown> }>;
  patchesStrategicMerge?: unknown[];
  patchesJson6902?: Array<{ patch: unknown[]; target: Record<string, unknown> }>;
  images?: Array<{ name: string; newName?: string; newTag?: string; digest?: string }>;
  components?: string[];
  ignoreMissingComponents?: boolean;
}

export class BuildError extends Error {
  override readonly name = 'BuildError';
}

/** Writes the overlay kustomization file into `dir` (the Kustomization's spec.path). */
export async function writeOverlay(dir: string, spec: OverlaySpec): Promise<void> {
  const existing = KUSTOMIZATION_FILES.map((f) => join(dir, f)).find(isFile);
  let kus: Record<string, unknown>;
  let file: string;
  if (existing !== undefined) {
    file = existing;
    kus = (parse(await readFile(existing, 'utf8')) as Record<string, unknown> | null) ?? {};
    if (!Array.isArray(kus['resources']) || kus['resources'].length === 0) {
      // kustomize refuses an empty kustomization; Flux keeps it buildable this way.
      kus['buildMetadata'] = ['originAnnotations'];
    }
  } else {
    file = join(dir, 'kustomization.yaml');
    const resources = (await scan(dir, dir)).map((p) => `./${p}`);
    kus = { apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization' };
    if (resources.length === 0) kus['namespace'] = '_placeholder';
    else kus['resources'] = resources;
  }
  if (spec.targetNamespace) kus['namespace'] = spec.targetNamespace;
  if (spec.namePrefix) kus['namePrefix'] = spec.namePrefix;
  if (spec.nameSuffix) kus['nameSuffix'] = spec.nameSuffix;
  for (const p of spec.patches ?? []) {
    push(kus, 'patches', { patch: p.patch, ...(p.target ? { target: p.target } : {}) });
  }
  for (const component of spec.components ?? []) {
    if (component.startsWith('/') || component.includes('://') || component.split('/').includes('..')) {
      throw new BuildError(`component path '${component}' must be local and relative`);
    }
    if (!existsSync(join(dir, component)) && spec.ignoreMissingComponents) continue;
    push(kus, 'components', component);
  }
  for (const p of spec.patchesStrategicMerge ?? []) push(kus, 'patchesStrategicMerge', JSON.stringify(p));
  for (const p of spec.patchesJson6902 ?? []) {
    push(kus, 'patchesJson6902', { patch: JSON.stringify(p.patch), target: p.target });
  }
  for (const image of spec.images ?? []) {
    const images = (kus['images'] as Array<{ name: string }> | undefined) ?? [];
    const index = images.findIndex((i) => i.name === image.name);
    if (index >= 0) images[index] = image;
    else images.push(image);
    kus['images'] = images;
  }
  await writeFile(file, stringify(kus));
}

function push(kus: Record<string, unknown>, key: string, value: unknown): void {
  const list = Array.isArray(kus[key]) ? (kus[key] as unknown[]) : [];
  list.push(value);
  kus[key] = list;
}

function isFile(path: string): boolean {
  return existsSync(path) && statSync(path).isFile();
}

/** Lexical walk, as filepath.Walk: YAML files that parse, and directories with a kustomization. */
async function scan(base: string, dir: string): Promise<string[]> {
  const out: string[] = [];
  const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) =>
    a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
  );
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (KUSTOMIZATION_FILES.some((f) => isFile(join(path, f)))) out.push(relative(base, path));
      else out.push(...(await scan(base, path)));
      continue;
    }
    if (!/\.ya?ml$/.test(entry.name)) continue;
    for (const doc of parseAllDocuments(await readFile(path, 'utf8'))) {
      if (doc.errors.length > 0) {
        throw new BuildError(`failed to decode Kubernetes YAML from ${path}: ${doc.errors[0]?.message}`);
      }
    }
    out.push(relative(base, path));
  }
  return out;
}
