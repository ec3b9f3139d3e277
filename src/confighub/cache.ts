// Content-addressed cache of unit data, keyed by DataHash (sha256 hex of the bytes), so unchanged units
// are not downloaded again. Entries are verified before they are stored, so a hit is always correct.

export interface DataCache {
  get(dataHash: string): Buffer | undefined;
  set(dataHash: string, data: Buffer): void;
}

export interface LruDataCache extends DataCache {
  /** Bytes currently held. */
  readonly size: number;
  /** Entries currently held. */
  readonly count: number;
}

/** A least-recently-used cache bounded by total bytes; an entry larger than the bound is not kept. */
export function createLruDataCache(maxBytes: number): LruDataCache {
  if (!Number.isFinite(maxBytes) || maxBytes < 0)
    throw new RangeError(`maxBytes must be >= 0, got ${maxBytes}`);
  // Map keeps insertion order: the first key is the least recently used.
  const entries = new Map<string, Buffer>();
  let size = 0;
  return {
    get(dataHash) {
      const data = entries.get(dataHash);
      if (data === undefined) return undefined;
      entries.delete(dataHash);
      entries.set(dataHash, data);
      return data;
    },
    set(dataHash, data) {
      const previous = entries.get(dataHash);
      if (previous !== undefined) {
        entries.delete(dataHash);
        size -= previous.length;
      }
      if (data.length > maxBytes) return;
      // Small Buffers are slices of shared pool blocks; keeping one would pin its whole block, so a cache
      // entry gets bytes of its own.
      entries.set(dataHash, data.byteLength === data.buffer.byteLength ? data : ownCopy(data));
      size += data.length;
      for (const [key, value] of entries) {
        if (size <= maxBytes) break;
        entries.delete(key);
        size -= value.length;
      }
    },
    get size() {
      return size;
    },
    get count() {
      return entries.size;
    },
  };
}

/** A copy backed by its own memory: Buffer.alloc never takes from the shared pool. */
function ownCopy(data: Buffer): Buffer {
  const copy = Buffer.alloc(data.length);
  data.copy(copy);
  return copy;
}
