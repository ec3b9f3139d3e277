// The RBAC the project ships, rendered as a user installs it: `kubectl kustomize` of config/default
// (into flux-system) with the drift-rbac component. Tests load it into the Kubernetes API test server
// and run the controller as its ServiceAccount, so a rule the code needs but the manifests lack is a
// 403 in the tests, as it would be on a cluster.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export const CONTROLLER_NAMESPACE = 'flux-system';
export const CONTROLLER_SERVICE_ACCOUNT = 'confighub-source-controller';

const CONFIG = fileURLToPath(new URL('../config/', import.meta.url));
const KUBECTL = process.env['KUBECTL'] ?? 'kubectl';

let rendered: string | undefined;
let available: boolean | undefined;

/**
 * kubectl run for local work only (client version, kustomize): with a kubeconfig of the user's in the
 * environment it would still ask that cluster for its version, so it gets none.
 */
export const LOCAL_ONLY_ENV = { ...process.env, KUBECONFIG: '/dev/null' };

/** Whether kubectl can render the manifests (checked once per process). */
export function kubectlAvailable(): boolean {
  if (available === undefined) {
    try {
      execFileSync(KUBECTL, ['version', '--client'], { stdio: 'ignore', env: LOCAL_ONLY_ENV });
      available = true;
    } catch {
      available = false;
    }
  }
  return available;
}

/** The rendered manifests (YAML, many documents), built once per process. */
export function renderShippedManifests(): string {
  if (rendered !== undefined) return rendered;
  const dir = mkdtempSync(join(tmpdir(), 'chr-rbac-'));
  try {
    // kustomize refuses absolute paths: the overlay names config/ relative to itself.
    writeFileSync(
      join(dir, 'kustomization.yaml'),
      [
        'apiVersion: kustomize.config.k8s.io/v1beta1',
        'kind: Kustomization',
        `namespace: ${CONTROLLER_NAMESPACE}`,
        `resources: [${relative(dir, join(CONFIG, 'default'))}]`,
        `components: [${relative(dir, join(CONFIG, 'drift-rbac'))}]`,
        '',
      ].join('\n'),
    );
    rendered = execFileSync(KUBECTL, ['kustomize', dir], {
      env: LOCAL_ONLY_ENV,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return rendered;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
