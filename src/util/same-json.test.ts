import { describe, expect, it } from 'vitest';
import { sameJson, stableJson } from './same-json.ts';

describe('sameJson', () => {
  it('ignores key order at every depth', () => {
    const ours = { revision: 'r', digest: 'd', metadata: { b: '1', a: '2' } };
    const apiServer = { digest: 'd', metadata: { a: '2', b: '1' }, revision: 'r' };
    expect(JSON.stringify(ours)).not.toBe(JSON.stringify(apiServer));
    expect(sameJson(ours, apiServer)).toBe(true);
  });

  it('keeps array order significant and sees value changes', () => {
    expect(sameJson([1, 2], [2, 1])).toBe(false);
    expect(sameJson({ a: { b: 1 } }, { a: { b: 2 } })).toBe(false);
  });

  it('treats undefined-valued keys as absent, as JSON does', () => {
    expect(sameJson({ a: 1, b: undefined }, { a: 1 })).toBe(true);
    expect(stableJson({ b: 1, a: [{ d: 1, c: 2 }] })).toBe('{"a":[{"c":2,"d":1}],"b":1}');
  });

  it('writes what JSON.stringify writes for the same object with sorted keys', () => {
    const value = {
      z: [1, undefined, () => 1, { y: null, x: 'q"uote\u2028' }],
      a: new Date('2026-01-02T03:04:05Z'),
      m: { skip: undefined, n: -0, e: 1e21, t: true },
      '\u00e9': 'unicode key',
      B: 'upper case sorts first',
    };
    const sorted = {
      B: value.B,
      a: value.a,
      m: { e: 1e21, n: -0, t: true },
      z: [1, undefined, () => 1, { x: 'q"uote\u2028', y: null }],
      '\u00e9': value['\u00e9'],
    };
    expect(stableJson(value)).toBe(JSON.stringify(sorted));
    expect(stableJson(undefined)).toBe('null');
  });
});
