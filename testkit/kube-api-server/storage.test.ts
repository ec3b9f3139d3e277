import { describe, expect, it } from 'vitest';
import { Store } from './storage.ts';

const obj = (name: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'ns' } });

describe('Store', () => {
  it('hands out resourceVersions from one counter that does not start near zero', () => {
    const store = new Store(10);
    const a = store.write('configmaps', obj('a'));
    const b = store.write('secrets', obj('b'));
    expect(Number(a.metadata.resourceVersion)).toBeGreaterThan(1_000_000);
    expect(Number(b.metadata.resourceVersion)).toBe(Number(a.metadata.resourceVersion) + 1);
    expect(store.resourceVersion).toBe(b.metadata.resourceVersion);
  });

  it('keeps a bounded history and reports expiry for older resourceVersions', () => {
    const store = new Store(2);
    const start = store.currentRv;
    const first = store.write('configmaps', obj('a'));
    store.write('configmaps', obj('b'));
    store.write('configmaps', obj('c'));
    expect(store.eventsSince(start)).toBeUndefined();
    const since = store.eventsSince(Number(first.metadata.resourceVersion));
    expect(since?.map((e) => e.object.metadata.name)).toEqual(['b', 'c']);
    store.compact();
    expect(store.eventsSince(Number(first.metadata.resourceVersion))).toBeUndefined();
    expect(store.eventsSince(store.currentRv)).toEqual([]);
  });

  it('records MODIFIED with the previous object and DELETED at a new resourceVersion', () => {
    const store = new Store(10);
    store.write('configmaps', obj('a'));
    store.write('configmaps', { ...obj('a'), data: { k: 'v' } });
    const gone = store.remove('configmaps', 'ns', 'a');
    const [, modified, deleted] = store.events();
    expect(modified?.type).toBe('MODIFIED');
    expect(modified?.previous?.['data']).toBeUndefined();
    expect(deleted).toMatchObject({ type: 'DELETED', rv: store.currentRv });
    expect(gone?.metadata.resourceVersion).toBe(store.resourceVersion);
    expect(store.get('configmaps', 'ns', 'a')).toBeUndefined();
  });
});
