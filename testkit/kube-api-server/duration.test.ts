import { describe, expect, it } from 'vitest';
import { ageOf, humanDuration } from './duration.ts';

describe('humanDuration (apimachinery)', () => {
  const s = 1000;
  const m = 60 * s;
  const h = 60 * m;
  const d = 24 * h;
  it.each([
    [-5 * s, '<invalid>'],
    [-1 * s, '0s'],
    [0, '0s'],
    [119 * s, '119s'],
    [2 * m, '2m'],
    [9 * m + 5 * s, '9m5s'],
    [10 * m + 5 * s, '10m'],
    [179 * m, '179m'],
    [3 * h, '3h'],
    [7 * h + 59 * m, '7h59m'],
    [47 * h, '47h'],
    [2 * d + 3 * h, '2d3h'],
    [8 * d, '8d'],
    [800 * d, '2y70d'],
    [3000 * d, '8y'],
  ])('%d ms → %s', (ms, text) => {
    expect(humanDuration(ms)).toBe(text);
  });
  it('ages timestamps against a clock', () => {
    expect(ageOf('2026-01-01T00:00:00Z', Date.parse('2026-01-01T00:05:30Z'))).toBe('5m30s');
    expect(ageOf('not a time')).toBe('<invalid>');
  });
});
