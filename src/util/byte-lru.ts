// A least-recently-used map bounded by a total cost in bytes, as each user measures them (a Buffer's
// length, an estimate of heap use). Adding an entry evicts the least recently used ones until the total
// fits again; an entry costlier than the whole bound is not kept at all.

export class ByteLru<V> {
  readonly maxBytes: number;
  readonly #costOf: (key: string, value: V) => number;
  /** Map keeps insertion order: the first key is the least recently used. */
  readonly #entries = new Map<string, { value: V; cost: number }>();
  #bytes = 0;

  readonly #onEvict: ((key: string) => void) | undefined;

  /** `onEvict` hears of each entry dropped to make room (not of `delete`/`clear`, which the caller did). */
  constructor(maxBytes: number, costOf: (key: string, value: V) => number, onEvict?: (key: string) => void) {
    if (!(maxBytes >= 0)) throw new RangeError(`maxBytes must be >= 0, got ${maxBytes}`);
    this.maxBytes = maxBytes;
    this.#costOf = costOf;
    this.#onEvict = onEvict;
  }

  /** Total cost of the entries held. */
  get bytes(): number {
    return this.#bytes;
  }

  get count(): number {
    return this.#entries.size;
  }

  /** The value, now the most recently used. */
  get(key: string): V | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    return entry.value;
  }

  /** Stores `value` (replacing any under `key`); false when it alone is over the bound and was not kept. */
  set(key: string, value: V): boolean {
    this.delete(key);
    const cost = this.#costOf(key, value);
    if (cost > this.maxBytes) return false;
    this.#entries.set(key, { value, cost });
    this.#bytes += cost;
    for (const [oldest, entry] of this.#entries) {
      if (this.#bytes <= this.maxBytes) break;
      this.#entries.delete(oldest);
      this.#bytes -= entry.cost;
      this.#onEvict?.(oldest);
    }
    return true;
  }

  delete(key: string): void {
    const entry = this.#entries.get(key);
    if (entry === undefined) return;
    this.#entries.delete(key);
    this.#bytes -= entry.cost;
  }

  /** The keys held, least recently used first (a snapshot: deleting while iterating is safe). */
  keys(): string[] {
    return [...this.#entries.keys()];
  }

  clear(): void {
    this.#entries.clear();
    this.#bytes = 0;
  }
}
