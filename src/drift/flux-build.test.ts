import { describe, expect, it } from 'vitest';
import { parseConsumer } from '../delivery/consumer.ts';
import { desiredObjects } from './desired.ts';
import { buildForConsumer } from './flux-build.ts';

const files = [
  {
    path: 'all.yaml',
    data: Buffer.from(`apiVersion: v1
kind: Namespace
metadata: {name: shop}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  replicas: \${REPLICAS:=2}
  template:
    spec:
      initContainers: [{name: init, image: "busybox@sha256:aaaa"}]
      containers: [{name: web, image: "nginx:1.0"}, {name: side, image: "registry:5000/nginx:2"}]
`),
  },
];

const consumer = (spec: Record<string, unknown>) =>
  parseConsumer('Kustomization', { metadata: { name: 'app', namespace: 'flux-system' }, spec })!;

describe('desired state as kustomize-controller builds it', () => {
  it('applies targetNamespace (renaming the Namespace), images, commonMetadata and substitution', async () => {
    const result = await buildForConsumer(
      desiredObjects(files),
      consumer({
        targetNamespace: 'apps',
        images: [
          { name: 'nginx', newTag: '1.1' },
          { name: 'busybox', newName: 'mirror/busybox', digest: 'sha256:bbbb' },
        ],
        commonMetadata: { labels: { team: 'a' } },
        postBuild: { substituteFrom: [{ kind: 'ConfigMap', name: 'vars' }] },
      }),
      async () => ({ REPLICAS: '3\n' }),
    );
    if (!('objects' in result)) throw new Error(result.unsupported);
    const [ns, web] = result.objects;
    expect(ns).toMatchObject({ kind: 'Namespace', name: 'apps' });
    expect(web!.namespace).toBe('apps');
    expect(web!.object).toMatchObject({
      metadata: { labels: { team: 'a' } },
      spec: {
        replicas: 3,
        template: {
          spec: {
            initContainers: [{ image: 'mirror/busybox@sha256:bbbb' }],
            containers: [{ image: 'nginx:1.1' }, { image: 'registry:5000/nginx:2' }],
          },
        },
      },
    });
  });

  it('applies targeted JSON 6902 patches before the namespace, as kustomize does', async () => {
    const result = await buildForConsumer(
      desiredObjects(files),
      consumer({
        targetNamespace: 'apps',
        patches: [
          {
            patch: '- op: replace\n  path: /spec/replicas\n  value: 4\n',
            target: { kind: 'Deployment', namespace: 'shop', name: 'w.b' },
          },
          {
            patch: '[{"op": "add", "path": "/metadata/labels", "value": {"x": "y"}}]',
            target: { kind: 'Service' },
          },
        ],
      }),
      async () => ({}),
    );
    if (!('objects' in result)) throw new Error(result.unsupported);
    expect(result.objects[1]!.object).toMatchObject({
      metadata: { namespace: 'apps' },
      spec: { replicas: 4 },
    });
    const strategic = await buildForConsumer(
      desiredObjects(files),
      consumer({ patches: [{ patch: 'kind: Deployment\nmetadata: {name: web}\nspec: {replicas: 1}\n' }] }),
      async () => ({}),
    );
    expect(strategic).toEqual({
      unsupported: 'spec.patches not reproduced (only targeted JSON 6902 patches are)',
    });
  });

  it('keeps a consumer whose build fields are malformed, and does not compare its objects', async () => {
    const odd = consumer({ images: 'nginx:latest' });
    expect(odd).toMatchObject({ kind: 'Kustomization', name: 'app' });
    expect(await buildForConsumer(desiredObjects(files), odd, async () => ({}))).toEqual({
      unsupported: 'spec.images not readable',
    });
  });

  it('names what it does not reproduce', async () => {
    const patched = await buildForConsumer(
      desiredObjects(files),
      consumer({ namePrefix: 'p-', components: ['c'] }),
      async () => ({}),
    );
    expect(patched).toEqual({ unsupported: 'spec.namePrefix, spec.components not reproduced' });
    const missing = await buildForConsumer(
      desiredObjects(files),
      consumer({ postBuild: { substituteFrom: [{ kind: 'Secret', name: 's' }] } }),
      async () => undefined,
    );
    expect(missing).toEqual({ unsupported: 'postBuild.substituteFrom Secret/s not found' });
  });
});
