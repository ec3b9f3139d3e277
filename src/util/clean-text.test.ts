import { describe, expect, it } from 'vitest';
import { truncate } from './clean-text.ts';

describe('truncate', () => {
  it('leaves text within the bound as it is', () => {
    expect(truncate('short', 5)).toBe('short');
    expect(truncate('', 3)).toBe('');
  });

  it('cuts longer text to exactly the bound, ending in …', () => {
    expect(truncate('abcdef', 5)).toBe('abcd…');
    const long = truncate('x'.repeat(400), 300);
    expect(long).toHaveLength(300);
    expect(long.endsWith('x…')).toBe(true);
  });
});
