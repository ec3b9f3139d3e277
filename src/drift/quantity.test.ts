import { describe, expect, it } from 'vitest';
import { parseQuantity, sameQuantity } from './quantity.ts';

describe('quantities', () => {
  it.each([
    ['100m', 0.1],
    ['0.1', 0.1],
    ['1Gi', 2 ** 30],
    ['1k', 1000],
    ['2', 2],
    [3, 3],
  ])('parses %s', (input, value) => {
    expect(parseQuantity(input)).toBeCloseTo(value, 12);
  });

  it('rejects what is not a quantity', () => {
    expect(parseQuantity('lots')).toBeUndefined();
    expect(parseQuantity('1Xi')).toBeUndefined();
    expect(parseQuantity(undefined)).toBeUndefined();
  });

  it('compares by value', () => {
    expect(sameQuantity('100m', '0.1')).toBe(true);
    expect(sameQuantity('1024Mi', '1Gi')).toBe(true);
    expect(sameQuantity('1G', '1Gi')).toBe(false);
    expect(sameQuantity('200m', '0.1')).toBe(false);
  });
});
