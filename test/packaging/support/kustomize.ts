// `kubectl kustomize` (kustomize v5.5 is built into kubectl 1.32) on the project's config/ tree.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { stringify } from 'yaml';
import { type KubeObject, parseManifests } from './objects.ts';
import { KUBECTL } from './paths.ts';

export function kubectlAvailable(): boolean {
  try {
    execFileSync(KUBECTL, ['version', '--client'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export function kustomizeBuild(dir: string): KubeObject[] {
  const out = execFileSync(KUBECTL, ['kustomize', dir], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return parseManifests(out, dir);
}

export interface Overlay {
  namespace?: string;
  /** Absolute directories; written as paths relative to the temporary overlay (kustomize refuses absolute). */
  resources?: string[];
  components?: string[];
  /** Extra files written next to the overlay's kustomization.yaml and listed as resources. */
  files?: Record<string, string>;
}

/** Builds a throw-away overlay, the way a user composes the components in their own repository. */
export function kustomizeOverlay(overlay: Overlay): KubeObject[] {
  const dir = mkdtempSync(join(tmpdir(), 'chr-overlay-'));
  try {
    const files = overlay.files ?? {};
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
    const kustomization: Record<string, unknown> = {
      apiVersion: 'kustomize.config.k8s.io/v1beta1',
      kind: 'Kustomization',
      resources: [...(overlay.resources ?? []).map((p) => relative(dir, p)), ...Object.keys(files)],
    };
    if (overlay.namespace) kustomization['namespace'] = overlay.namespace;
    if (overlay.components) kustomization['components'] = overlay.components.map((p) => relative(dir, p));
    writeFileSync(join(dir, 'kustomization.yaml'), stringify(kustomization));
    return kustomizeBuild(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
