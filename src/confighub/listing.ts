// What a listing and a snapshot of a space hold, and the fingerprint that tells two listings apart.
import { sha256Hex } from '../util/hash.ts';
import type { DataCache } from './cache.ts';
import type { RefSelector } from './ref.ts';

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

export function bySlug(a: ListedUnit, b: ListedUnit): number {
  if (a.slug !== b.slug) return a.slug < b.slug ? -1 : 1;
  return a.unitID < b.unitID ? -1 : a.unitID > b.unitID ? 1 : 0;
}

/** sha256 over the ref id and the identity and content of every unit, in slug order. */
export function listingFingerprint(refId: string, units: readonly ListedUnit[]): string {
  const rows = [...units].sort(bySlug).map((u) => [u.unitID, u.slug, u.revisionNum, u.dataHash]);
  return sha256Hex(JSON.stringify([refId, rows]));
}
