// kubectl's own cases for duration.HumanDuration (apimachinery pkg/util/duration, TestHumanDuration and
// TestHumanDurationBoundaries), in milliseconds.
import { describe, expect, it } from 'vitest';
import { ageOf, humanDuration } from './human-duration.ts';

const ms = 1;
const s = 1000;
const m = 60 * s;
const h = 60 * m;
const d = 24 * h;
const y = 365 * d;

describe('humanDuration', () => {
  it.each([
    [1 * s, '1s'],
    [70 * s, '70s'],
    [190 * s, '3m10s'],
    [70 * m, '70m'],
    [47 * h, '47h'],
    [49 * h, '2d1h'],
    [(8 * 24 + 2) * h, '8d'],
    [367 * d, '367d'],
    [2 * y + 25 * h, '2y1d'],
    [8 * y + 2 * h, '8y'],
  ])('TestHumanDuration: %d ms → %s', (duration, text) => {
    expect(humanDuration(duration)).toBe(text);
  });

  it.each([
    [-2 * s, '<invalid>'],
    // Go's case is -2s + 1ns; a millisecond is the smallest step here.
    [-2 * s + 1 * ms, '0s'],
    [0, '0s'],
    [1 * s - 1 * ms, '0s'],
    [2 * m - 1 * ms, '119s'],
    [2 * m, '2m'],
    [2 * m + 1 * s, '2m1s'],
    [10 * m - 1 * ms, '9m59s'],
    [10 * m, '10m'],
    [10 * m + 1 * s, '10m'],
    [3 * h - 1 * ms, '179m'],
    [3 * h, '3h'],
    [3 * h + 1 * m, '3h1m'],
    [8 * h - 1 * ms, '7h59m'],
    [8 * h, '8h'],
    [8 * h + 59 * m, '8h'],
    [2 * d - 1 * ms, '47h'],
    [2 * d, '2d'],
    [2 * d + 1 * h, '2d1h'],
    [8 * d - 1 * ms, '7d23h'],
    [8 * d, '8d'],
    [8 * d + 23 * h, '8d'],
    [2 * y - 1 * ms, '729d'],
    [2 * y, '2y'],
    [2 * y + 23 * h, '2y'],
    [2 * y + 23 * h + 59 * m, '2y'],
    [2 * y + 1 * d - 1 * ms, '2y'],
    [2 * y + 1 * d, '2y1d'],
    [3 * y, '3y'],
    [4 * y, '4y'],
    [5 * y, '5y'],
    [6 * y, '6y'],
    [7 * y, '7y'],
    [8 * y - 1 * ms, '7y364d'],
    [8 * y, '8y'],
    [8 * y + 364 * d, '8y'],
    [9 * y, '9y'],
  ])('TestHumanDurationBoundaries: %d ms → %s', (duration, text) => {
    expect(humanDuration(duration)).toBe(text);
  });
});

describe('ageOf', () => {
  const now = Date.parse('2026-01-01T00:05:30Z');
  it('ages a timestamp against the given clock', () => {
    expect(ageOf('2026-01-01T00:00:00Z', now)).toBe('5m30s');
    expect(ageOf('2026-01-01T00:05:00Z', now)).toBe('30s');
  });
  it('says when there is no usable timestamp', () => {
    expect(ageOf(undefined, now)).toBe('<unknown>');
    expect(ageOf('', now)).toBe('<unknown>');
    expect(ageOf('not a time', now)).toBe('<invalid>');
  });
});
