import { describe, expect, it } from 'vitest';
import { replacingMergePatch } from '../../src/kube/merge-patch.ts';
import { mergePatch } from '../../testkit/kube-api-server/patch.ts';
import type { Json } from '../../testkit/kube-api-server/types.ts';

describe('replacingMergePatch', () => {
  it('nulls keys removed at any depth and keeps the rest of after', () => {
    const before = { drift: { errors: ['x'], summary: { a: 1 } }, url: 'u', old: true };
    const after = { drift: { summary: { a: 2 } }, url: 'u' };
    expect(replacingMergePatch(before, after)).toEqual({
      drift: { errors: null, summary: { a: 2 } },
      url: 'u',
      old: null,
    });
  });

  it('applied as RFC 7386 to before, yields exactly after', () => {
    const before = { a: { b: { c: 1, d: [1, 2] }, e: 'x' }, f: [{ g: 1 }] };
    const after = { a: { b: { d: [3] } }, f: [{ h: 2 }], i: { j: null } };
    const patched = mergePatch(before as Json, replacingMergePatch(before, after) as Json);
    expect(patched).toEqual({ a: { b: { d: [3] } }, f: [{ h: 2 }], i: {} });
  });
});
