import { describe, expect, it } from 'vitest';
import { tokenExpiryWarning } from './token-expiry.ts';

const NOW = Date.parse('2026-12-04T12:00:00Z');
const HOUR = 3_600_000;

describe('tokenExpiryWarning', () => {
  it('says nothing for credentials that renew or tokens far from their exp', () => {
    expect(tokenExpiryWarning(undefined, NOW, HOUR)).toBeUndefined();
    expect(tokenExpiryWarning(NOW + 25 * HOUR, NOW, HOUR)).toBeUndefined();
  });

  it('warns from 24 hours ahead, naming the exact expiry', () => {
    expect(tokenExpiryWarning(NOW + 24 * HOUR, NOW, HOUR)).toBe(
      'the ConfigHub token in the Secret expires at 2026-12-05T12:00:00.000Z: replace it, or use a worker or key credential, which renew themselves',
    );
  });

  it('warns three intervals ahead when that is longer than a day', () => {
    expect(tokenExpiryWarning(NOW + 60 * HOUR, NOW, 24 * HOUR)).toContain('2026-12-07T00:00:00.000Z');
    expect(tokenExpiryWarning(NOW + 73 * HOUR, NOW, 24 * HOUR)).toBeUndefined();
  });

  it('gives the same message on every poll, so status is not rewritten each time', () => {
    const exp = NOW + 2 * HOUR;
    expect(tokenExpiryWarning(exp, NOW, HOUR)).toBe(tokenExpiryWarning(exp, NOW + HOUR, HOUR));
  });
});
