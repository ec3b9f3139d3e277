// Every error kind the client can raise, checked for leaked credentials: message, stack, JSON and inspect output.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AmbiguousSpaceError,
  type ConfigHubClient,
  ConfigHubError,
  checkCredentials,
} from '../../src/confighub/index.ts';
import { PROD_ID, RESTRICTED_TOKEN, TOKEN, WEB_V1, WEB_V2, WORKER_ID, WORKER_SECRET } from './fixture.ts';
import { failure, type Harness, useHarness } from './harness.ts';

const ECHO_TOKEN = 'tok-echo-9d8c7b6a5f4e';
const ECHO_SECRET = 'ch_echo_secret_1a2b3c4d';

const h = useHarness();
let echo: { url: string; close: () => Promise<void> };

/** A hostile server that quotes back whatever credential it was sent. */
async function startEchoServer(): Promise<typeof echo> {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => {
      body += chunk.toString();
    });
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x');
      res.setHeader('content-type', 'application/json');
      if (url.pathname === '/auth/worker') {
        res.statusCode = 401;
        res.end(JSON.stringify({ Code: '401', Message: `bad credentials in ${body}` }));
      } else if (url.pathname === '/api/space' && url.searchParams.get('where') === "Slug = 'twin'") {
        const space = (id: string) => ({ Space: { SpaceID: id, Slug: 'twin' } });
        res.end(
          JSON.stringify([
            space('aaaaaaaa-0000-4000-8000-000000000001'),
            space('aaaaaaaa-0000-4000-8000-000000000002'),
          ]),
        );
      } else {
        res.statusCode = 400;
        res.end(JSON.stringify({ Code: '400', Message: `rejected ${req.headers.authorization}` }));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

beforeAll(async () => {
  echo = await startEchoServer();
});
afterAll(async () => {
  await echo.close();
});

const SECRETS = [TOKEN, RESTRICTED_TOKEN, WORKER_SECRET, ECHO_TOKEN, ECHO_SECRET];

async function collectErrors(): Promise<Error[]> {
  const errors: Error[] = [];
  const add = async (work: Promise<unknown>) => errors.push(await failure(work));
  const prod = (client: ConfigHubClient, extra: object = {}) => client.list({ space: 'shop-prod', ...extra });
  const worker = { kind: 'worker', workerID: WORKER_ID, workerSecret: WORKER_SECRET } as const;

  await add(prod(h.client({ credentials: { kind: 'token', token: 'tok-unknown-55555' } })));
  await add(prod(h.client({ credentials: { ...worker, workerSecret: 'ch_wrong_0000000' } })));
  await add(h.client({ credentials: { kind: 'token', token: RESTRICTED_TOKEN } }).list({ space: PROD_ID }));
  await add(h.client({ credentials: worker }).list({ space: 'nowhere' }));
  await add(prod(h.client(), { ref: { mode: 'tag', tag: 'missing' } }));
  await add(prod(h.client(), { where: 'Bogus = 1' }));

  const remove500 = h.emulator.injectFault({ kind: 'status', status: 500, route: /\/unit$/ });
  await add(prod(h.client({ credentials: worker, retry: { maxAttempts: 2 } })));
  remove500();
  const removeTruncate = h.emulator.injectFault({ kind: 'truncate', route: '/api/space' });
  await add(prod(h.client()));
  removeTruncate();

  const client = h.client({ credentials: worker });
  const listing = await prod(client);
  const removeCorrupt = h.emulator.injectFault({ kind: 'wrongDataHash', route: '/api/unit_data' });
  await add(client.fetch(listing));
  removeCorrupt();
  await add(h.client({ limits: { maxUnits: 1 } }).list({ space: 'shop-prod' }));
  const staging = await h.client().list({ space: 'shop-staging' });
  h.emulator.setUnitData('shop-staging', 'web', WEB_V2);
  await add(h.client().fetch(staging));
  h.emulator.setUnitData('shop-staging', 'web', WEB_V1);
  const aborted = new AbortController();
  aborted.abort();
  await add(h.client().list({ space: 'shop-prod' }, aborted.signal));

  const echoClient = (credentials: Parameters<Harness['client']>[0]) =>
    h.client({ server: echo.url, ...credentials });
  await add(echoClient({ credentials: { kind: 'token', token: ECHO_TOKEN } }).list({ space: 'twin' }));
  await add(echoClient({ credentials: { kind: 'token', token: ECHO_TOKEN } }).list({ space: PROD_ID }));
  await add(
    echoClient({ credentials: { kind: 'worker', workerID: WORKER_ID, workerSecret: ECHO_SECRET } }).list({
      space: 'twin',
    }),
  );
  await add(Promise.resolve().then(() => checkCredentials({ kind: 'token', token: `${ECHO_TOKEN} x` })));
  return errors;
}

describe('secrets never appear in errors', () => {
  it('covers every error kind and leaks no credential', async () => {
    const errors = await collectErrors();
    const kinds = new Set(errors.map((e) => e.constructor.name));
    expect([...kinds].sort()).toEqual(
      [
        'AbortedError',
        'AmbiguousSpaceError',
        'AuthenticationFailedError',
        'ForbiddenError',
        'IntegrityError',
        'InvalidCredentialsError',
        'InvalidFilterError',
        'InvalidResponseError',
        'LimitExceededError',
        'RefNotFoundError',
        'SpaceNotFoundError',
        'UnitChangedError',
        'UpstreamUnavailableError',
      ].sort(),
    );
    for (const error of errors) {
      expect(error).toBeInstanceOf(ConfigHubError);
      const renderings = [
        error.message,
        error.stack ?? '',
        JSON.stringify(error),
        inspect(error, { depth: 5 }),
      ];
      for (const text of renderings) {
        for (const secret of SECRETS)
          expect(text, `${error.constructor.name}: ${error.message}`).not.toContain(secret);
        // No Authorization value of any kind, including issued worker JWTs.
        expect(text).not.toMatch(/Bearer (?!\[redacted\])\S/);
        expect(text).not.toMatch(/eyJ[\w-]+\.eyJ/);
      }
    }
    // The hostile server's echo was scrubbed rather than dropped.
    const echoed = errors.find((e) => e.message.includes('rejected Bearer [redacted]'));
    expect(echoed).toBeDefined();
    expect(errors.find((e) => e instanceof AmbiguousSpaceError)?.message).toBe(
      "more than one space has slug 'twin'; use the space ID instead",
    );
  });
});
