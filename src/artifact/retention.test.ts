import { describe, expect, it } from 'vitest';
import { selectForDeletion } from './retention.ts';

const policy = { ttlMs: 60_000, records: 2, nowMs: 1_000_000 };
const file = (name: string, ageMs: number) => ({ name, mtimeMs: policy.nowMs - ageMs });

describe('selectForDeletion', () => {
  it('keeps everything within TTL and record limits', () => {
    expect(selectForDeletion([file('cur', 10), file('old', 20)], 'cur', policy)).toEqual([]);
  });

  it('deletes non-current files older than the TTL, never the current one', () => {
    const files = [file('cur', 120_000), file('a', 61_000), file('b', 59_000)];
    expect(selectForDeletion(files, 'cur', policy)).toEqual(['a']);
  });

  it('trims to the record limit, oldest first, current counted and kept', () => {
    const files = [file('cur', 50_000), file('a', 1_000), file('b', 2_000), file('c', 3_000)];
    expect(selectForDeletion(files, 'cur', policy)).toEqual(['b', 'c']);
    expect(selectForDeletion(files, 'cur', { ...policy, records: 1 })).toEqual(['a', 'b', 'c']);
    expect(selectForDeletion(files, 'cur', { ...policy, records: 10 })).toEqual([]);
  });

  it('breaks mtime ties by name and works without a current file', () => {
    const files = [file('b', 5), file('a', 5), file('c', 5)];
    expect(selectForDeletion(files, undefined, policy)).toEqual(['a']);
  });
});
