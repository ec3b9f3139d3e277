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
});
