import { describe, expect, it } from 'vitest';
import { strategicMergePatch } from './strategic-merge.ts';
import type { JsonObject } from './types.ts';

const pod = (): JsonObject => ({
  metadata: { finalizers: ['a'], labels: { x: '1' } },
  spec: {
    containers: [
      { name: 'a', image: 'a:1', args: ['--x'] },
      { name: 'b', image: 'b:1' },
    ],
    tolerations: [{ key: 't' }],
  },
});

describe('strategic merge patch', () => {
  it('merges keyed lists, replaces unkeyed ones and deletes with null', () => {
    const out = strategicMergePatch('Pod', pod(), {
      metadata: { labels: { x: null, y: '2' }, finalizers: ['b'] },
      spec: { containers: [{ name: 'b', image: 'b:2', args: ['--y'] }], tolerations: [{ key: 'u' }] },
    });
    expect(out).toEqual({
      metadata: { finalizers: ['a', 'b'], labels: { y: '2' } },
      spec: {
        containers: [
          { name: 'a', image: 'a:1', args: ['--x'] },
          { name: 'b', image: 'b:2', args: ['--y'] },
        ],
        tolerations: [{ key: 'u' }],
      },
    });
  });

  it('honours $patch replace, $setElementOrder, $deleteFromPrimitiveList and $retainKeys', () => {
    const out = strategicMergePatch('Pod', pod(), {
      metadata: { '$deleteFromPrimitiveList/finalizers': ['a'] },
      spec: {
        '$setElementOrder/containers': [{ name: 'b' }, { name: 'a' }],
        containers: [{ name: 'a', $retainKeys: ['name', 'image'], image: 'a:2' }],
      },
    } as never);
    expect(out['metadata']).toEqual({ finalizers: [], labels: { x: '1' } });
    expect((out['spec'] as { containers: unknown }).containers).toEqual([
      { name: 'b', image: 'b:1' },
      { name: 'a', image: 'a:2' },
    ]);
    const replaced = strategicMergePatch('Pod', pod(), { spec: { $patch: 'replace', containers: [] } });
    expect(replaced['spec']).toEqual({ containers: [] });
  });
});
