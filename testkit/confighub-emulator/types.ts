// Public types of the ConfigHub emulator: options, faults, request log and the views tests read.
import type { FixtureInput } from './fixture/schema.ts';

export interface EmulatorOptions {
  /** Parsed fixture object or a path to a fixture YAML file; default: the bundled web-app fixture. */
  fixture?: FixtureInput | string;
  /** Interface to listen on; default 127.0.0.1. */
  host?: string;
  /** Port to listen on; default 0 (an ephemeral port). */
  port?: number;
  /** Value of the `ConfigHub-Version` header and of `/api/info` `Version`; default 'v0.8.12'. */
  version?: string;
  /**
   * Behave as a v0.8.0–v0.8.9 server: a release `where` naming `ReleaseNum` is a 400, releases carry no
   * `SkippedUnits`, `/auth/worker` refuses key assertions; the version defaults to v0.8.3.
   */
  olderServer?: boolean;
  /** Lifetime of JWTs issued by `POST /auth/worker`; default 3600. */
  tokenTtlSeconds?: number;
}

export interface RequestLogEntry {
  method: string;
  /** URL pathname, still percent-encoded as sent. */
  path: string;
  /** Decoded query parameters (the last value wins when a name repeats). */
  query: Record<string, string>;
  authorization?: string;
  userAgent?: string;
  /** Status sent; 0 while the answer is still pending (entries are logged on arrival). */
  status: number;
}

/** The credentials of the loaded fixture, for tests to present. */
export interface FixtureCredentials {
  /** Static token that sees every space. */
  token: string;
  /** Static token that only sees `shop-staging` (or the fixture's restricted token). */
  restrictedToken: string;
  workerID: string;
  workerSecret: string;
  orgID: string;
}

/** Where a fault applies: `route` matches the URL pathname (exact, prefix ending in `*`, or RegExp). */
export interface FaultScope {
  route?: string | RegExp;
  /** HTTP method (case-insensitive); default: any. */
  method?: string;
  /** Number of matching requests the fault applies to; default: unlimited. */
  times?: number;
}

export type FaultEffect =
  /** Answer with this status and a JSON error body; 429/503 may carry `Retry-After`. */
  | { kind: 'status'; status: number; retryAfterSeconds?: number }
  /** Delay the response by `ms` milliseconds, then answer normally (combines with one other fault). */
  | { kind: 'latency'; ms: number }
  /** 200 with an HTML login page instead of JSON. */
  | { kind: 'html' }
  /** The normal JSON body cut in half (Content-Length matches the cut body). */
  | { kind: 'truncate' }
  /** A JSON `null` body instead of the list. */
  | { kind: 'nullList' }
  /** A `null` element inserted at the front of the list. */
  | { kind: 'nullElement' }
  /** 302 to `location` (absolute URL, typically another host). */
  | { kind: 'redirect'; location: string }
  /** Data bytes (`/data`, `/api/unit_data`) no longer match `DataHash`; ETag still names the true hash. */
  | { kind: 'wrongDataHash'; unitSlug?: string }
  /** Every list response carries a valid `ConfigHub-Continue` that leads back to the same page. */
  | { kind: 'endlessContinue' }
  /** Paged lists: first an empty page, then one item per page, each with a continue token. */
  | { kind: 'shortPages' }
  /** The first `requests` matching requests pass; the next one finds its bearer token expired (401). */
  | { kind: 'expireTokenAfter'; requests: number };

export type Fault = FaultScope & FaultEffect;

/** Wire JSON of a Space (PascalCase, zero values omitted). */
export interface SpaceView {
  SpaceID: string;
  Slug: string;
  DisplayName: string;
  OrganizationID: string;
  Labels?: Record<string, string>;
  Annotations?: Record<string, string>;
  ReleaseTargetID?: string;
  EntityType: 'Space';
  CreatedAt: string;
  UpdatedAt: string;
  Version: number;
}

/** Wire JSON of a Unit plus its current head data (`data` bytes, `text` as UTF-8). */
export interface UnitView {
  UnitID: string;
  Slug: string;
  DisplayName: string;
  SpaceID: string;
  SpaceSlug: string;
  OrganizationID: string;
  ToolchainType: string;
  Labels?: Record<string, string>;
  Annotations?: Record<string, string>;
  TargetID?: string;
  ProviderType?: string;
  DataHash: string;
  DataSize?: number;
  HeadRevisionNum: number;
  HeadRevisionID: string;
  LastReleasedRevisionNum?: number;
  LastChangeDescription?: string;
  ValidationErrors?: Record<string, boolean>;
  ApplyGates?: Record<string, boolean>;
  HiddenReason?: string;
  EntityType: 'Unit';
  CreatedAt: string;
  UpdatedAt: string;
  Version: number;
  /** Head data bytes (not a wire field). */
  data: Buffer;
  /** Head data as UTF-8 text (not a wire field). */
  text: string;
}

export interface ReleaseInfo {
  ReleaseID: string;
  ReleaseNum: number;
  Digest: string;
  TagID: string;
}

export interface ConfigHubEmulator {
  /** Server root, e.g. http://127.0.0.1:41234 (the API is under /api, worker auth at /auth/worker). */
  readonly url: string;
  readonly fixture: FixtureCredentials;
  /** Every request served, in arrival order, with the status it got. */
  readonly requests: RequestLogEntry[];
  clearRequests(): void;
  addToken(token: string, options?: { spaces?: string[]; expiresAt?: Date }): void;
  addWorker(workerID: string, workerSecret: string, options?: { spaces?: string[] }): void;
  /**
   * Registers the public Ed25519 JWK of an identity or ServiceAccount key for `subject` (its external ID);
   * returns the key ID (RFC 7638 thumbprint) assertions must name.
   */
  addKey(publicJwk: { x: string }, subject: string, options?: { spaces?: string[] }): string;
  /** Every issued JWT and every static token gets 401 from now on (static ones can be re-added). */
  expireTokens(): void;
  getSpace(slugOrID: string): SpaceView;
  getUnit(spaceSlug: string, unitSlug: string): UnitView;
  setUnitData(spaceSlug: string, unitSlug: string, data: string | Uint8Array, description?: string): UnitView;
  createUnit(
    spaceSlug: string,
    unit: { slug: string; data: string; labels?: Record<string, string>; toolchainType?: string },
  ): UnitView;
  deleteUnit(spaceSlug: string, unitSlug: string): void;
  setUnitLabels(spaceSlug: string, unitSlug: string, labels: Record<string, string>): UnitView;
  /** Marks gate failures on a unit (`LEN(ValidationErrors) > 0`); an empty map clears them. */
  setUnitValidationErrors(spaceSlug: string, unitSlug: string, errors: Record<string, boolean>): UnitView;
  /** Opens apply gates on a unit (as a write does until its triggers ran); an empty map clears them. */
  setUnitApplyGates(spaceSlug: string, unitSlug: string, gates: Record<string, boolean>): UnitView;
  /** Creates the tag, or moves it, onto the current heads of the named units (default: every unit). */
  tagUnits(spaceSlug: string, tagSlug: string, unitSlugs?: string[]): { TagID: string };
  /** Publishes the heads; `skip` names unit slugs left out and listed in the release's `SkippedUnits`. */
  publishRelease(spaceSlug: string, options?: { skip?: string[] }): ReleaseInfo;
  withdrawRelease(spaceSlug: string, releaseNum: number): void;
  /** Adds a fault; returns a function that removes it. */
  injectFault(fault: Fault): () => void;
  clearFaults(): void;
  close(): Promise<void>;
}
