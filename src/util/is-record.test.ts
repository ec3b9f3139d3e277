import { describe, expect, it } from 'vitest';
import { isRecord } from './is-record.ts';

describe('isRecord', () => {
  it('accepts objects with or without keys', () => {
    expect(isRecord({})).toBe(true);
    expect(isRecord({ a: 1 })).toBe(true);
    expect(isRecord(JSON.parse('{"metadata":{}}'))).toBe(true);
  });

  it('refuses null, arrays and scalars', () => {
    for (const value of [null, undefined, [], [1], 'text', 0, true]) expect(isRecord(value)).toBe(false);
  });
});
