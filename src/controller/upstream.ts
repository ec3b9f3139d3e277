// One ConfigHub client per ConfigHubRepository, kept across reconciles so worker tokens and space
// resolutions are reused (an idle poll then costs a single unit listing), and rebuilt when the
// server, timeout or Secrets change.
import { createHash } from 'node:crypto';
import { ConfigHubClient, createLruDataCache, type DataCache } from '../confighub/index.ts';
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

export class UpstreamClients {
  readonly #entries = new Map<string, Entry>();
  readonly #limits: UpstreamLimits;
  /** Bytes of unit data kept per repository so a change to one unit downloads only that unit. */
  readonly #cacheBytes: number;

  constructor(limits: UpstreamLimits, cacheBytesPerRepository = 4 << 20) {
    this.#limits = limits;
    this.#cacheBytes = cacheBytesPerRepository;
  }

  get(key: string, server: string, timeoutMs: number, resolved: ResolvedCredentials): Entry {
    const version = createHash('sha256')
      .update(JSON.stringify([server, timeoutMs, resolved.version]))
      .digest('hex');
    const existing = this.#entries.get(key);
    if (existing !== undefined && existing.version === version) return existing;
    if (existing !== undefined) void existing.client.close();
    const client = new ConfigHubClient({
      server,
      credentials: resolved.credentials,
      timeoutMs,
      ...(resolved.tls ? { tls: resolved.tls } : {}),
      limits: { maxUnits: this.#limits.maxUnits, maxUnitDataBytes: this.#limits.maxUnitSizeBytes },
    });
    const entry = { version, client, cache: existing?.cache ?? createLruDataCache(this.#cacheBytes) };
    this.#entries.set(key, entry);
    return entry;
  }

  async forget(key: string): Promise<void> {
    const entry = this.#entries.get(key);
    this.#entries.delete(key);
    await entry?.client.close();
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.#entries.values()].map((e) => e.client.close()));
    this.#entries.clear();
  }
}
