// Small artifacts held in memory so a request costs no file-system call: artifact files are named by
// their digest and never change in place, and Storage reports every file it rewrites or deletes.
// Bounded in bytes, least recently used out first.
import { posix } from 'node:path';
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
  /** Cached paths by directory, so removing an object's directory is one lookup, not a scan. */
  readonly #byDirectory = new Map<string, Set<string>>();

  constructor(maxEntryBytes = MAX_CACHED_ARTIFACT_BYTES, maxBytes = MAX_ARTIFACT_CACHE_BYTES) {
    this.#maxEntryBytes = Math.min(maxEntryBytes, maxBytes);
    this.#entries = new ByteLru(
      maxBytes,
      (_path, entry) => entry.body.length,
      (path) => this.#unindex(path),
    );
  }

  /** Bytes of artifact content held. */
  get bytes(): number {
    return this.#entries.bytes;
  }

  get count(): number {
    return this.#entries.count;
  }

  /** Directories with a cached file, for tests: the index must not outlive the entries. */
  get directories(): number {
    return this.#byDirectory.size;
  }

  /** Whether a file of this size would be kept. */
  fits(size: number): boolean {
    return size <= this.#maxEntryBytes;
  }

  get(path: string): CachedArtifact | undefined {
    return this.#entries.get(path);
  }

  set(path: string, entry: CachedArtifact): void {
    if (!this.fits(entry.body.length) || !this.#entries.set(path, entry)) {
      this.delete(path);
      return;
    }
    const dir = posix.dirname(path);
    let paths = this.#byDirectory.get(dir);
    if (paths === undefined) {
      paths = new Set();
      this.#byDirectory.set(dir, paths);
    }
    paths.add(path);
  }

  delete(path: string): void {
    this.#entries.delete(path);
    this.#unindex(path);
  }

  /** Drops a rewritten or deleted file, or every file of a removed directory. */
  invalidate(path: string, kind: 'file' | 'directory'): void {
    if (kind === 'file') {
      this.delete(path);
      return;
    }
    for (const cached of this.#byDirectory.get(path) ?? []) this.#entries.delete(cached);
    this.#byDirectory.delete(path);
  }

  #unindex(path: string): void {
    const dir = posix.dirname(path);
    const paths = this.#byDirectory.get(dir);
    paths?.delete(path);
    if (paths?.size === 0) this.#byDirectory.delete(dir);
  }
}
