import { describe, expect, it } from 'vitest';
import { ConfigHubError } from './errors.ts';
import { parseRefSelector, refIdOf, refSelectorFromSpec } from './ref.ts';

describe('parseRefSelector', () => {
  it.each([
    ['head', { mode: 'head' }],
    ['tag:v1.2', { mode: 'tag', tag: 'v1.2' }],
    ['release:latest', { mode: 'release', release: 'latest' }],
    ['release:12', { mode: 'release', release: 12 }],
  ])('parses %s', (text, expected) => {
    expect(parseRefSelector(text)).toEqual(expected);
  });

  it.each(['', 'tag:', 'tag:a b', 'release:0', 'release:x', 'branch:main'])('rejects %j', (text) => {
    expect(() => parseRefSelector(text)).toThrow(ConfigHubError);
  });
});

describe('refSelectorFromSpec and refIdOf', () => {
  it('maps spec.ref and names the artifact revision prefix', () => {
    expect(refSelectorFromSpec(undefined)).toEqual({ mode: 'head' });
    expect(refSelectorFromSpec({ tag: 'stable' })).toEqual({ mode: 'tag', tag: 'stable' });
    expect(refSelectorFromSpec({ release: '7' })).toEqual({ mode: 'release', release: 7 });
    expect(refSelectorFromSpec({ release: 'latest' })).toEqual({ mode: 'release', release: 'latest' });
    expect(refIdOf('head')).toBe('head');
    expect(refIdOf({ tag: 'stable' })).toBe('tag-stable');
    expect(refIdOf({ releaseNum: 7 })).toBe('release-7');
  });
});
