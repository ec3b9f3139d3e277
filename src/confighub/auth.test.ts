import { describe, expect, it } from 'vitest';
import { checkCredentials, credentialsFromSecretData, decodeJwtClaims } from './auth.ts';
import { InvalidCredentialsError } from './errors.ts';

function jwt(claims: object): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'none', typ: 'JWT' })}.${part(claims)}.`;
}

describe('decodeJwtClaims', () => {
  it('reads exp and iat without verifying', () => {
    expect(decodeJwtClaims(jwt({ exp: 1700000000, iat: 1699990000, sub: 'w' }))).toMatchObject({
      exp: 1700000000,
      iat: 1699990000,
    });
  });

  it.each(['opaque-token', 'a.%%%.b', `x.${Buffer.from('[1]').toString('base64url')}.y`])(
    'returns no claims for %j',
    (token) => {
      expect(decodeJwtClaims(token).exp).toBeUndefined();
    },
  );
});

describe('credentialsFromSecretData', () => {
  it('reads a token, trimming a trailing newline', () => {
    expect(credentialsFromSecretData({ token: 'tok-123\n' })).toEqual({ kind: 'token', token: 'tok-123' });
  });

  it('reads worker credentials from Buffers', () => {
    expect(
      credentialsFromSecretData({ workerID: Buffer.from('w-1'), workerSecret: Buffer.from('ch_secret') }),
    ).toEqual({ kind: 'worker', workerID: 'w-1', workerSecret: 'ch_secret' });
  });

  it.each([
    [{}, /neither/],
    [{ token: 't', workerID: 'w' }, /only one form/],
    [{ workerID: 'w' }, /needs both/],
    [{ token: '   ' }, /empty/],
    [{ token: 'a b' }, /whitespace/],
    [{ token: 'x'.repeat(70_000) }, /larger than/],
  ])('rejects %j', (data, message) => {
    expect(() => credentialsFromSecretData(data)).toThrow(InvalidCredentialsError);
    expect(() => credentialsFromSecretData(data)).toThrow(message);
  });

  it('never puts the secret value into the message', () => {
    try {
      checkCredentials({ kind: 'worker', workerID: 'w', workerSecret: 'ch_top secret' });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(InvalidCredentialsError);
      expect(String((error as Error).message)).not.toContain('top secret');
    }
  });
});
