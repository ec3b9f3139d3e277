import { describe, expect, it } from 'vitest';
import { describeError, KubeApiError } from './errors.ts';

describe('describeError', () => {
  it('names the HTTP code and Status reason of an API error', () => {
    expect(describeError(new KubeApiError(409, 'Conflict', 'the object has been modified'))).toBe(
      '409 Conflict: the object has been modified',
    );
  });

  it('is the plain message of any other failure', () => {
    expect(describeError(new Error('socket hang up'))).toBe('socket hang up');
    expect(describeError('thrown text')).toBe('thrown text');
  });
});
