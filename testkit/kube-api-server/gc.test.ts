// The test server's garbage collector works from its owner index: it still collects dependents (a
// chain of them too), and a pass never lists every stored object, so fleets of thousands stay cheap.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KubeApiServer } from './index.ts';

let server: KubeApiServer;
let lists = 0;

beforeEach(() => {
  server = new KubeApiServer({ namespaces: ['fleet'] });
  const list = server.store.list.bind(server.store);
  lists = 0;
  server.store.list = (...args) => {
    lists++;
    return list(...args);
  };
});
afterEach(async () => {
  await server.close();
});

function configMap(name: string, owner?: { name: string; uid: string }) {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name,
      namespace: 'fleet',
      ...(owner ? { ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', ...owner }] } : {}),
    },
  };
}

function ownerOf(name: string) {
  return { name, uid: server.get('configmaps', 'fleet', name)!.metadata.uid! };
}

describe('GarbageCollector', () => {
  it('collects a chain of dependents among thousands of objects without listing them', async () => {
    for (let i = 0; i < 2000; i++) server.create(configMap(`bystander-${i}`));
    server.create(configMap('owner'));
    server.create(configMap('child', ownerOf('owner')));
    server.create(configMap('grandchild', ownerOf('child')));
    server.create(configMap('kept', ownerOf('owner')));
    // `kept` has a second owner that stays.
    server.patch('configmaps', 'fleet', 'kept', {
      metadata: {
        ownerReferences: [
          { apiVersion: 'v1', kind: 'ConfigMap', ...ownerOf('owner') },
          { apiVersion: 'v1', kind: 'ConfigMap', ...ownerOf('bystander-7') },
        ],
      },
    });

    server.delete('configmaps', 'fleet', 'owner', { propagationPolicy: 'Background' });
    await server.waitForDeletion('configmaps', 'fleet', 'grandchild');
    expect(server.get('configmaps', 'fleet', 'child')).toBeUndefined();
    expect(server.get('configmaps', 'fleet', 'kept')).toBeDefined();
    expect(server.get('configmaps', 'fleet', 'bystander-7')).toBeDefined();
    expect(lists).toBe(0);
  });

  it('collects a dependent whose owner never existed', async () => {
    server.create(configMap('stray', { name: 'ghost', uid: 'no-such-uid' }));
    await server.waitForDeletion('configmaps', 'fleet', 'stray');
  });
});
