// The ConfigHub client of each ConfigHubRepository, kept across reconciles so worker tokens and space
// resolutions are reused (an idle poll then costs a single unit listing), shared by the repositories
// reading with the same server, timeout and Secrets, and replaced when one of those changes.

import { Agent, type Dispatcher } from 'undici';
import {
  ConfigHubClient,
  createLruDataCache,
  type DataCache,
  type LruDataCache,
} from '../confighub/index.ts';
import { sha256Hex } from '../util/hash.ts';
import type { ResolvedCredentials } from './credentials.ts';

interface Entry {
  version: string;
  client: ConfigHubClient;
  cache: DataCache;
}

export interface UpstreamLimits {
  maxUnits: number;
  maxUnitSizeBytes: number;
}

export const DEFAULT_DATA_CACHE_BYTES = 64 << 20;

export class UpstreamClients {
  readonly #entries = new Map<string, Entry>();
  /**
   * One client per (server, timeout, credentials): repositories reading with the same Secret share its
   * token, space resolutions and objects (at thousands of repositories a client each was 1.5 KiB each).
   * Counted by the repositories using it; the last one to leave closes it.
   */
  readonly #clients = new Map<string, { client: ConfigHubClient; users: number }>();
  /**
   * Connection pools shared by every repository with the same TLS material: thousands of repositories
   * on one ConfigHub need a handful of keep-alive connections, not a pool each.
   */
  readonly #pools = new Map<string, Dispatcher>();
  readonly #limits: UpstreamLimits;
  /**
   * Unit data kept so a change to one unit downloads only that unit: one content-addressed cache for
   * the whole process, bounded in bytes (4 MiB per repository was 20+ KiB each at 5,000 repositories,
   * and repositories reading the same space now share entries). It only matters when a listing
   * changes; an unchanged one downloads nothing.
   */
  readonly dataCache: LruDataCache;

  constructor(limits: UpstreamLimits, dataCacheBytes = DEFAULT_DATA_CACHE_BYTES) {
    this.#limits = limits;
    this.dataCache = createLruDataCache(dataCacheBytes);
  }

  /** Clients open, for tests. */
  get clients(): number {
    return this.#clients.size;
  }

  get(key: string, server: string, timeoutMs: number, resolved: ResolvedCredentials): Entry {
    const version = sha256Hex(JSON.stringify([server, timeoutMs, resolved.version]));
    const existing = this.#entries.get(key);
    if (existing !== undefined && existing.version === version) return existing;
    if (existing !== undefined) this.#release(existing.version);
    let shared = this.#clients.get(version);
    if (shared === undefined) {
      const client = new ConfigHubClient({
        server,
        credentials: resolved.credentials,
        timeoutMs,
        dispatcher: this.#pool(resolved.tls),
        limits: { maxUnits: this.#limits.maxUnits, maxUnitDataBytes: this.#limits.maxUnitSizeBytes },
      });
      shared = { client, users: 0 };
      this.#clients.set(version, shared);
    }
    shared.users++;
    const entry = { version, client: shared.client, cache: this.dataCache };
    this.#entries.set(key, entry);
    return entry;
  }

  #release(version: string): void {
    const shared = this.#clients.get(version);
    if (shared === undefined || --shared.users > 0) return;
    this.#clients.delete(version);
    void shared.client.close();
  }

  #pool(tls: ResolvedCredentials['tls']): Dispatcher {
    const key = sha256Hex(JSON.stringify([tls?.ca ?? '', tls?.cert ?? '', tls?.key ?? '']));
    let pool = this.#pools.get(key);
    if (pool === undefined) {
      pool = new Agent({ connections: 16, connect: { ca: tls?.ca, cert: tls?.cert, key: tls?.key } });
      this.#pools.set(key, pool);
    }
    return pool;
  }

  async forget(key: string): Promise<void> {
    const entry = this.#entries.get(key);
    this.#entries.delete(key);
    if (entry !== undefined) this.#release(entry.version);
  }

  async closeAll(): Promise<void> {
    const clients = [...this.#clients.values()];
    this.#clients.clear();
    this.#entries.clear();
    await Promise.all(clients.map((shared) => shared.client.close()));
    await Promise.all([...this.#pools.values()].map((pool) => pool.close()));
    this.#pools.clear();
  }
}
