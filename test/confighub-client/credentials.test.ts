// Token expiry and identity/ServiceAccount key assertions over real HTTP against the emulator.
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ed25519Thumbprint } from '../../src/confighub/assertion.ts';
import {
  AuthenticationFailedError,
  credentialsFromSecretData,
  InvalidCredentialsError,
} from '../../src/confighub/index.ts';
import { startEmulator } from '../../testkit/confighub-emulator/index.ts';
import { failure, useHarness } from './harness.ts';

const h = useHarness();

/** An unsigned JWT-shaped token with the given `exp` (the emulator treats static tokens as opaque). */
function tokenExpiringAt(exp: number): string {
  const part = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  return `${part({ alg: 'HS256', typ: 'JWT' })}.${part({ sub: 'user-1', exp })}.c2lnbmF0dXJl`;
}

/** A private JWK as `cub user key add --generate` writes it, and its public half. */
function newKey(subject?: string): { privateKey: string; x: string } {
  const { privateKey } = generateKeyPairSync('ed25519');
  const jwk = privateKey.export({ format: 'jwk' });
  return {
    privateKey: JSON.stringify({
      ...jwk,
      ...(subject === undefined ? {} : { confighub_user_external_id: subject }),
    }),
    x: jwk.x!,
  };
}

const NOW = Date.parse('2026-12-04T12:00:00Z');

describe('a pre-minted token', () => {
  it('is used until its exp, then refused locally with the precise expiry and no request', async () => {
    const token = tokenExpiringAt(NOW / 1000 + 60);
    h.emulator.addToken(token);
    let now = NOW;
    const client = h.client({ credentials: { kind: 'token', token }, now: () => now });
    expect(client.credentialExpiresAt()).toBe(NOW + 60_000);
    await client.list({ space: 'shop-prod' });
    now = NOW + 60_000;
    h.emulator.clearRequests();
    const error = await failure(client.list({ space: 'shop-staging' }));
    expect(error).toBeInstanceOf(AuthenticationFailedError);
    expect(error.message).toMatch(/^the ConfigHub token expired at 2026-12-04T12:01:00\.000Z: put a new one/);
    expect(error.message).not.toContain(token);
    expect(h.emulator.requests).toHaveLength(0);
  });

  it('has no expiry when it is not a JWT', () => {
    expect(h.client().credentialExpiresAt()).toBeUndefined();
  });
});

describe('a key assertion (RFC 7523)', () => {
  it('is exchanged at /auth/worker for a session and never sends the private key', async () => {
    const key = newKey('sa-flux-reader');
    const kid = h.emulator.addKey({ x: key.x }, 'sa-flux-reader', { spaces: ['shop-staging'] });
    expect(kid).toBe(ed25519Thumbprint(key.x));
    const client = h.client({ credentials: credentialsFromSecretData({ privateKey: key.privateKey }) });
    const listing = await client.list({ space: 'shop-staging' });
    expect(listing.units.length).toBeGreaterThan(0);
    const exchanges = h.emulator.requests.filter((r) => r.path === '/auth/worker');
    expect(exchanges.map((r) => r.status)).toEqual([200]);
    expect(h.emulator.requests.every((r) => !JSON.stringify(r).includes(JSON.parse(key.privateKey).d))).toBe(
      true,
    );
    // The session carries the key's identity and its space grants.
    expect(await failure(client.list({ space: 'shop-prod' }))).toHaveProperty('reason', 'SpaceNotFound');
  });

  it('takes the identity from the Secret when the JWK does not record it', async () => {
    const key = newKey();
    h.emulator.addKey({ x: key.x }, 'sa-named');
    const credentials = credentialsFromSecretData({ privateKey: key.privateKey, subject: 'sa-named' });
    await h.client({ credentials }).list({ space: 'shop-prod' });
  });

  it('fails with the key ID when the key is not registered or names another identity', async () => {
    const unknown = newKey('sa-unknown');
    const error = await failure(
      h.client({ credentials: credentialsFromSecretData({ privateKey: unknown.privateKey }) }).list({
        space: 'shop-prod',
      }),
    );
    expect(error).toBeInstanceOf(AuthenticationFailedError);
    expect(error.message).toContain(
      `key ${ed25519Thumbprint(unknown.x)} of 'sa-unknown' was not accepted (401`,
    );

    const other = newKey('sa-impostor');
    h.emulator.addKey({ x: other.x }, 'sa-owner');
    const impostor = await failure(
      h.client({ credentials: credentialsFromSecretData({ privateKey: other.privateKey }) }).list({
        space: 'shop-prod',
      }),
    );
    expect(impostor).toBeInstanceOf(AuthenticationFailedError);
  });

  it('fails against a server older than ServiceAccount keys', async () => {
    const older = await startEmulator({ olderServer: true });
    try {
      const key = newKey('sa-flux-reader');
      older.addKey({ x: key.x }, 'sa-flux-reader');
      const client = h.client({
        server: older.url,
        credentials: credentialsFromSecretData({ privateKey: key.privateKey }),
      });
      const error = await failure(client.list({ space: 'shop-prod' }));
      expect(error).toBeInstanceOf(AuthenticationFailedError);
    } finally {
      await older.close();
    }
  });

  it.each([
    [{ privateKey: '{not json' }, /not a JSON Web Key/],
    [{ privateKey: JSON.stringify({ kty: 'EC', crv: 'P-256' }) }, /must be an Ed25519 JWK/],
    [{ privateKey: JSON.stringify({ kty: 'OKP', crv: 'Ed25519', x: 'AAAA' }) }, /looks like a public key/],
    [{ privateKey: newKey().privateKey }, /no ConfigHub identity/],
    [{ privateKey: newKey('a').privateKey, token: 't' }, /only one form/],
  ])('refuses an unusable key Secret (%#)', (data, message) => {
    expect(() => credentialsFromSecretData(data)).toThrow(InvalidCredentialsError);
    expect(() => credentialsFromSecretData(data)).toThrow(message);
  });

  it('refuses a JWK whose public half belongs to another key', () => {
    const a = JSON.parse(newKey('a').privateKey);
    const b = newKey('a');
    expect(() => credentialsFromSecretData({ privateKey: JSON.stringify({ ...a, x: b.x }) })).toThrow(
      /does not belong to its private key/,
    );
  });
});
