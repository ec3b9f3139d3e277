// `node scripts/render-install.ts --version 1.2.3 [--out install.yaml]`: the release's one-file
// installation, `kubectl apply -f install.yaml`. It is config/default (the CRD, RBAC, Deployment and
// Service in flux-system) built by `kubectl kustomize` through an overlay that sets the image tag
// `v<version>` and the version label, so the file matches the image pushed for that version whatever
// config/default says. `KUBECTL` names the kubectl to use (default: the one on PATH).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import semver from 'semver';
import { stringify } from 'yaml';
import { IMAGE, KUSTOMIZE_DEFAULT } from './release-versions.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export function renderInstall(version: string, kubectl = process.env['KUBECTL'] ?? 'kubectl'): string {
  if (semver.valid(version) !== version) throw new Error(`'${version}' is not a semantic version`);
  const overlay = mkdtempSync(join(tmpdir(), 'render-install-'));
  try {
    const kustomization = {
      apiVersion: 'kustomize.config.k8s.io/v1beta1',
      kind: 'Kustomization',
      // kustomize refuses absolute paths in resources.
      resources: [relative(overlay, join(root, KUSTOMIZE_DEFAULT))],
      images: [{ name: IMAGE, newTag: `v${version}` }],
      labels: [
        {
          pairs: { 'app.kubernetes.io/version': version },
          includeSelectors: false,
          includeTemplates: true,
        },
      ],
    };
    writeFileSync(join(overlay, 'kustomization.yaml'), stringify(kustomization));
    const rendered = execFileSync(kubectl, ['kustomize', overlay], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      maxBuffer: 64 << 20,
    });
    return `# confighub-source-controller v${version}: kubectl apply -f install.yaml\n---\n${rendered}`;
  } finally {
    rmSync(overlay, { recursive: true, force: true });
  }
}

if (import.meta.main) {
  const { values } = parseArgs({ options: { version: { type: 'string' }, out: { type: 'string' } } });
  if (values.version === undefined) {
    process.stderr.write('usage: node scripts/render-install.ts --version X.Y.Z [--out FILE]\n');
    process.exit(2);
  }
  const text = renderInstall(values.version);
  if (values.out === undefined) process.stdout.write(text);
  else writeFileSync(values.out, text);
}
