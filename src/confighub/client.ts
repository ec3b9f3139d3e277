// ConfigHub read client in two phases: `list` (cheap: space lookup + unit metadata, no data) so a poll can
// tell whether anything changed, and `fetch` (downloads and verifies the data of a listing). The work
// itself lives beside it: space and ref resolution, unit listing, unit data; this class wires them up.
import type { Dispatcher } from 'undici';
import packageJson from '../../package.json' with { type: 'json' };
import { DEFAULT_TOOLCHAINS } from '../api/constants.ts';
import { delay } from '../util/timers.ts';
import { ApiRequests } from './api-requests.ts';
import { type Authenticator, type Credentials, createAuthenticator } from './auth.ts';
import { ConfigHubError, InvalidFilterError, SpaceNotFoundError } from './errors.ts';
import {
  DEFAULT_LIMITS,
  DEFAULT_RETRY,
  type Limits,
  type RequestEvent,
  type RetryPolicy,
  type TlsOptions,
  Transport,
} from './http.ts';
import {
  bySlug,
  type FetchOptions,
  type ListedUnit,
  type ListRequest,
  listingFingerprint,
  type SkippedUnit,
  type SpaceListing,
  type SpaceSnapshot,
} from './listing.ts';
import { refIdOf } from './ref.ts';
import { resolveRelease, resolveTag } from './ref-resolution.ts';
import { MAX_PAGE_SIZE } from './routes.ts';
import type { ApiUnit } from './schemas.ts';
import { normalizeServer } from './server-url.ts';
import { SpaceResolver } from './space-resolver.ts';
import { fetchSnapshot } from './unit-data.ts';
import { headUnit, taggedUnits, UnitLister } from './unit-listing.ts';
import { andWhere, checkUserWhere, inList } from './where.ts';

export type {
  FetchedUnit,
  FetchOptions,
  ListedUnit,
  ListRequest,
  SkippedUnit,
  SpaceListing,
  SpaceSnapshot,
} from './listing.ts';
export { listingFingerprint } from './listing.ts';
export { normalizeServer } from './server-url.ts';
export { BULK_BATCH_BYTES, BULK_UNIT_MAX_BYTES } from './unit-data.ts';

export interface ConfigHubClientOptions {
  /** Server root such as `https://hub.confighub.com` (a trailing `/api` is accepted). */
  server: string;
  credentials: Credentials;
  /** Bound on each HTTP attempt: connect, headers, and the whole body. */
  timeoutMs: number;
  userAgent?: string;
  tls?: TlsOptions;
  dispatcher?: Dispatcher;
  limits?: Partial<Limits>;
  retry?: Partial<RetryPolicy>;
  /** Waits between attempts (default util/timers' delay); must resolve early when `signal` aborts. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Source of jitter in [0, 1). */
  random?: () => number;
  /** Clock in ms, used for token renewal and HTTP-date Retry-After. */
  now?: () => number;
  /** Requests in flight for per-unit calls. */
  concurrency?: number;
  /** How long a slug → space ID resolution is reused. */
  spaceCacheTtlMs?: number;
  /** `limit` sent on list requests (1..1000). */
  pageSize?: number;
  /** Observes every HTTP attempt (route template, attempt, status, duration), e.g. for metrics. */
  onRequest?: (event: RequestEvent) => void;
}

export const DEFAULT_USER_AGENT = `confighub-source-controller/${packageJson.version}`;

export class ConfigHubClient {
  readonly #transport: Transport;
  readonly #auth: Authenticator;
  readonly #api: ApiRequests;
  readonly #spaces: SpaceResolver;
  readonly #units: UnitLister;
  /** The snapshot of a listing already fetched, so a gate check and the build download data once. */
  readonly #snapshots = new WeakMap<SpaceListing, SpaceSnapshot>();

  constructor(options: ConfigHubClientOptions) {
    const server = normalizeServer(options.server);
    if (!(options.timeoutMs > 0)) throw new RangeError(`timeoutMs must be > 0, got ${options.timeoutMs}`);
    const now = options.now ?? Date.now;
    const limits = { ...DEFAULT_LIMITS, ...options.limits };
    const concurrency = options.concurrency ?? 8;
    const spaceCacheTtlMs = options.spaceCacheTtlMs ?? 5 * 60_000;
    const pageSize = options.pageSize ?? MAX_PAGE_SIZE;
    if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > MAX_PAGE_SIZE) {
      throw new RangeError(`pageSize must be an integer in 1..${MAX_PAGE_SIZE}, got ${options.pageSize}`);
    }
    this.#transport = new Transport({
      server,
      timeoutMs: options.timeoutMs,
      userAgent: options.userAgent ?? DEFAULT_USER_AGENT,
      tls: options.tls,
      dispatcher: options.dispatcher,
      retry: { ...DEFAULT_RETRY, ...options.retry },
      sleep: options.sleep ?? delay,
      random: options.random ?? Math.random,
      now,
      secrets: () => this.#auth.secrets(),
      onRequest: options.onRequest,
    });
    this.#auth = createAuthenticator(options.credentials, this.#transport, now);
    this.#api = new ApiRequests({
      transport: this.#transport,
      auth: this.#auth,
      limits,
      pageSize,
      concurrency,
    });
    this.#spaces = new SpaceResolver(this.#api, spaceCacheTtlMs, now);
    this.#units = new UnitLister(this.#api);
  }

  /** When the credential stops working (a pre-minted token's `exp`, epoch ms); undefined when it renews. */
  credentialExpiresAt(): number | undefined {
    return this.#auth.expiresAt?.();
  }

  /** The `ConfigHub-Version` the server last answered with. */
  get serverVersion(): string | undefined {
    return this.#api.serverVersion;
  }

  /** Resolves the space and lists the selected units with their content hashes; downloads no data. */
  async list(request: ListRequest, signal?: AbortSignal): Promise<SpaceListing> {
    try {
      return await this.#list(request, signal);
    } catch (error) {
      throw this.#withVersion(error);
    }
  }

  /** Names the server version in a failure, once. */
  #withVersion(error: unknown): unknown {
    const version = this.#api.serverVersion;
    if (error instanceof ConfigHubError && version !== undefined && !error.message.includes('(ConfigHub ')) {
      error.message = `${error.message} (ConfigHub ${version})`;
    }
    return error;
  }

  async #list(request: ListRequest, signal?: AbortSignal): Promise<SpaceListing> {
    const ref = request.ref ?? { mode: 'head' };
    const toolchains = request.toolchains ?? [...DEFAULT_TOOLCHAINS];
    if (toolchains.length === 0) throw new InvalidFilterError('at least one toolchain must be selected');
    const userWhere = request.where === undefined ? undefined : checkUserWhere(request.where);
    const where = andWhere(userWhere, inList('ToolchainType', toolchains, 'toolchain'));

    const cached = this.#spaces.cached(request.space);
    const fromCache = cached !== undefined;
    let space = fromCache ? cached : await this.#spaces.resolve(request.space, signal);
    let apiUnits: ApiUnit[];
    try {
      apiUnits = await this.#units.list(space, where, toolchains, userWhere !== undefined, signal);
    } catch (error) {
      // A cached ID can go stale when a space is deleted and recreated under the same slug.
      if (!(fromCache && error instanceof SpaceNotFoundError)) throw error;
      this.#spaces.forget(request.space);
      space = await this.#spaces.resolve(request.space, signal);
      apiUnits = await this.#units.list(space, where, toolchains, userWhere !== undefined, signal);
    }

    let refId: string;
    let units: ListedUnit[];
    let skippedUnits: SkippedUnit[] | undefined;
    let manifestDigest: string | undefined;
    if (ref.mode === 'head') {
      refId = refIdOf('head');
      units = apiUnits.map((u) => headUnit(u));
    } else if (ref.mode === 'tag') {
      const tagID = await resolveTag(this.#api, space, ref.tag, signal);
      refId = refIdOf({ tag: ref.tag });
      units = await taggedUnits(this.#api, space, apiUnits, tagID, signal);
    } else {
      const release = await resolveRelease(this.#api, space, ref.release, signal);
      refId = refIdOf({ releaseNum: release.num });
      manifestDigest = release.manifestDigest;
      // A unit the release skipped has no revision in it: it is reported, never published from head.
      const skipped = new Set(release.skipped.map((u) => u.unitID));
      const bySlugOf = new Map(apiUnits.map((u) => [u.UnitID.toLowerCase(), u.Slug]));
      skippedUnits = release.skipped.map((u) => {
        const slug = u.slug ?? bySlugOf.get(u.unitID);
        return slug === undefined ? { unitID: u.unitID } : { unitID: u.unitID, slug };
      });
      const included = apiUnits.filter((u) => !skipped.has(u.UnitID.toLowerCase()));
      units = await taggedUnits(this.#api, space, included, release.tagID, signal);
    }
    units.sort(bySlug);
    const listing: SpaceListing = {
      spaceID: space.id,
      spaceSlug: space.slug,
      refId,
      units,
      fingerprint: listingFingerprint(refId, units),
    };
    if (this.#api.serverVersion !== undefined) listing.serverVersion = this.#api.serverVersion;
    if (skippedUnits !== undefined && skippedUnits.length > 0) listing.skippedUnits = skippedUnits;
    if (manifestDigest !== undefined && manifestDigest !== '') listing.manifestDigest = manifestDigest;
    return listing;
  }

  /**
   * Downloads the data of every listed unit and verifies sha256(data) against its DataHash. A snapshot
   * `prefetch` kept for this very listing object is handed over instead (once).
   */
  async fetch(listing: SpaceListing, options: FetchOptions = {}): Promise<SpaceSnapshot> {
    const kept = this.#snapshots.get(listing);
    if (kept !== undefined) {
      this.#snapshots.delete(listing);
      return kept;
    }
    try {
      return await fetchSnapshot(this.#api, listing, options);
    } catch (error) {
      throw this.#withVersion(error);
    }
  }

  /**
   * `fetch`, keeping the result for the next `fetch` of the same listing object: a check that needs the
   * data before the build (placeholders) and the build then download it once.
   */
  async prefetch(listing: SpaceListing, options: FetchOptions = {}): Promise<SpaceSnapshot> {
    const snapshot = await this.fetch(listing, options);
    this.#snapshots.set(listing, snapshot);
    return snapshot;
  }

  /** Forgets cached space resolutions and the worker token. */
  reset(): void {
    this.#spaces.clear();
    this.#auth.invalidate();
  }

  async close(): Promise<void> {
    await this.#transport.close();
  }
}
