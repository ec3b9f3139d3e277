// Small artifacts held in memory so a request costs no file-system call: artifact files are named by
// their digest and never change in place, and Storage reports every file it rewrites or deletes.
// Bounded in bytes, least recently used out first.

export const MAX_CACHED_ARTIFACT_BYTES = 1 << 20;
export const MAX_ARTIFACT_CACHE_BYTES = 64 << 20;

export interface CachedArtifact {
  body: Buffer;
  lastModified: string;
  etag: string;
}

export class ArtifactMemoryCache {
  readonly #maxEntryBytes: number;
  readonly #maxBytes: number;
  /** Map keeps insertion order: the first key is the least recently used. */
  readonly #entries = new Map<string, CachedArtifact>();
  #bytes = 0;

  constructor(maxEntryBytes = MAX_CACHED_ARTIFACT_BYTES, maxBytes = MAX_ARTIFACT_CACHE_BYTES) {
    this.#maxEntryBytes = Math.min(maxEntryBytes, maxBytes);
    this.#maxBytes = maxBytes;
  }

  /** Bytes of artifact content held. */
  get bytes(): number {
    return this.#bytes;
  }

  get count(): number {
    return this.#entries.size;
  }

  /** Whether a file of this size would be kept. */
  fits(size: number): boolean {
    return size <= this.#maxEntryBytes;
  }

  get(path: string): CachedArtifact | undefined {
    const entry = this.#entries.get(path);
    if (entry === undefined) return undefined;
    this.#entries.delete(path);
    this.#entries.set(path, entry);
    return entry;
  }

  set(path: string, entry: CachedArtifact): void {
    this.delete(path);
    if (!this.fits(entry.body.length)) return;
    this.#entries.set(path, entry);
    this.#bytes += entry.body.length;
    for (const [key, value] of this.#entries) {
      if (this.#bytes <= this.#maxBytes) break;
      this.#entries.delete(key);
      this.#bytes -= value.body.length;
    }
  }

  delete(path: string): void {
    const entry = this.#entries.get(path);
    if (entry === undefined) return;
    this.#entries.delete(path);
    this.#bytes -= entry.body.length;
  }

  /** Drops `path` and, for a directory, everything under it. */
  invalidate(path: string): void {
    this.delete(path);
    const prefix = `${path}/`;
    for (const key of [...this.#entries.keys()]) if (key.startsWith(prefix)) this.delete(key);
  }
}
