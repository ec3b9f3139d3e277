import { describe, expect, it } from 'vitest';
import { jsonPatch, mergePatch } from './patch.ts';

describe('JSON merge patch (RFC 7386)', () => {
  // Examples from RFC 7386 appendix A.
  it.each([
    [{ a: 'b' }, { a: 'c' }, { a: 'c' }],
    [{ a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }],
    [{ a: 'b' }, { a: null }, {}],
    [{ a: { b: 'c' } }, { a: { b: 'd', c: null } }, { a: { b: 'd' } }],
    [{ a: [{ b: 'c' }] }, { a: [1] }, { a: [1] }],
    [{ e: null }, { a: 1 }, { e: null, a: 1 }],
    [[1, 2], { a: 'b', c: null }, { a: 'b' }],
    [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
  ])('%j + %j → %j', (target, patch, expected) => {
    expect(mergePatch(target, patch)).toEqual(expected);
  });
});

describe('JSON patch (RFC 6902)', () => {
  it('applies operations in order without touching the input', () => {
    const doc = { spec: { a: 1, list: ['x'] } };
    const out = jsonPatch(doc, [
      { op: 'add', path: '/spec/list/-', value: 'y' },
      { op: 'move', from: '/spec/a', path: '/spec/b' },
      { op: 'test', path: '/spec/b', value: 1 },
    ]);
    expect(out).toEqual({ spec: { b: 1, list: ['x', 'y'] } });
    expect(doc).toEqual({ spec: { a: 1, list: ['x'] } });
  });
  it('answers 422 for a failed test and a missing path, 400 for a malformed patch', () => {
    expect(() => jsonPatch({ a: 1 }, [{ op: 'test', path: '/a', value: 2 }])).toThrow(
      expect.objectContaining({ code: 422, message: 'testing value /a failed: test failed' }),
    );
    expect(() => jsonPatch({ a: 1 }, [{ op: 'replace', path: '/b/c', value: 2 }])).toThrow(
      expect.objectContaining({ code: 422 }),
    );
    expect(() => jsonPatch({ a: 1 }, { op: 'add' })).toThrow(expect.objectContaining({ code: 400 }));
    expect(() => jsonPatch({ a: 1 }, [{ op: 'frobnicate', path: '/a' }])).toThrow(
      expect.objectContaining({ code: 400 }),
    );
  });
});
