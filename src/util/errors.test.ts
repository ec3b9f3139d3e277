import { describe, expect, it } from 'vitest';
import { errorCode, errorMessage } from './errors.ts';

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

describe('errorCode', () => {
  const withCode = (code: unknown, cause?: unknown) => Object.assign(new Error('x', { cause }), { code });

  it('is the string code of the error itself', () => {
    expect(errorCode(withCode('ENOENT'))).toBe('ENOENT');
    expect(errorCode({ code: 'UND_ERR_BODY_TIMEOUT' })).toBe('UND_ERR_BODY_TIMEOUT');
  });

  it('is found along the cause chain when the error wraps another', () => {
    const fetchFailed = new TypeError('fetch failed', { cause: withCode('ECONNREFUSED') });
    expect(errorCode(fetchFailed)).toBe('ECONNREFUSED');
    expect(errorCode(withCode(410, withCode('EPIPE')))).toBe('EPIPE');
  });

  it('is undefined without a string code, and stops on a cause cycle', () => {
    expect(errorCode(new Error('plain'))).toBeUndefined();
    expect(errorCode('ENOENT')).toBeUndefined();
    expect(errorCode(null)).toBeUndefined();
    const a: { cause?: unknown } = {};
    a.cause = { cause: a };
    expect(errorCode(a)).toBeUndefined();
  });
});
