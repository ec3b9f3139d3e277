// Authentication: static tokens, worker exchange for JWTs, expiry (natural, forced, per token) and visibility.
import { generateKeyPairSync, sign } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { AssertionSigner, CLIENT_ASSERTION_TYPE } from '../../src/confighub/assertion.ts';
import { startEmulator } from '../../testkit/confighub-emulator/index.ts';
import { call, PROD_ID, STAGING_ID, slugs, useEmulator, workerToken } from './support.ts';

const emu = useEmulator({ tokenTtlSeconds: 120 });

function claims(jwt: string): Record<string, unknown> {
  const [, payload] = jwt.split('.');
  return JSON.parse(Buffer.from(payload!, 'base64url').toString('utf8')) as Record<string, unknown>;
}

async function exchange(body: unknown, contentType = 'application/json') {
  return call(emu(), '/auth/worker', {
    token: null,
    method: 'POST',
    headers: { 'content-type': contentType },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

describe('POST /auth/worker', () => {
  it('exchanges worker credentials for a JWT session', async () => {
    const answer = await exchange({
      worker_id: emu().fixture.workerID,
      worker_secret: emu().fixture.workerSecret,
    });
    expect(answer.status).toBe(200);
    const session = answer.json as Record<string, unknown>;
    expect(session).toMatchObject({
      auth_type: 'Bearer',
      organization_id: emu().fixture.orgID,
    });
    expect(Object.keys(session).sort()).toEqual(['access_token', 'auth_type', 'organization_id', 'user']);
    expect(session['user']).toMatchObject({ email: 'worker-flux-source@bots.shop.example' });
    const token = session['access_token'] as string;
    const header = JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString('utf8'));
    expect(header).toEqual({ alg: 'HS256', typ: 'JWT' });
    const { exp, iat, iss, org } = claims(token);
    expect(Number(exp) - Number(iat)).toBe(120);
    expect(iss).toBe(emu().url);
    expect(org).toBe(emu().fixture.orgID);
    const spaces = await call(emu(), '/api/space', { token });
    expect(slugs(spaces, 'Space')).toEqual(['shop-prod', 'shop-staging']);
  });

  it.each([
    ['wrong secret', (w: string) => ({ worker_id: w, worker_secret: 'ch_wrong_secret_value' })],
    [
      'unknown worker',
      () => ({ worker_id: '5a0c1e00-0000-4000-8000-0000000000ff', worker_secret: 'whatever1' }),
    ],
    ['missing fields', () => ({})],
    ['malformed client assertion', () => ({ client_assertion_type: 'urn:x', client_assertion: 'a.b.c' })],
  ])('answers 401 for %s', async (_reason, body) => {
    const answer = await exchange(body(emu().fixture.workerID));
    expect(answer.status).toBe(401);
    expect(answer.json).toMatchObject({ Code: '401' });
    expect(answer.text).not.toContain('ch_wrong_secret_value');
  });

  it('answers 401 to a body that is not JSON', async () => {
    expect((await exchange('worker_id=x', 'application/x-www-form-urlencoded')).status).toBe(401);
  });
});

describe('POST /auth/worker with a key assertion', () => {
  const { privateKey } = generateKeyPairSync('ed25519');
  const jwk = privateKey.export({ format: 'jwk' });
  const assertionBody = (assertion: string, type = CLIENT_ASSERTION_TYPE) => ({
    client_assertion_type: type,
    client_assertion: assertion,
  });
  /** Signs arbitrary claims with the registered key, to build assertions the real client never would. */
  const forge = (claims: Record<string, unknown>, kid: string) => {
    const part = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
    const input = `${part({ alg: 'EdDSA', typ: 'JWT', kid })}.${part(claims)}`;
    return `${input}.${sign(null, Buffer.from(input), privateKey).toString('base64url')}`;
  };

  it('exchanges a valid assertion once and refuses its replay', async () => {
    emu().addKey({ x: jwk.x! }, 'sa-reader', { spaces: ['shop-staging'] });
    const signer = new AssertionSigner(JSON.stringify(jwk), { subject: 'sa-reader' });
    const assertion = signer.sign(Date.now());
    const answer = await exchange(assertionBody(assertion));
    expect(answer.status).toBe(200);
    const token = (answer.json as { access_token: string }).access_token;
    expect(slugs(await call(emu(), '/api/space', { token }), 'Space')).toEqual(['shop-staging']);
    expect((await exchange(assertionBody(assertion))).status).toBe(401);
  });

  it.each([
    ['a wrong assertion type', (kid: string, now: number) => assertionBody(forge(good(now), kid), 'urn:x')],
    [
      'another audience',
      (kid: string, now: number) => assertionBody(forge({ ...good(now), aud: 'other' }, kid)),
    ],
    [
      'another subject',
      (kid: string, now: number) => assertionBody(forge({ ...good(now), sub: 'sa-x' }, kid)),
    ],
    [
      'an expired assertion',
      (kid: string, now: number) => assertionBody(forge({ ...good(now - 600), exp: now - 1 }, kid)),
    ],
    [
      'a lifetime over five minutes',
      (kid: string, now: number) => assertionBody(forge({ ...good(now), exp: now + 3600 }, kid)),
    ],
    ['an unknown kid', (_kid: string, now: number) => assertionBody(forge(good(now), 'not-registered'))],
    [
      'a bad signature',
      (kid: string, now: number) => assertionBody(`${forge(good(now), kid).slice(0, -4)}AAAA`),
    ],
  ])('answers one uniform 401 for %s', async (_reason, body) => {
    const kid = emu().addKey({ x: jwk.x! }, 'sa-reader');
    const answer = await exchange(body(kid, Math.floor(Date.now() / 1000)));
    expect(answer.status).toBe(401);
    expect(answer.json).toEqual({ Code: '401', Message: 'invalid client assertion' });
  });
});

let jti = 0;
function good(now: number): Record<string, unknown> {
  return {
    iss: 'sa-reader',
    sub: 'sa-reader',
    aud: 'confighub-auth',
    iat: now,
    exp: now + 120,
    jti: `j${++jti}`,
  };
}

describe('bearer tokens', () => {
  it.each([
    ['no header', undefined],
    ['wrong scheme', 'Basic YWxpY2U6cGFzcw=='],
    ['empty bearer', 'Bearer '],
    ['unknown token', 'Bearer chx_not_a_known_token'],
  ])('answers 401 for %s', async (_reason, authorization) => {
    const answer = await call(emu(), '/api/space', {
      token: null,
      headers: authorization === undefined ? {} : { authorization },
    });
    expect(answer.status).toBe(401);
  });

  it('accepts a token added at runtime, and rejects it once its expiresAt passed', async () => {
    emu().addToken('chx_runtime_token_1', { spaces: ['shop-prod'] });
    const answer = await call(emu(), '/api/space', { token: 'chx_runtime_token_1' });
    expect(slugs(answer, 'Space')).toEqual(['shop-prod']);
    emu().addToken('chx_runtime_token_2', { expiresAt: new Date(Date.now() - 1000) });
    expect((await call(emu(), '/api/space', { token: 'chx_runtime_token_2' })).status).toBe(401);
  });

  it('accepts a worker added at runtime, scoped to its spaces', async () => {
    emu().addWorker('5a0c1e00-0000-4000-8000-0000000000d1', 'ch_runtime_worker_secret', {
      spaces: [STAGING_ID],
    });
    const answer = await exchange({
      worker_id: '5a0c1e00-0000-4000-8000-0000000000d1',
      worker_secret: 'ch_runtime_worker_secret',
    });
    const token = (answer.json as { access_token: string }).access_token;
    expect((await call(emu(), `/api/space/${STAGING_ID}`, { token })).status).toBe(200);
    expect((await call(emu(), `/api/space/${PROD_ID}`, { token })).status).toBe(403);
  });
});

describe('expiry', () => {
  it('expireTokens() revokes issued JWTs and static tokens; workers can re-authenticate', async () => {
    const emulator = await startEmulator();
    try {
      const before = await workerToken(emulator);
      expect((await call(emulator, '/api/space', { token: before })).status).toBe(200);
      emulator.expireTokens();
      expect((await call(emulator, '/api/space', { token: before })).status).toBe(401);
      expect((await call(emulator, '/api/space')).status).toBe(401);
      const after = await workerToken(emulator);
      expect(after).not.toBe(before);
      expect((await call(emulator, '/api/space', { token: after })).status).toBe(200);
      emulator.addToken(emulator.fixture.token);
      expect((await call(emulator, '/api/space')).status).toBe(200);
    } finally {
      await emulator.close();
    }
  });

  it('rejects a JWT whose exp has passed', async () => {
    const emulator = await startEmulator({ tokenTtlSeconds: 1 });
    try {
      const token = await workerToken(emulator);
      const exp = Number(claims(token)['exp']) * 1000;
      expect(exp - Date.now()).toBeLessThanOrEqual(1000);
      // Wait for the clock to pass exp rather than for a fixed time.
      await expect
        .poll(async () => (await call(emulator, '/api/me', { token })).status, {
          timeout: 3000,
          interval: 100,
        })
        .toBe(401);
    } finally {
      await emulator.close();
    }
  });
});

describe('space visibility', () => {
  it('answers 403 on space-scoped routes and omits spaces from org-wide lists', async () => {
    const token = emu().fixture.restrictedToken;
    expect((await call(emu(), `/api/space/${PROD_ID}/unit`, { token })).status).toBe(403);
    expect((await call(emu(), `/api/space/${STAGING_ID}/unit`, { token })).status).toBe(200);
    const data = await call(emu(), `/api/unit_data?where=${encodeURIComponent(`SpaceID = '${PROD_ID}'`)}`, {
      token,
    });
    expect(data.status).toBe(200);
    expect(data.json).toEqual([]);
  });
});
