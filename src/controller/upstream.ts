// One ConfigHub client per ConfigHubRepository, kept across reconciles so worker tokens and space
// resolutions are reused (an idle poll then costs a single unit listing), and rebuilt when the
// server, timeout or Secrets change.

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

  get(key: string, server: string, timeoutMs: number, resolved: ResolvedCredentials): Entry {
    const version = sha256Hex(JSON.stringify([server, timeoutMs, resolved.version]));
    const existing = this.#entries.get(key);
    if (existing !== undefined && existing.version === version) return existing;
    if (existing !== undefined) void existing.client.close();
    const client = new ConfigHubClient({
      server,
      credentials: resolved.credentials,
      timeoutMs,
      dispatcher: this.#pool(resolved.tls),
      limits: { maxUnits: this.#limits.maxUnits, maxUnitDataBytes: this.#limits.maxUnitSizeBytes },
    });
    const entry = { version, client, cache: this.dataCache };
    this.#entries.set(key, entry);
    return entry;
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
    await entry?.client.close();
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.#entries.values()].map((e) => e.client.close()));
    this.#entries.clear();
    await Promise.all([...this.#pools.values()].map((pool) => pool.close()));
    this.#pools.clear();
  }
}
