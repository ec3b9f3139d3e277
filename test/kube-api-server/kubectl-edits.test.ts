// The edits a person makes with kubectl give the objects a real cluster gives: create namespace and
// secret (protobuf bodies), set image / patch / edit (strategic merge patch by merge key), scale (the
// /scale subresource).
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findKubectl } from '../../testkit/flux/index.ts';
import { type KubeApiServer, startKubeApiServer } from '../../testkit/kube-api-server/index.ts';

const KUBECTL = findKubectl();

type Container = { name: string; image: string; env?: unknown[]; ports?: unknown[] };
type Deployment = { spec: { replicas: number; template: { spec: { containers: Container[] } } } };

const DEPLOYMENT = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'default' },
  spec: {
    replicas: 2,
    selector: { matchLabels: { app: 'web' } },
    template: {
      metadata: { labels: { app: 'web' } },
      spec: {
        containers: [
          {
            name: 'web',
            image: 'nginx:1.0',
            env: [
              { name: 'A', value: '1' },
              { name: 'B', value: '2' },
            ],
            ports: [{ containerPort: 80, name: 'http' }],
            readinessProbe: { httpGet: { path: '/', port: 80 } },
          },
          { name: 'side', image: 'busybox' },
        ],
      },
    },
  },
};

describe.skipIf(KUBECTL === undefined)('kubectl edits against the API server', () => {
  let server: KubeApiServer;
  let dir: string;
  let kubeconfig: string;
  const kubectl = (args: string[], env: Record<string, string> = {}) =>
    new Promise<string>((resolve, reject) =>
      execFile(
        KUBECTL!,
        ['--kubeconfig', kubeconfig, ...args],
        { env: { ...process.env, ...env } },
        (error, stdout, stderr) => (error ? reject(new Error(stderr || error.message)) : resolve(stdout)),
      ),
    );
  const web = () => server.get('deployments', 'default', 'web') as unknown as Deployment;

  beforeAll(async () => {
    server = await startKubeApiServer();
    dir = await mkdtemp(join(tmpdir(), 'kubectl-edits-'));
    kubeconfig = await server.writeKubeconfig(join(dir, 'kubeconfig'));
  });
  afterAll(async () => {
    await server?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('creates a namespace, a secret and a config map', async () => {
    await kubectl(['create', 'namespace', 'shop']);
    await kubectl(['create', 'secret', 'generic', 'creds', '-n', 'shop', '--from-literal=token=s3cr3t']);
    await kubectl(['create', 'configmap', 'settings', '-n', 'shop', '--from-literal=mode=fast']);
    expect(server.get('namespaces', undefined, 'shop')?.metadata.labels).toEqual({
      'kubernetes.io/metadata.name': 'shop',
    });
    expect(server.get('secrets', 'shop', 'creds')).toMatchObject({
      data: { token: Buffer.from('s3cr3t').toString('base64') },
    });
    expect(server.get('configmaps', 'shop', 'settings')).toMatchObject({ data: { mode: 'fast' } });
  });

  it('set image changes only the image of the named container', async () => {
    server.create(DEPLOYMENT);
    await kubectl(['set', 'image', 'deployment/web', 'web=nginx:2.0']);
    const [container, side] = web().spec.template.spec.containers;
    expect(container).toEqual({ ...DEPLOYMENT.spec.template.spec.containers[0], image: 'nginx:2.0' });
    expect(side).toEqual({ name: 'side', image: 'busybox' });
  });

  it('patch merges env by name and ports by containerPort, and honours $patch: delete', async () => {
    await kubectl([
      'patch',
      'deployment',
      'web',
      '-p',
      JSON.stringify({
        spec: {
          template: {
            spec: {
              containers: [
                {
                  name: 'web',
                  env: [
                    { name: 'B', value: 'two' },
                    { name: 'A', $patch: 'delete' },
                    { name: 'C', value: '3' },
                  ],
                  ports: [{ containerPort: 80, protocol: 'TCP' }],
                },
              ],
            },
          },
        },
      }),
    ]);
    const container = web().spec.template.spec.containers[0]!;
    expect(container.env).toEqual([
      { name: 'B', value: 'two' },
      { name: 'C', value: '3' },
    ]);
    expect(container.ports).toEqual([{ containerPort: 80, name: 'http', protocol: 'TCP' }]);
    expect(web().spec.template.spec.containers).toHaveLength(2);
  });

  it('scale writes spec.replicas through the scale subresource', async () => {
    await kubectl(['scale', 'deployment/web', '--replicas=5']);
    expect(web().spec.replicas).toBe(5);
    const managers = server
      .get('deployments', 'default', 'web')!
      .metadata.managedFields?.map((f) => f.manager);
    expect(managers).toContain('kubectl');
  });

  it('edit changes the edited field and keeps the rest', async () => {
    const before = web();
    await kubectl(['edit', 'deployment/web'], { EDITOR: 'sed -i s/busybox/busybox:edited/' });
    const after = web();
    expect(after.spec.template.spec.containers[1]).toEqual({ name: 'side', image: 'busybox:edited' });
    expect(after.spec.template.spec.containers[0]).toEqual(before.spec.template.spec.containers[0]);
  });
});
