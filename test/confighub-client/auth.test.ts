import { beforeEach, describe, expect, it } from 'vitest';
import { AuthenticationFailedError, ForbiddenError, SpaceNotFoundError } from '../../src/confighub/index.ts';
import { PROD_ID, RESTRICTED_TOKEN, TOKEN, WORKER_ID, WORKER_SECRET } from './fixture.ts';
import { failure, useHarness } from './harness.ts';

const h = useHarness();
beforeEach(() => {
  h.emulator.addToken(TOKEN);
  h.emulator.addToken(RESTRICTED_TOKEN, { spaces: ['shop-staging'] });
});

const worker = { kind: 'worker', workerID: WORKER_ID, workerSecret: WORKER_SECRET } as const;
const exchanges = () => h.count(/^\/auth\/worker$/, 'POST');

describe('worker credentials', () => {
  it('exchanges once and reuses the JWT across requests', async () => {
    const client = h.client({ credentials: worker });
    await client.list({ space: 'shop-prod' });
    await client.list({ space: 'shop-staging' });
    expect(exchanges()).toBe(1);
    const bearers = new Set(
      h.emulator.requests.filter((r) => r.path.startsWith('/api/')).map((r) => r.authorization),
    );
    expect(bearers.size).toBe(1);
    expect([...bearers][0]).toMatch(/^Bearer [\w-]+\.[\w-]+\.[\w-]+$/);
    const auth = h.emulator.requests.find((r) => r.path === '/auth/worker')!;
    expect(auth.userAgent).toMatch(/^confighub-source-controller\/\d+\.\d+\.\d+/);
  });

  it('renews shortly before exp', async () => {
    let offset = 0;
    const client = h.client({ credentials: worker, now: () => Date.now() + offset });
    await client.list({ space: 'shop-prod' });
    offset = 3600_000 - 50_000; // the emulator issues one-hour tokens; renewal starts a minute before
    await client.list({ space: 'shop-prod' });
    expect(exchanges()).toBe(2);
    offset = 3600_000 - 50_000 + 1000; // the fresh token is good for another hour
    await client.list({ space: 'shop-prod' });
    expect(exchanges()).toBe(2);
  });

  it('renews exactly once after a 401 when tokens expire', async () => {
    const client = h.client({ credentials: worker });
    await client.list({ space: 'shop-prod' });
    h.emulator.expireTokens();
    const listing = await client.list({ space: 'shop-prod' });
    expect(listing.units.length).toBeGreaterThan(0);
    expect(exchanges()).toBe(2);
    expect(h.emulator.requests.filter((r) => r.status === 401)).toHaveLength(1);
  });

  it('renews after a token expires mid-operation', async () => {
    const client = h.client({ credentials: worker });
    h.emulator.injectFault({ kind: 'expireTokenAfter', requests: 2, route: '/api/*' });
    const snapshot = await client.fetch(
      await client.list({ space: 'shop-prod', ref: { mode: 'tag', tag: 'stable' } }),
    );
    expect(snapshot.units).toHaveLength(2);
    expect(exchanges()).toBe(2);
    expect(h.emulator.requests.filter((r) => r.status === 401)).toHaveLength(1);
  });

  it('fails with AuthenticationFailed when the fresh token is refused too', async () => {
    const client = h.client({ credentials: worker });
    h.emulator.injectFault({ kind: 'status', status: 401, route: /\/unit$/ });
    const error = await failure(client.list({ space: 'shop-prod' }));
    expect(error).toBeInstanceOf(AuthenticationFailedError);
    expect(error.message).toMatch(/\(401, also with a freshly exchanged worker token\)/);
    expect(error).toMatchObject({ reason: 'AuthenticationFailed', retryable: false, status: 401 });
    expect(exchanges()).toBe(2);
    expect(h.count(/\/unit$/)).toBe(2);
  });

  it('reports a rejected worker secret without quoting it', async () => {
    const client = h.client({ credentials: { ...worker, workerSecret: 'ch_wrong_secret_value' } });
    const error = await failure(client.list({ space: 'shop-prod' }));
    expect(error).toBeInstanceOf(AuthenticationFailedError);
    expect(error.message).toMatch(
      new RegExp(`^POST /auth/worker: worker ${WORKER_ID} was not accepted \\(401`),
    );
    expect(error.message).not.toContain('ch_wrong_secret_value');
    expect(h.count(/^\/api\//)).toBe(0);
  });
});

describe('token credentials', () => {
  it('fails at once on 401: a static token cannot be renewed', async () => {
    const client = h.client({ credentials: { kind: 'token', token: 'tok-unknown-12345' } });
    const error = await failure(client.list({ space: 'shop-prod' }));
    expect(error).toBeInstanceOf(AuthenticationFailedError);
    expect(error).toMatchObject({ route: 'GET /api/space', status: 401 });
    expect(h.emulator.requests).toHaveLength(1);
  });

  it('maps 403 to Forbidden and hides spaces the token cannot see', async () => {
    const client = h.client({ credentials: { kind: 'token', token: RESTRICTED_TOKEN } });
    const byID = await failure(client.list({ space: PROD_ID }));
    expect(byID).toBeInstanceOf(ForbiddenError);
    expect(byID).toMatchObject({ reason: 'Forbidden', status: 403, route: 'GET /api/space/{space_id}' });
    await expect(client.list({ space: 'shop-prod' })).rejects.toThrow(SpaceNotFoundError);
    expect((await client.list({ space: 'shop-staging' })).units.map((u) => u.slug)).toEqual(['web']);
  });
});
