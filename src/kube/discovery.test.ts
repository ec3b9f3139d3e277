import { describe, expect, it } from 'vitest';
import { discoverKinds } from './discovery.ts';
import { KubeApiError } from './errors.ts';

/** Stands in for KubeClient.getPath: serves discovery documents by path and records what was asked. */
function fakeKube(documents: Record<string, unknown>) {
  const asked: string[] = [];
  return {
    asked,
    async getPath<T>(path: string): Promise<T> {
      asked.push(path);
      const document = documents[path];
      if (document === undefined) throw new KubeApiError(404, 'NotFound', 'the server could not find it');
      if (document instanceof Error) throw document;
      return document as T;
    },
  };
}

describe('discoverKinds', () => {
  it('maps each kind of a group version to its resource, leaving subresources out', async () => {
    const kube = fakeKube({
      '/apis/apps/v1': {
        resources: [
          { name: 'deployments', kind: 'Deployment', namespaced: true, verbs: ['get'] },
          { name: 'deployments/status', kind: 'Deployment', namespaced: true },
          { name: 'controllerrevisions', kind: 'ControllerRevision', namespaced: true },
        ],
      },
      '/api/v1': { resources: [{ name: 'namespaces', kind: 'Namespace', namespaced: false }] },
    });
    const apps = await discoverKinds(kube, 'apps/v1');
    expect(apps?.get('Deployment')).toEqual({
      group: 'apps',
      version: 'v1',
      plural: 'deployments',
      kind: 'Deployment',
      namespaced: true,
    });
    expect(apps?.size).toBe(2);
    const core = await discoverKinds(kube, 'v1');
    expect(core?.get('Namespace')).toMatchObject({ group: '', plural: 'namespaces', namespaced: false });
    expect(kube.asked).toEqual(['/apis/apps/v1', '/api/v1']);
  });

  it('is undefined for a group version the server does not serve', async () => {
    expect(await discoverKinds(fakeKube({}), 'example.com/v1')).toBeUndefined();
  });

  it('passes other failures and malformed documents on', async () => {
    const forbidden = new KubeApiError(403, 'Forbidden', 'no');
    await expect(discoverKinds(fakeKube({ '/apis/a/v1': forbidden }), 'a/v1')).rejects.toBe(forbidden);
    await expect(discoverKinds(fakeKube({ '/apis/a/v1': { resources: 'x' } }), 'a/v1')).rejects.toThrow();
  });
});
