// Content-addressed cache of unit data, keyed by DataHash (sha256 hex of the bytes), so unchanged units
// are not downloaded again. Entries are verified before they are stored, so a hit is always correct.
import { ByteLru } from '../util/byte-lru.ts';

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
  const entries = new ByteLru<Buffer>(maxBytes, (_hash, data) => data.length);
  return {
    get(dataHash) {
      return entries.get(dataHash);
    },
    set(dataHash, data) {
      if (data.length > maxBytes) {
        entries.delete(dataHash);
        return;
      }
      // Small Buffers are slices of shared pool blocks; keeping one would pin its whole block, so a cache
      // entry gets bytes of its own.
      entries.set(dataHash, data.byteLength === data.buffer.byteLength ? data : ownCopy(data));
    },
    get size() {
      return entries.bytes;
    },
    get count() {
      return entries.count;
    },
  };
}

/** A copy backed by its own memory: Buffer.alloc never takes from the shared pool. */
function ownCopy(data: Buffer): Buffer {
  const copy = Buffer.alloc(data.length);
  data.copy(copy);
  return copy;
}
