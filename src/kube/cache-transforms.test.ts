import { describe, expect, it } from 'vitest';
import { repositoryCacheTransform } from './cache-transforms.ts';

describe('repositoryCacheTransform', () => {
  it('drops managedFields and the fetched unit list, keeping the rest of the status', () => {
    const object = repositoryCacheTransform({
      metadata: { name: 'r', managedFields: [{ manager: 'kubectl' }] },
      status: { fetched: { spaceID: 's', ref: 'HEAD', unitCount: 1, units: [{ slug: 'a' }] }, artifact: {} },
    });
    expect(object.metadata).not.toHaveProperty('managedFields');
    expect(object['status']).toEqual({
      fetched: { spaceID: 's', ref: 'HEAD', unitCount: 1, units: [] },
      artifact: {},
    });
  });

  it('leaves an object without status untouched', () => {
    expect(repositoryCacheTransform({ metadata: { name: 'r' }, spec: { x: 1 } })).toEqual({
      metadata: { name: 'r' },
      spec: { x: 1 },
    });
  });
});
