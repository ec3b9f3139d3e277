// ConfigHub read client in two phases: `list` (cheap: space lookup + unit metadata, no data) so a poll can
// tell whether anything changed, and `fetch` (downloads and verifies the data of a listing).
import type { Dispatcher } from 'undici';
import type { z } from 'zod';
import packageJson from '../../package.json' with { type: 'json' };
import { Reason } from '../api/conditions.ts';
import { DEFAULT_TOOLCHAINS } from '../api/constants.ts';
import { UUID_PATTERN } from '../api/v1beta1.ts';
import { sha256Hex } from '../util/hash.ts';
import { mapLimit } from '../util/map-limit.ts';
import { delay } from '../util/timers.ts';
import { type Authenticator, type Credentials, createAuthenticator } from './auth.ts';
import type { DataCache } from './cache.ts';
import {
  AmbiguousSpaceError,
  AuthenticationFailedError,
  ConfigHubError,
  ForbiddenError,
  IntegrityError,
  InvalidFilterError,
  InvalidResponseError,
  LimitExceededError,
  RefNotFoundError,
  SpaceNotFoundError,
  UnitChangedError,
  UpstreamUnavailableError,
} from './errors.ts';
import {
  DEFAULT_LIMITS,
  DEFAULT_RETRY,
  describeErrorBody,
  type HttpRequest,
  type HttpResponse,
  headerValue,
  type Limits,
  parseJson,
  type RequestEvent,
  type RetryPolicy,
  type TlsOptions,
  Transport,
} from './http.ts';
import { type RefSelector, refIdOf } from './ref.ts';
import {
  type ApiUnit,
  EMPTY_SHA256,
  releaseListSchema,
  revisionListSchema,
  spaceEnvelopeSchema,
  spaceListSchema,
  tagListSchema,
  unitDataListSchema,
  unitListSchema,
} from './schemas.ts';
import { andWhere, batchInClauses, checkUserWhere, inList, quoteLiteral } from './where.ts';

/** Units larger than this are downloaded one by one as raw bytes, not inside a bulk JSON answer. */
export const BULK_UNIT_MAX_BYTES = 256 * 1024;
/** Units downloaded one at a time. */
const LARGE_UNIT_BYTES = 4 * 1024 * 1024;
/** Unit data per bulk request: a JSON body of a few MiB parses in milliseconds. */
export const BULK_BATCH_BYTES = 2 * 1024 * 1024;

export interface ListedUnit {
  unitID: string;
  slug: string;
  toolchainType: string;
  revisionNum: number;
  revisionID?: string;
  dataHash: string;
  dataSize: number;
  labels?: Record<string, string>;
  /** Names of failed validation gates (`ValidationErrors`); absent when none. */
  validationErrors?: string[];
  /** Names of open apply gates (`ApplyGates`); absent when none. */
  applyGates?: string[];
}

/** A unit a release left out (`Release.SkippedUnits`). */
export interface SkippedUnit {
  unitID: string;
  slug?: string;
}

export interface SpaceListing {
  spaceID: string;
  spaceSlug: string;
  refId: string;
  /** Sorted by slug (code-unit order). */
  units: ListedUnit[];
  /** sha256 hex over refId and the sorted (unitID, slug, revisionNum, dataHash) tuples. */
  fingerprint: string;
  /** The server's `ConfigHub-Version` header, when it sent one. */
  serverVersion?: string;
  /** Release mode: units the release skipped, which are therefore not in `units`. */
  skippedUnits?: SkippedUnit[];
  /** Release mode: the release's OCI manifest digest, to correlate with ConfigHub's OCI gateway. */
  manifestDigest?: string;
}

export interface FetchedUnit extends ListedUnit {
  data: Buffer;
}

export interface SpaceSnapshot extends Omit<SpaceListing, 'units'> {
  units: FetchedUnit[];
}

export interface ListRequest {
  /** Space slug or UUID. */
  space: string;
  /** User filter, AND-combined with the client's own clauses. */
  where?: string;
  ref?: RefSelector;
  /** Toolchain types to include; default `Kubernetes/YAML`. */
  toolchains?: string[];
}

export interface FetchOptions {
  cache?: DataCache;
  signal?: AbortSignal;
  /**
   * Head mode: for units whose bytes are in the cache, ask ConfigHub with `If-None-Match` (a 304 costs
   * no body) instead of trusting the cache outright. The cache is content-addressed and verified, so
   * `false` is safe and saves one request per cached unit; `true` (default) also confirms the head did
   * not move since listing. Tag and release snapshots read immutable revisions and always trust the cache.
   */
  revalidate?: boolean;
}

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
const MAX_PAGE_SIZE = 1000;
const CONTINUE_HEADER = 'confighub-continue';
const VERSION_HEADER = 'confighub-version';
const uuidPattern = new RegExp(UUID_PATTERN);

const ROUTES = {
  spaces: 'GET /api/space',
  space: 'GET /api/space/{space_id}',
  units: 'GET /api/space/{space_id}/unit',
  unitData: 'GET /api/unit_data',
  data: 'GET /api/space/{space_id}/unit/{unit_id}/data',
  tags: 'GET /api/space/{space_id}/tag',
  releases: 'GET /api/space/{space_id}/release',
  revisions: 'GET /api/space/{space_id}/unit/{unit_id}/revision',
  revisionData: 'GET /api/space/{space_id}/unit/{unit_id}/revision/{revision_id}/data',
} as const;

const UNIT_SELECT = [
  'UnitID',
  'Slug',
  'SpaceID',
  'ToolchainType',
  'DataHash',
  'DataSize',
  'HeadRevisionNum',
  'HeadRevisionID',
  'Labels',
  'HiddenReason',
  'ValidationErrors',
  'ApplyGates',
].join(',');

interface ResolvedSpace {
  id: string;
  slug: string;
}

/** Above this, hashing runs on the thread pool (WebCrypto) instead of blocking the event loop. */
const HASH_OFF_LOOP_BYTES = 1 << 20;

async function sha256HexOffLoop(data: Buffer): Promise<string> {
  if (data.length < HASH_OFF_LOOP_BYTES) return sha256Hex(data);
  return Buffer.from(await globalThis.crypto.subtle.digest('SHA-256', data)).toString('hex');
}

function bySlug(a: ListedUnit, b: ListedUnit): number {
  if (a.slug !== b.slug) return a.slug < b.slug ? -1 : 1;
  return a.unitID < b.unitID ? -1 : a.unitID > b.unitID ? 1 : 0;
}

/** sha256 over the ref id and the identity and content of every unit, in slug order. */
export function listingFingerprint(refId: string, units: readonly ListedUnit[]): string {
  const rows = [...units].sort(bySlug).map((u) => [u.unitID, u.slug, u.revisionNum, u.dataHash]);
  return sha256Hex(JSON.stringify([refId, rows]));
}

/** Accepts `https://host[/prefix]` (and a trailing `/api`), refuses credentials, queries and fragments. */
export function normalizeServer(server: string): string {
  let url: URL;
  try {
    url = new URL(server);
  } catch {
    throw new ConfigHubError(Reason.InvalidURL, false, `server ${JSON.stringify(server)} is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigHubError(
      Reason.InvalidURL,
      false,
      `server URL must use http or https, not ${url.protocol}`,
    );
  }
  if (url.username !== '' || url.password !== '') {
    throw new ConfigHubError(Reason.InvalidURL, false, 'server URL must not carry credentials');
  }
  if (url.search !== '' || url.hash !== '') {
    throw new ConfigHubError(Reason.InvalidURL, false, 'server URL must not have a query or fragment');
  }
  const path = url.pathname.replace(/\/+$/, '').replace(/\/api$/, '');
  return `${url.origin}${path}`;
}

/** Reads `Release.SkippedUnits` in any of the shapes the schema accepts. */
function skippedOf(
  value: z.infer<typeof releaseListSchema>[number]['Release']['SkippedUnits'],
): SkippedUnit[] {
  if (value == null) return [];
  const entries: Array<{ unitID: string; slug?: string | undefined }> = Array.isArray(value)
    ? value.map((v) => (typeof v === 'string' ? { unitID: v } : { unitID: v.UnitID, slug: v.Slug }))
    : Object.keys(value).map((unitID) => ({ unitID }));
  return entries
    .filter((e) => uuidPattern.test(e.unitID))
    .map((e) =>
      e.slug === undefined
        ? { unitID: e.unitID.toLowerCase() }
        : { unitID: e.unitID.toLowerCase(), slug: e.slug },
    );
}

function enc(segment: string): string {
  return encodeURIComponent(segment);
}

export class ConfigHubClient {
  readonly #transport: Transport;
  readonly #auth: Authenticator;
  readonly #limits: Limits;
  readonly #concurrency: number;
  readonly #spaceCacheTtlMs: number;
  readonly #pageSize: number;
  readonly #now: () => number;
  readonly #spaces = new Map<string, { space: ResolvedSpace; expiresAt: number }>();
  /** Last `ConfigHub-Version` seen: it explains most compatibility problems in one word. */
  #serverVersion: string | undefined;
  /** False once the server refused our unit `select` (an older server): lists then ask for whole units. */
  #unitSelect = true;
  /** The snapshot of a listing already fetched, so a gate check and the build download data once. */
  readonly #snapshots = new WeakMap<SpaceListing, SpaceSnapshot>();

  constructor(options: ConfigHubClientOptions) {
    const server = normalizeServer(options.server);
    if (!(options.timeoutMs > 0)) throw new RangeError(`timeoutMs must be > 0, got ${options.timeoutMs}`);
    this.#now = options.now ?? Date.now;
    this.#limits = { ...DEFAULT_LIMITS, ...options.limits };
    this.#concurrency = options.concurrency ?? 8;
    this.#spaceCacheTtlMs = options.spaceCacheTtlMs ?? 5 * 60_000;
    this.#pageSize = options.pageSize ?? MAX_PAGE_SIZE;
    if (!Number.isInteger(this.#pageSize) || this.#pageSize < 1 || this.#pageSize > MAX_PAGE_SIZE) {
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
      now: this.#now,
      secrets: () => this.#auth.secrets(),
      onRequest: options.onRequest,
    });
    this.#auth = createAuthenticator(options.credentials, this.#transport, this.#now);
  }

  /** When the credential stops working (a pre-minted token's `exp`, epoch ms); undefined when it renews. */
  credentialExpiresAt(): number | undefined {
    return this.#auth.expiresAt?.();
  }

  /** The `ConfigHub-Version` the server last answered with. */
  get serverVersion(): string | undefined {
    return this.#serverVersion;
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
    const version = this.#serverVersion;
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

    const cached = this.#spaces.get(request.space);
    const fromCache = cached !== undefined && this.#now() < cached.expiresAt;
    let space = fromCache ? cached.space : await this.#resolveSpace(request.space, signal);
    let apiUnits: ApiUnit[];
    try {
      apiUnits = await this.#listUnits(space, where, toolchains, userWhere !== undefined, signal);
    } catch (error) {
      // A cached ID can go stale when a space is deleted and recreated under the same slug.
      if (!(fromCache && error instanceof SpaceNotFoundError)) throw error;
      this.#spaces.delete(request.space);
      space = await this.#resolveSpace(request.space, signal);
      apiUnits = await this.#listUnits(space, where, toolchains, userWhere !== undefined, signal);
    }

    let refId: string;
    let units: ListedUnit[];
    let skippedUnits: SkippedUnit[] | undefined;
    let manifestDigest: string | undefined;
    if (ref.mode === 'head') {
      refId = refIdOf('head');
      units = apiUnits.map((u) => this.#headUnit(u));
    } else if (ref.mode === 'tag') {
      const tagID = await this.#resolveTag(space, ref.tag, signal);
      refId = refIdOf({ tag: ref.tag });
      units = await this.#taggedUnits(space, apiUnits, tagID, signal);
    } else {
      const release = await this.#resolveRelease(space, ref.release, signal);
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
      units = await this.#taggedUnits(space, included, release.tagID, signal);
    }
    units.sort(bySlug);
    const listing: SpaceListing = {
      spaceID: space.id,
      spaceSlug: space.slug,
      refId,
      units,
      fingerprint: listingFingerprint(refId, units),
    };
    if (this.#serverVersion !== undefined) listing.serverVersion = this.#serverVersion;
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
      return await this.#fetch(listing, options);
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

  async #fetch(listing: SpaceListing, options: FetchOptions): Promise<SpaceSnapshot> {
    const { cache, signal } = options;
    const revalidate = options.revalidate ?? true;
    let total = 0;
    for (const unit of listing.units) {
      if (unit.dataSize > this.#limits.maxUnitDataBytes) {
        throw new LimitExceededError(
          `unit '${unit.slug}' has ${unit.dataSize} bytes of data; the limit is ${this.#limits.maxUnitDataBytes}`,
        );
      }
      total += unit.dataSize;
    }
    if (total > this.#limits.maxTotalDataBytes) {
      throw new LimitExceededError(
        `the selected units hold ${total} bytes of data; the limit is ${this.#limits.maxTotalDataBytes}`,
      );
    }

    const head = listing.refId === refIdOf('head');
    const data = new Map<string, Buffer>();
    const toDownload: ListedUnit[] = [];
    const toRevalidate: ListedUnit[] = [];
    for (const unit of listing.units) {
      if (unit.dataHash === EMPTY_SHA256) {
        data.set(unit.unitID, Buffer.alloc(0));
        continue;
      }
      const hit = cache?.get(unit.dataHash);
      if (hit === undefined) toDownload.push(unit);
      // Revision data is immutable: only a head can move away from what was listed.
      else if (revalidate && head) toRevalidate.push(unit);
      else data.set(unit.unitID, hit);
    }

    const store = (unit: ListedUnit, bytes: Buffer): void => {
      data.set(unit.unitID, bytes);
      cache?.set(unit.dataHash, bytes);
    };
    // Large units come one by one as raw bytes: in a bulk JSON answer their data would be escaped,
    // parsed on the event loop in one piece and held twice.
    const bulk = head ? toDownload.filter((unit) => unit.dataSize <= BULK_UNIT_MAX_BYTES) : [];
    if (bulk.length > 0) {
      for (const [unit, bytes] of await this.#bulkData(listing, bulk, signal)) store(unit, bytes);
    }
    const oneByOne = head
      ? [...toRevalidate, ...toDownload.filter((unit) => unit.dataSize > BULK_UNIT_MAX_BYTES)]
      : toDownload;
    const one = async (unit: ListedUnit) => {
      store(unit, await this.#unitData(listing, unit, head, cache?.get(unit.dataHash), signal));
    };
    // Small units in parallel; units of several MiB one at a time, so a space of large units never has
    // many of them half-received at once.
    await mapLimit(
      oneByOne.filter((unit) => unit.dataSize <= LARGE_UNIT_BYTES),
      this.#concurrency,
      one,
    );
    await mapLimit(
      oneByOne.filter((unit) => unit.dataSize > LARGE_UNIT_BYTES),
      1,
      one,
    );

    return {
      spaceID: listing.spaceID,
      spaceSlug: listing.spaceSlug,
      refId: listing.refId,
      fingerprint: listing.fingerprint,
      units: listing.units.map((unit) => ({ ...unit, data: data.get(unit.unitID)! })),
    };
  }

  /** Forgets cached space resolutions and the worker token. */
  reset(): void {
    this.#spaces.clear();
    this.#auth.invalidate();
  }

  async close(): Promise<void> {
    await this.#transport.close();
  }

  // --- requests -------------------------------------------------------------------------------

  /** Sends with credentials; renews a worker token once after a 401. Maps 401/403. */
  async #call(req: HttpRequest): Promise<HttpResponse> {
    let renewed = false;
    for (;;) {
      const authorization = await this.#auth.authorization(req.signal);
      const response = await this.#transport.send({
        ...req,
        headers: { accept: 'application/json', ...req.headers, authorization },
      });
      const version = headerValue(response.headers, VERSION_HEADER);
      if (version !== undefined && version !== '') this.#serverVersion = version;
      if (response.status === 401) {
        if (!renewed && this.#auth.invalidate()) {
          renewed = true;
          continue;
        }
        throw new AuthenticationFailedError(
          `${req.route}: the credential was rejected (401${renewed ? ', also with a freshly exchanged worker token' : ''}): ${this.#detail(response)}`,
          { route: req.route, status: 401 },
        );
      }
      if (response.status === 403) {
        throw new ForbiddenError(
          `${req.route}: the credential may not read this (403): ${this.#detail(response)}`,
          {
            route: req.route,
            status: 403,
          },
        );
      }
      return response;
    }
  }

  #detail(response: HttpResponse): string {
    return describeErrorBody(response.body, this.#auth.secrets()) || 'no details';
  }

  /** Error for a status the caller did not expect; `notFound` decides what a 404 means on this route. */
  #unexpected(req: HttpRequest, response: HttpResponse, notFound: () => ConfigHubError): ConfigHubError {
    const details = { route: req.route, status: response.status };
    if (response.status === 404) return notFound();
    if (response.status === 400) {
      return new InvalidFilterError(
        `${req.route}: ConfigHub rejected the query (400): ${this.#detail(response)}`,
        details,
      );
    }
    return new UpstreamUnavailableError(
      `${req.route}: unexpected status ${response.status}: ${this.#detail(response)}`,
      details,
    );
  }

  async #getJson<T extends z.ZodType>(
    req: Omit<HttpRequest, 'method' | 'maxBytes'>,
    schema: T,
    notFound: () => ConfigHubError,
  ): Promise<{ body: z.output<T>; response: HttpResponse }> {
    const full: HttpRequest = { ...req, method: 'GET', maxBytes: this.#limits.maxJsonBytes };
    const response = await this.#call(full);
    if (response.status !== 200) throw this.#unexpected(full, response, notFound);
    return { body: parseJson(req.route, response, schema), response };
  }

  /** Follows `ConfigHub-Continue` until a page comes without it, within the page and item caps. */
  async #listAll<T>(
    req: Omit<HttpRequest, 'method' | 'maxBytes'>,
    schema: z.ZodType<T[]>,
    notFound: () => ConfigHubError,
    maxItems: number,
    what: string,
  ): Promise<T[]> {
    const items: T[] = [];
    let token: string | undefined;
    const seen = new Set<string>();
    for (let page = 1; ; page++) {
      if (page > this.#limits.maxPages) {
        throw new LimitExceededError(
          `${req.route}: still more ${what} after ${this.#limits.maxPages} pages of ${this.#pageSize}; narrow the selection or raise the page limit`,
          { route: req.route },
        );
      }
      const query: Array<readonly [string, string]> = [
        ...(req.query ?? []),
        ['limit', String(this.#pageSize)],
      ];
      if (token !== undefined) query.push(['continue', token]);
      const { body, response } = await this.#getJson({ ...req, query }, schema, notFound);
      items.push(...body);
      if (items.length > maxItems) {
        throw new LimitExceededError(
          `${req.route}: more than ${maxItems} ${what} selected; narrow the selection`,
          {
            route: req.route,
          },
        );
      }
      token = headerValue(response.headers, CONTINUE_HEADER) || undefined;
      if (token === undefined) return items;
      // A token handed out twice means the server's paging loops: stop now rather than at the page cap.
      if (seen.has(token)) {
        throw new LimitExceededError(
          `${req.route}: the server repeated a ConfigHub-Continue token after ${page} pages; its paging loops`,
          { route: req.route },
        );
      }
      seen.add(token);
    }
  }

  // --- listing --------------------------------------------------------------------------------

  async #resolveSpace(space: string, signal: AbortSignal | undefined): Promise<ResolvedSpace> {
    let resolved: ResolvedSpace;
    if (uuidPattern.test(space)) {
      const id = space.toLowerCase();
      const { body } = await this.#getJson(
        { route: ROUTES.space, path: `/api/space/${enc(id)}`, signal },
        spaceEnvelopeSchema,
        () =>
          new SpaceNotFoundError(`space ${id} does not exist or is not visible to this credential`, {
            route: ROUTES.space,
            status: 404,
          }),
      );
      resolved = { id: body.Space.SpaceID.toLowerCase(), slug: body.Space.Slug };
    } else {
      const where = `Slug = ${quoteLiteral(space, 'space slug')}`;
      const { body } = await this.#getJson(
        {
          route: ROUTES.spaces,
          path: '/api/space',
          query: [
            ['where', where],
            ['limit', '2'],
          ],
          signal,
        },
        spaceListSchema,
        () =>
          new UpstreamUnavailableError(`${ROUTES.spaces}: the server has no space list route (404)`, {
            route: ROUTES.spaces,
            status: 404,
          }),
      );
      const matches = body.filter((e) => e.Space.Slug === space);
      if (matches.length === 0) {
        throw new SpaceNotFoundError(`no space with slug '${space}' is visible to this credential`, {
          route: ROUTES.spaces,
        });
      }
      if (matches.length > 1) {
        throw new AmbiguousSpaceError(`more than one space has slug '${space}'; use the space ID instead`, {
          route: ROUTES.spaces,
        });
      }
      resolved = { id: matches[0]!.Space.SpaceID.toLowerCase(), slug: matches[0]!.Space.Slug };
    }
    this.#spaces.set(space, { space: resolved, expiresAt: this.#now() + this.#spaceCacheTtlMs });
    return resolved;
  }

  async #listUnits(
    space: ResolvedSpace,
    where: string,
    toolchains: readonly string[],
    userFilter: boolean,
    signal: AbortSignal | undefined,
  ): Promise<ApiUnit[]> {
    const route = ROUTES.units;
    let envelopes: Array<{ Unit: ApiUnit }>;
    const listUnits = (select: boolean) =>
      this.#listAll(
        {
          route,
          path: `/api/space/${enc(space.id)}/unit`,
          query: select
            ? [
                ['where', where],
                ['select', UNIT_SELECT],
              ]
            : [['where', where]],
          signal,
        },
        unitListSchema,
        () =>
          new SpaceNotFoundError(`space '${space.slug}' (${space.id}) no longer exists`, {
            route,
            status: 404,
          }),
        this.#limits.maxUnits,
        'units',
      );
    try {
      try {
        envelopes = await listUnits(this.#unitSelect);
      } catch (error) {
        // Servers before a field existed refuse to select it (400): ask once more for whole units, and
        // keep doing so if that works. A 400 that remains is about the where filter.
        if (!(this.#unitSelect && error instanceof InvalidFilterError && error.status === 400)) throw error;
        envelopes = await listUnits(false);
        this.#unitSelect = false;
      }
    } catch (error) {
      if (error instanceof InvalidFilterError && error.status === 400 && userFilter) {
        throw new InvalidFilterError(error.message.replace('the query', 'the where filter'), {
          route,
          status: 400,
        });
      }
      throw error;
    }
    const seenIDs = new Set<string>();
    const seenSlugs = new Set<string>();
    const units: ApiUnit[] = [];
    for (const { Unit: unit } of envelopes) {
      if (seenIDs.has(unit.UnitID)) {
        throw new InvalidResponseError(`${route}: unit ${unit.UnitID} was returned twice across pages`, {
          route,
        });
      }
      seenIDs.add(unit.UnitID);
      if (unit.HiddenReason !== undefined && unit.HiddenReason !== '') continue;
      if (unit.ToolchainType === undefined || !toolchains.includes(unit.ToolchainType)) continue;
      if (seenSlugs.has(unit.Slug)) {
        throw new InvalidResponseError(`${route}: two units share the slug '${unit.Slug}'`, { route });
      }
      seenSlugs.add(unit.Slug);
      units.push(unit);
    }
    return units;
  }

  #headUnit(unit: ApiUnit): ListedUnit {
    const dataSize = unit.DataSize ?? 0;
    if (unit.DataHash === undefined && dataSize > 0) {
      throw new InvalidResponseError(
        `${ROUTES.units}: unit '${unit.Slug}' has ${dataSize} bytes of data but no DataHash`,
        {
          route: ROUTES.units,
        },
      );
    }
    const listed: ListedUnit = {
      unitID: unit.UnitID.toLowerCase(),
      slug: unit.Slug,
      toolchainType: unit.ToolchainType ?? '',
      revisionNum: unit.HeadRevisionNum ?? 0,
      dataHash: unit.DataHash ?? EMPTY_SHA256,
      dataSize,
    };
    if (unit.HeadRevisionID !== undefined) listed.revisionID = unit.HeadRevisionID.toLowerCase();
    if (unit.Labels != null && Object.keys(unit.Labels).length > 0) listed.labels = { ...unit.Labels };
    const validationErrors = Object.keys(unit.ValidationErrors ?? {}).sort();
    if (validationErrors.length > 0) listed.validationErrors = validationErrors;
    const applyGates = Object.keys(unit.ApplyGates ?? {}).sort();
    if (applyGates.length > 0) listed.applyGates = applyGates;
    return listed;
  }

  async #resolveTag(space: ResolvedSpace, tag: string, signal: AbortSignal | undefined): Promise<string> {
    const route = ROUTES.tags;
    const tags = await this.#listAll(
      {
        route,
        path: `/api/space/${enc(space.id)}/tag`,
        query: [['where', `Slug = ${quoteLiteral(tag, 'tag')}`]],
        signal,
      },
      tagListSchema,
      () =>
        new SpaceNotFoundError(`space '${space.slug}' (${space.id}) no longer exists`, {
          route,
          status: 404,
        }),
      this.#limits.maxUnits,
      'tags',
    );
    const match = tags.find((t) => t.Tag.Slug === tag);
    if (match === undefined) {
      throw new RefNotFoundError(`tag '${tag}' does not exist in space '${space.slug}'`, { route });
    }
    return match.Tag.TagID.toLowerCase();
  }

  /**
   * Lists the published releases and chooses client-side: servers before about v0.8.10 refuse
   * `ReleaseNum` in a release `where`, while `Published = true` works on every v0.8 server.
   */
  async #resolveRelease(
    space: ResolvedSpace,
    wanted: 'latest' | number,
    signal: AbortSignal | undefined,
  ): Promise<{ num: number; tagID: string; skipped: SkippedUnit[]; manifestDigest: string | undefined }> {
    const route = ROUTES.releases;
    const releases = await this.#listAll(
      {
        route,
        path: `/api/space/${enc(space.id)}/release`,
        query: [['where', 'Published = true']],
        signal,
      },
      releaseListSchema,
      () =>
        new SpaceNotFoundError(`space '${space.slug}' (${space.id}) no longer exists`, {
          route,
          status: 404,
        }),
      this.#limits.maxUnits,
      'releases',
    );
    let release: (typeof releases)[number]['Release'] | undefined;
    for (const { Release: r } of releases) {
      if (r.Published !== true) continue;
      if (
        wanted === 'latest'
          ? release === undefined || r.ReleaseNum > release.ReleaseNum
          : r.ReleaseNum === wanted
      )
        release = r;
    }
    if (release === undefined) {
      throw new RefNotFoundError(
        wanted === 'latest'
          ? `space '${space.slug}' has no published release`
          : `release ${wanted} of space '${space.slug}' does not exist or is not published`,
        { route },
      );
    }
    if (release.TagID === undefined) {
      throw new InvalidResponseError(`${route}: release ${release.ReleaseNum} names no TagID`, { route });
    }
    return {
      num: release.ReleaseNum,
      tagID: release.TagID.toLowerCase(),
      skipped: skippedOf(release.SkippedUnits),
      manifestDigest: release.ManifestDigest,
    };
  }

  /** Per unit, the revision carrying the tag with the highest RevisionNum; units without one are left out. */
  async #taggedUnits(
    space: ResolvedSpace,
    units: readonly ApiUnit[],
    tagID: string,
    signal: AbortSignal | undefined,
  ): Promise<ListedUnit[]> {
    const route = ROUTES.revisions;
    const found = await mapLimit(units, this.#concurrency, async (unit) => {
      const revisions = await this.#listAll(
        {
          route,
          path: `/api/space/${enc(space.id)}/unit/${enc(unit.UnitID)}/revision`,
          query: [['where', `Tags ? ${quoteLiteral(tagID, 'tag ID')}`]],
          signal,
        },
        revisionListSchema,
        // Deleted since the unit list: it simply has no tagged revision any more.
        () => new UnitChangedError(`unit '${unit.Slug}' disappeared while listing`, { route, status: 404 }),
        this.#limits.maxPages * this.#pageSize,
        'revisions',
      ).catch((error: unknown) => {
        if (error instanceof UnitChangedError) return [];
        throw error;
      });
      let best: (typeof revisions)[number]['Revision'] | undefined;
      for (const { Revision: r } of revisions) {
        if (best === undefined || r.RevisionNum > best.RevisionNum) best = r;
      }
      if (best === undefined) return undefined;
      const dataSize = best.DataSize ?? 0;
      if (best.DataHash === undefined && dataSize > 0) {
        throw new InvalidResponseError(
          `${route}: revision ${best.RevisionNum} of unit '${unit.Slug}' has data but no DataHash`,
          { route },
        );
      }
      const listed: ListedUnit = {
        unitID: unit.UnitID.toLowerCase(),
        slug: unit.Slug,
        toolchainType: unit.ToolchainType ?? '',
        revisionNum: best.RevisionNum,
        revisionID: best.RevisionID.toLowerCase(),
        dataHash: best.DataHash ?? EMPTY_SHA256,
        dataSize,
      };
      if (unit.Labels != null && Object.keys(unit.Labels).length > 0) listed.labels = { ...unit.Labels };
      return listed;
    });
    return found.filter((u): u is ListedUnit => u !== undefined);
  }

  // --- data -----------------------------------------------------------------------------------

  /** Head data of many units through `GET /api/unit_data`, in batches below the where and body caps. */
  async #bulkData(
    listing: SpaceListing,
    units: readonly ListedUnit[],
    signal: AbortSignal | undefined,
  ): Promise<Array<[ListedUnit, Buffer]>> {
    if (units.length === 0) return [];
    const route = ROUTES.unitData;
    const prefix = `SpaceID = ${quoteLiteral(listing.spaceID, 'space ID')}`;
    // JSON escaping can double a document's size; each batch's body stays small, because it is parsed
    // on the event loop in one piece.
    const byteBudget = Math.max(1, Math.min(BULK_BATCH_BYTES, Math.floor(this.#limits.maxJsonBytes / 2)));
    const groups: ListedUnit[][] = [];
    let current: ListedUnit[] = [];
    let bytes = 0;
    for (const unit of units) {
      if (current.length > 0 && bytes + unit.dataSize > byteBudget) {
        groups.push(current);
        current = [];
        bytes = 0;
      }
      current.push(unit);
      bytes += unit.dataSize;
    }
    groups.push(current);

    const results: Array<[ListedUnit, Buffer]> = [];
    for (const group of groups) {
      const byID = new Map(group.map((u) => [u.unitID, u]));
      for (const ids of batchInClauses(
        prefix,
        'UnitID',
        [...byID.keys()],
        'unit ID',
        undefined,
        MAX_PAGE_SIZE,
      )) {
        const records = await this.#listAll(
          {
            route,
            path: '/api/unit_data',
            query: [['where', andWhere(prefix, inList('UnitID', ids, 'unit ID'))]],
            signal,
          },
          unitDataListSchema,
          () =>
            new UpstreamUnavailableError(`${route}: the server has no bulk data route (404)`, {
              route,
              status: 404,
            }),
          ids.length,
          'unit data records',
        );
        const received = new Map(records.map((r) => [r.UnitID.toLowerCase(), r]));
        for (const id of ids) {
          const unit = byID.get(id)!;
          const record = received.get(id);
          if (record === undefined) {
            throw new UnitChangedError(`unit '${unit.slug}' was deleted or moved after it was listed`, {
              route,
            });
          }
          const bytesOf = Buffer.from(record.Data ?? '', 'utf8');
          if (bytesOf.length > this.#limits.maxUnitDataBytes) {
            throw new LimitExceededError(
              `unit '${unit.slug}' has ${bytesOf.length} bytes of data; the limit is ${this.#limits.maxUnitDataBytes}`,
              { route },
            );
          }
          await this.#verify(route, unit, bytesOf, record.DataHash);
          results.push([unit, bytesOf]);
        }
      }
    }
    return results;
  }

  /** One unit's data: head `/data` or `/revision/{id}/data`, conditional when `cached` is given. */
  async #unitData(
    listing: SpaceListing,
    unit: ListedUnit,
    head: boolean,
    cached: Buffer | undefined,
    signal: AbortSignal | undefined,
  ): Promise<Buffer> {
    const base = `/api/space/${enc(listing.spaceID)}/unit/${enc(unit.unitID)}`;
    let route: string;
    let path: string;
    if (head) {
      route = ROUTES.data;
      path = `${base}/data`;
    } else {
      if (unit.revisionID === undefined) {
        throw new InvalidResponseError(`unit '${unit.slug}' was listed without a revision ID`, {});
      }
      route = ROUTES.revisionData;
      path = `${base}/revision/${enc(unit.revisionID)}/data`;
    }
    const headers: Record<string, string> = { accept: 'application/octet-stream' };
    if (cached !== undefined) headers['if-none-match'] = `"${unit.dataHash}"`;
    const req: HttpRequest = {
      method: 'GET',
      route,
      path,
      headers,
      maxBytes: this.#limits.maxUnitDataBytes,
      signal,
    };
    const response = await this.#call(req);
    const etag = headerValue(response.headers, 'etag')
      ?.replace(/^W\//, '')
      .replace(/^"(.*)"$/, '$1');
    if (response.status === 304) {
      if (cached === undefined) {
        throw new InvalidResponseError(`${route}: 304 Not Modified for a request that was not conditional`, {
          route,
          status: 304,
        });
      }
      if (etag !== undefined && etag !== '' && etag !== unit.dataHash) {
        throw new UnitChangedError(`unit '${unit.slug}' changed after it was listed`, { route, status: 304 });
      }
      return cached;
    }
    if (response.status !== 200) {
      throw this.#unexpected(
        req,
        response,
        () =>
          new UnitChangedError(`unit '${unit.slug}' was deleted after it was listed`, { route, status: 404 }),
      );
    }
    if (/text\/html/i.test(headerValue(response.headers, 'content-type') ?? '')) {
      throw new UpstreamUnavailableError(
        `${route}: the server answered with an HTML page instead of the data of unit '${unit.slug}'`,
        { route, status: 200 },
      );
    }
    await this.#verify(route, unit, response.body, etag);
    return response.body;
  }

  /**
   * sha256(bytes) must equal the listed DataHash. When the server itself labels the bytes with another
   * hash that they do match, the unit moved after listing (retry) rather than being corrupt.
   */
  async #verify(route: string, unit: ListedUnit, data: Buffer, claimed: string | undefined): Promise<void> {
    const actual = await sha256HexOffLoop(data);
    if (actual === unit.dataHash) return;
    if (claimed !== undefined && claimed !== unit.dataHash && claimed === actual) {
      throw new UnitChangedError(
        `unit '${unit.slug}' changed after it was listed (DataHash ${unit.dataHash.slice(0, 12)}… → ${actual.slice(0, 12)}…)`,
        { route },
      );
    }
    throw new IntegrityError(
      `unit '${unit.slug}': sha256 of the downloaded data is ${actual} but its DataHash is ${unit.dataHash}`,
      { route },
    );
  }
}
