import { describe, expect, it } from 'vitest';
import { errorMessage } from './errors.ts';

describe('errorMessage', () => {
  it('is the message of an Error, subclasses included', () => {
    expect(errorMessage(new Error('boom'))).toBe('boom');
    expect(errorMessage(new RangeError('out of range'))).toBe('out of range');
  });

  it('is the string form of anything else thrown', () => {
    expect(errorMessage('plain text')).toBe('plain text');
    expect(errorMessage(42)).toBe('42');
    expect(errorMessage(undefined)).toBe('undefined');
    expect(errorMessage({ toString: () => 'custom' })).toBe('custom');
  });
});
