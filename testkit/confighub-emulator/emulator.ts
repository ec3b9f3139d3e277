// startEmulator: wires the store, credentials, faults and HTTP server together behind the test-facing API.
import type { AddressInfo } from 'node:net';
import { DEFAULT_FIXTURE_PATH, loadFixture, parseFixture } from './fixture/load.ts';
import type { Fixture } from './fixture/schema.ts';
import { Credentials } from './http/auth.ts';
import { FaultRegistry } from './http/faults.ts';
import { createEmulatorServer } from './http/server.ts';
import { toJSON } from './model/descriptors.ts';
import { Store, StoreError, type Unit, type User } from './model/store.ts';
import type {
  ConfigHubEmulator,
  EmulatorOptions,
  FixtureCredentials,
  ReleaseInfo,
  RequestLogEntry,
  SpaceView,
  UnitView,
} from './types.ts';

export const DEFAULT_VERSION = 'v0.8.12';
export const DEFAULT_TOKEN_TTL_SECONDS = 3600;
export const OLDER_SERVER_VERSION = 'v0.8.3';

function resolveFixture(fixture: EmulatorOptions['fixture']): Fixture {
  if (fixture === undefined) return loadFixture(DEFAULT_FIXTURE_PATH);
  if (typeof fixture === 'string') return loadFixture(fixture);
  return parseFixture(fixture);
}

/** The first unrestricted token is `token`; the first restricted one is `restrictedToken`. */
function credentialsOf(fixture: Fixture): FixtureCredentials {
  const token = fixture.tokens.find((t) => t.spaces === undefined) ?? fixture.tokens[0]!;
  const restricted = fixture.tokens.find((t) => t.spaces !== undefined) ?? token;
  const worker = fixture.workers[0]!;
  return {
    token: token.token,
    restrictedToken: restricted.token,
    workerID: worker.id,
    workerSecret: worker.secret,
    orgID: fixture.organization.id,
  };
}

/** Starts an emulator on `host:port` (default 127.0.0.1:0) with the given or bundled fixture. */
export async function startEmulator(options: EmulatorOptions = {}): Promise<ConfigHubEmulator> {
  const fixture = resolveFixture(options.fixture);
  const ttl = options.tokenTtlSeconds ?? DEFAULT_TOKEN_TTL_SECONDS;
  if (!(ttl > 0)) throw new RangeError(`tokenTtlSeconds must be positive, got ${ttl}`);
  const olderServer = options.olderServer === true;
  const version = options.version ?? (olderServer ? OLDER_SERVER_VERSION : DEFAULT_VERSION);
  const store = new Store(fixture);
  const credentials = new Credentials(fixture.organization.id, ttl);
  const userByName = (name: string): User => [...store.users.values()].find((u) => u.username === name)!;
  for (const t of fixture.tokens)
    credentials.addToken(t.token, userByName(t.user), t.spaces ? { spaces: t.spaces } : {});
  for (const w of fixture.workers) credentials.addWorker(w.id, w.secret, userByName(w.user), w.spaces);
  const faults = new FaultRegistry();
  const requests: RequestLogEntry[] = [];
  let url = '';
  const { server, shutdown } = createEmulatorServer({
    store,
    credentials,
    faults,
    requests,
    version,
    olderServer,
    url: () => url,
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  url = `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;
  credentials.issuer = url;

  const unitView = (unit: Unit): UnitView => {
    const data = Buffer.from(Store.head(unit).data); // a copy: callers must not alter stored history
    return { ...(toJSON(store.unitAttrs(unit)) as unknown as UnitView), data, text: data.toString('utf8') };
  };
  const defaultUser = store.users.get(store.defaultUserId)!;
  let closed: Promise<void> | undefined;

  return {
    url,
    fixture: credentialsOf(fixture),
    requests,
    clearRequests: () => {
      requests.length = 0;
    },
    addToken: (token, tokenOptions = {}) => credentials.addToken(token, defaultUser, tokenOptions),
    addWorker: (workerID, workerSecret, workerOptions = {}) =>
      credentials.addWorker(workerID, workerSecret, undefined, workerOptions.spaces),
    addKey: (publicJwk, subject, keyOptions = {}) =>
      credentials.addKey(publicJwk, subject, keyOptions.spaces),
    expireTokens: () => credentials.expireAll(),
    getSpace: (slugOrID) => toJSON(store.spaceAttrs(store.space(slugOrID))) as unknown as SpaceView,
    getUnit: (spaceSlug, unitSlug) => unitView(store.unitBySlug(store.space(spaceSlug).id, unitSlug)),
    setUnitData: (spaceSlug, unitSlug, data, description) =>
      unitView(store.setUnitData(spaceSlug, unitSlug, data, description)),
    createUnit: (spaceSlug, unit) => unitView(store.createUnit(spaceSlug, unit)),
    deleteUnit: (spaceSlug, unitSlug) => store.deleteUnit(spaceSlug, unitSlug),
    setUnitLabels: (spaceSlug, unitSlug, labels) =>
      unitView(store.setUnitLabels(spaceSlug, unitSlug, labels)),
    setUnitValidationErrors: (spaceSlug, unitSlug, errors) =>
      unitView(store.setUnitValidationErrors(spaceSlug, unitSlug, errors)),
    setUnitApplyGates: (spaceSlug, unitSlug, gates) =>
      unitView(store.setUnitApplyGates(spaceSlug, unitSlug, gates)),
    tagUnits: (spaceSlug, tagSlug, unitSlugs) => ({
      TagID: store.tagUnits(spaceSlug, tagSlug, unitSlugs).id,
    }),
    publishRelease: (spaceSlug, releaseOptions): ReleaseInfo => {
      const release = store.publishRelease(spaceSlug, releaseOptions);
      return { ReleaseID: release.id, ReleaseNum: release.num, Digest: release.digest, TagID: release.tagId };
    },
    withdrawRelease: (spaceSlug, releaseNum) => store.withdrawRelease(spaceSlug, releaseNum),
    injectFault: (fault) => faults.add(fault),
    clearFaults: () => faults.clear(),
    close: () => {
      closed ??= new Promise<void>((resolve, reject) => {
        shutdown.abort();
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      });
      return closed;
    },
  };
}

export { StoreError };
