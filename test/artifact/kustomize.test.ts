// The artifact tree built from realistic units is a valid kustomize root: `kubectl kustomize` (the
// same kustomize API Flux's kustomize-controller embeds) builds it without help.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { x as extract } from 'tar';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { z } from 'zod';
import { buildTarGz, type UnitInput, unitsToFiles } from '../../src/artifact/index.ts';

const run = promisify(execFile);
const KUBECTL = '/usr/bin/kubectl';
const hasKubectl = existsSync(KUBECTL);
if (!hasKubectl) console.warn(`kustomize tests skipped: ${KUBECTL} is not installed`);

const unit = (slug: string, yaml: string): UnitInput => ({
  slug,
  toolchainType: 'Kubernetes/YAML',
  data: Buffer.from(yaml),
});

const units: UnitInput[] = [
  unit(
    'web-deployment',
    `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
  labels: {app: web}
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: ghcr.io/example/web:1.2.3
        ports:
        - containerPort: 8080
        envFrom:
        - configMapRef: {name: web-config}
`,
  ),
  unit(
    'web-service',
    `apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: shop
spec:
  selector: {app: web}
  ports:
  - port: 80
    targetPort: 8080
`,
  ),
  unit(
    'shop-config',
    `# several documents in one unit, with an empty one
apiVersion: v1
kind: Namespace
metadata:
  name: shop
---
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: web-config
  namespace: shop
data:
  GREETING: hello
`,
  ),
  { slug: 'notes', toolchainType: 'AppConfig/Text', data: Buffer.from('not kubernetes') },
];

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kustomize-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const objectSchema = z.looseObject({ kind: z.string(), metadata: z.looseObject({ name: z.string() }) });

/** Builds, extracts and kustomizes; returns `Kind/name` of every object and the raw output. */
async function kustomize(
  input: UnitInput[],
  toolchains?: string[],
): Promise<{ ids: string[]; stdout: string }> {
  const archive = join(dir, 'artifact.tar.gz');
  await writeFile(archive, await buildTarGz(unitsToFiles(input, toolchains ? { toolchains } : {})));
  const root = join(dir, 'tree');
  await mkdir(root);
  await extract({ file: archive, cwd: root, strict: true });
  const { stdout } = await run(KUBECTL, ['kustomize', root], { timeout: 30_000 });
  const ids = parseAllDocuments(stdout).map((document) => {
    const object = objectSchema.parse(document.toJS());
    return `${object.kind}/${object.metadata.name}`;
  });
  return { ids, stdout };
}

describe.skipIf(!hasKubectl)('kubectl kustomize on the extracted artifact', () => {
  it('builds every object of the Kubernetes units', async () => {
    const { ids, stdout } = await kustomize(units, ['Kubernetes/YAML', 'AppConfig/Text']);
    expect(ids.sort()).toEqual(['ConfigMap/web-config', 'Deployment/web', 'Namespace/shop', 'Service/web']);
    expect(stdout).toContain('image: ghcr.io/example/web:1.2.3');
  });

  it('uses a kustomization unit as provided', async () => {
    const own = unit(
      'kustomization',
      'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamePrefix: prod-\nresources:\n- web-service.yaml\n',
    );
    expect((await kustomize([...units, own])).ids).toEqual(['Service/prod-web']);
  });

  it('builds a kustomization unit that uses every kind of path the policy allows', async () => {
    const labels = unit(
      'team-labels',
      'apiVersion: builtin\nkind: LabelTransformer\nmetadata: {name: team}\nlabels: {team: shop}\nfieldSpecs:\n- {path: metadata/labels, create: true}\n',
    );
    const replicas = unit(
      'replicas-patch',
      'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: shop}\nspec: {replicas: 5}\n',
    );
    const own = unit(
      'kustomization',
      [
        'apiVersion: kustomize.config.k8s.io/v1beta1',
        'kind: Kustomization',
        'resources: [./web-deployment.yaml, shop-config.yaml]',
        'transformers: [team-labels.yaml]',
        'patches:',
        '- path: replicas-patch.yaml',
        'configMapGenerator:',
        '- name: notes',
        '  namespace: shop',
        '  files: [NOTES=notes.txt]',
        '',
      ].join('\n'),
    );
    const { ids, stdout } = await kustomize(
      [...units, labels, replicas, own],
      ['Kubernetes/YAML', 'AppConfig/Text'],
    );
    // The generated ConfigMap's name carries kustomize's content hash.
    expect(ids.filter((id) => !id.startsWith('ConfigMap/notes-')).sort()).toEqual([
      'ConfigMap/web-config',
      'Deployment/web',
      'Namespace/shop',
    ]);
    expect(ids.filter((id) => id.startsWith('ConfigMap/notes-'))).toHaveLength(1);
    expect(stdout).toContain('replicas: 5');
    expect(stdout).toContain('team: shop');
    expect(stdout).toContain('NOTES: not kubernetes');
  });

  it('builds an empty tree to no objects', async () => {
    expect((await kustomize([])).ids).toEqual([]);
  });
});
