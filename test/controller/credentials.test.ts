// Credentials end to end: a pre-minted token's expiry (warned ahead, precise after) and key assertions.
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { useLocalStack } from '../support/local-stack.ts';
import { condition } from '../support/repositories.ts';

const stack = useLocalStack();

/** A JWT-shaped token with `exp` hours from now: hours of margin, so the test does not race the clock. */
function tokenExpiringIn(hours: number): { token: string; exp: number } {
  const exp = Math.floor(Date.now() / 1000) + hours * 3600;
  const part = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  return { token: `${part({ alg: 'HS256', typ: 'JWT' })}.${part({ sub: 'u', exp })}.c2ln`, exp };
}

function namespace(name: string): void {
  stack.kube.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
}

describe('a pre-minted token', () => {
  it('warns with an Event and in Ready while it nears its expiry', async () => {
    const { token, exp } = tokenExpiringIn(2);
    stack.emulator.addToken(token);
    namespace('token-soon');
    stack.kube.create(stack.tokenSecret('token-soon', 'confighub-token', token));
    await stack.createRepository('token-soon', 'shop');
    const repo = await stack.waitForReady('token-soon', 'shop');
    const expiry = new Date(exp * 1000).toISOString();
    expect(condition(repo, 'Ready')!.message).toContain(
      `the ConfigHub token in the Secret expires at ${expiry}`,
    );
    const events = stack.kube.list('events', 'token-soon') as unknown as Array<{
      reason: string;
      type: string;
      message: string;
    }>;
    const warnings = events.filter((e) => e.reason === 'TokenExpiring');
    expect(warnings.length).toBeGreaterThan(0);
    expect(warnings[0]).toMatchObject({ type: 'Warning' });
    expect(warnings[0]!.message).toContain(expiry);
    expect(JSON.stringify(events)).not.toContain(token);
  });

  it('says nothing while the expiry is far away', async () => {
    const { token } = tokenExpiringIn(24 * 30);
    stack.emulator.addToken(token);
    namespace('token-far');
    stack.kube.create(stack.tokenSecret('token-far', 'confighub-token', token));
    await stack.createRepository('token-far', 'shop');
    const repo = await stack.waitForReady('token-far', 'shop');
    expect(condition(repo, 'Ready')!.message).not.toContain('expires at');
  });

  it('reports AuthenticationFailed with the exact expiry once it expired', async () => {
    const { token, exp } = tokenExpiringIn(-1);
    stack.emulator.addToken(token);
    namespace('token-expired');
    stack.kube.create(stack.tokenSecret('token-expired', 'confighub-token', token));
    await stack.createRepository('token-expired', 'shop');
    const repo = await stack.waitForCondition(
      'token-expired',
      'shop',
      'Ready',
      'False',
      'AuthenticationFailed',
    );
    const message = condition(repo, 'Ready')!.message;
    expect(message).toContain(`token expired at ${new Date(exp * 1000).toISOString()}`);
    expect(message).not.toContain(token);
    // Refused before sending: the emulator never saw the expired token.
    expect(stack.emulator.requests.some((r) => r.authorization === `Bearer ${token}`)).toBe(false);
  });
});

describe('an identity or ServiceAccount key', () => {
  it('fetches with a signed assertion from a Secret holding privateKey', async () => {
    const { privateKey } = generateKeyPairSync('ed25519');
    const jwk = privateKey.export({ format: 'jwk' });
    stack.emulator.addKey({ x: jwk.x! }, 'sa-flux');
    namespace('keyed');
    stack.kube.create({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'confighub-key', namespace: 'keyed' },
      type: 'Opaque',
      data: {
        privateKey: Buffer.from(JSON.stringify(jwk)).toString('base64'),
        subject: Buffer.from('sa-flux').toString('base64'),
      },
    });
    await stack.createRepository('keyed', 'shop', { secretRef: { name: 'confighub-key' } });
    const repo = await stack.waitForReady('keyed', 'shop');
    expect(repo.status!.fetched!.unitCount).toBeGreaterThan(0);
    expect(stack.emulator.requests.some((r) => r.path === '/auth/worker' && r.status === 200)).toBe(true);
  });

  it('reports AuthenticationFailed naming the key ID when the key is not registered', async () => {
    const { privateKey } = generateKeyPairSync('ed25519');
    namespace('keyed-unknown');
    stack.kube.create({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'confighub-key', namespace: 'keyed-unknown' },
      type: 'Opaque',
      data: {
        privateKey: Buffer.from(
          JSON.stringify({
            ...privateKey.export({ format: 'jwk' }),
            confighub_user_external_id: 'sa-nobody',
          }),
        ).toString('base64'),
      },
    });
    await stack.createRepository('keyed-unknown', 'shop', { secretRef: { name: 'confighub-key' } });
    const repo = await stack.waitForCondition(
      'keyed-unknown',
      'shop',
      'Ready',
      'False',
      'AuthenticationFailed',
    );
    expect(condition(repo, 'Ready')!.message).toMatch(/key [\w-]{43} of 'sa-nobody' was not accepted \(401/);
  });
});
