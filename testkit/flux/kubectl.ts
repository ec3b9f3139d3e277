// The real kustomize, as `kubectl kustomize`: Flux users have kubectl, and only the real one builds
// overlays exactly as kustomize-controller's embedded kustomize does.
import { execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { BuildError } from './overlay.ts';

/** The kubectl on PATH, or undefined. */
export function findKubectl(path = process.env['PATH'] ?? ''): string | undefined {
  for (const dir of path.split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, 'kubectl');
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** `kubectl kustomize` with LoadRestrictionsNone, as Flux's krusty options; the YAML stream it prints. */
export function kustomizeBuild(kubectl: string, dir: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      kubectl,
      ['kustomize', '--load-restrictor=LoadRestrictionsNone', dir],
      // Local work only: never the user's cluster (a kubeconfig in the environment would be asked its version).
      { maxBuffer: 64 * 1024 * 1024, env: { ...process.env, KUBECONFIG: '/dev/null' } },
      (error, stdout, stderr) => {
        if (error) reject(new BuildError(`kustomize build failed: ${(stderr || error.message).trim()}`));
        else resolve(stdout);
      },
    );
  });
}
