// Small artifacts held in memory so a request costs no file-system call: artifact files are named by
// their digest and never change in place, and Storage reports every file it rewrites or deletes.
// Bounded in bytes, least recently used out first.
import { ByteLru } from '../util/byte-lru.ts';

export const MAX_CACHED_ARTIFACT_BYTES = 1 << 20;
export const MAX_ARTIFACT_CACHE_BYTES = 64 << 20;

export interface CachedArtifact {
  body: Buffer;
  lastModified: string;
  etag: string;
}

export class ArtifactMemoryCache {
  readonly #maxEntryBytes: number;
  readonly #entries: ByteLru<CachedArtifact>;

  constructor(maxEntryBytes = MAX_CACHED_ARTIFACT_BYTES, maxBytes = MAX_ARTIFACT_CACHE_BYTES) {
    this.#maxEntryBytes = Math.min(maxEntryBytes, maxBytes);
    this.#entries = new ByteLru(maxBytes, (_path, entry) => entry.body.length);
  }

  /** Bytes of artifact content held. */
  get bytes(): number {
    return this.#entries.bytes;
  }

  get count(): number {
    return this.#entries.count;
  }

  /** Whether a file of this size would be kept. */
  fits(size: number): boolean {
    return size <= this.#maxEntryBytes;
  }

  get(path: string): CachedArtifact | undefined {
    return this.#entries.get(path);
  }

  set(path: string, entry: CachedArtifact): void {
    if (this.fits(entry.body.length)) this.#entries.set(path, entry);
    else this.#entries.delete(path);
  }

  delete(path: string): void {
    this.#entries.delete(path);
  }

  /** Drops `path` and, for a directory, everything under it. */
  invalidate(path: string): void {
    this.#entries.delete(path);
    const prefix = `${path}/`;
    for (const key of this.#entries.keys()) if (key.startsWith(prefix)) this.#entries.delete(key);
  }
}
