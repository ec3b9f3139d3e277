// Object storage with one global resourceVersion counter and a bounded event history for watches.

import type { KubeObject } from './types.ts';

export type EventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface StoredEvent {
  rv: number;
  type: EventType;
  /** storageKey of the resource (`plural.group`). */
  resource: string;
  object: KubeObject;
  /** The object before a MODIFIED, so selector-filtered watches can tell entries from exits. */
  previous?: KubeObject;
}

export type StoreListener = (event: StoredEvent) => void;

const objectKey = (namespace: string | undefined, name: string): string => `${namespace ?? ''}/${name}`;

export class Store {
  #rv: number;
  readonly #objects = new Map<string, Map<string, KubeObject>>();
  readonly #history: StoredEvent[] = [];
  #historyLimit: number;
  /** Watches from a resourceVersion older than this can no longer be served (410 Expired). */
  #oldestServable: number;
  readonly #listeners = new Set<StoreListener>();

  constructor(historyLimit: number) {
    // Start far from zero and at an odd offset so clients cannot mistake the RV for an index.
    this.#rv = 1_000_000 + Math.floor(Math.random() * 9_000_000);
    this.#oldestServable = this.#rv;
    this.#historyLimit = historyLimit;
  }

  get resourceVersion(): string {
    return String(this.#rv);
  }

  get currentRv(): number {
    return this.#rv;
  }

  setHistoryLimit(limit: number): void {
    this.#historyLimit = limit;
    this.#trim();
  }

  subscribe(listener: StoreListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  get(resource: string, namespace: string | undefined, name: string): KubeObject | undefined {
    return this.#objects.get(resource)?.get(objectKey(namespace, name));
  }

  /** Objects of a resource sorted by namespace then name, as etcd's key order yields them. */
  list(resource: string, namespace?: string): KubeObject[] {
    const bucket = this.#objects.get(resource);
    if (!bucket) return [];
    return [...bucket.entries()]
      .filter(([, o]) => namespace === undefined || o.metadata.namespace === namespace)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([, o]) => o);
  }

  resources(): string[] {
    return [...this.#objects.keys()];
  }

  findByUid(uid: string): { resource: string; object: KubeObject } | undefined {
    for (const [resource, bucket] of this.#objects) {
      for (const object of bucket.values()) {
        if (object.metadata.uid === uid) return { resource, object };
      }
    }
    return undefined;
  }

  /** Stores a new or changed object under a fresh resourceVersion and records the event. */
  write(resource: string, object: KubeObject): KubeObject {
    const key = objectKey(object.metadata.namespace, object.metadata.name!);
    let bucket = this.#objects.get(resource);
    if (!bucket) {
      bucket = new Map();
      this.#objects.set(resource, bucket);
    }
    const previous = bucket.get(key);
    this.#rv++;
    const stored = structuredClone(object);
    stored.metadata.resourceVersion = String(this.#rv);
    bucket.set(key, stored);
    this.#record({
      rv: this.#rv,
      type: previous ? 'MODIFIED' : 'ADDED',
      resource,
      object: stored,
      ...(previous ? { previous } : {}),
    });
    return structuredClone(stored);
  }

  /** Removes an object; the DELETED event carries it at the deletion's resourceVersion. */
  remove(resource: string, namespace: string | undefined, name: string): KubeObject | undefined {
    const bucket = this.#objects.get(resource);
    const key = objectKey(namespace, name);
    const previous = bucket?.get(key);
    if (!bucket || !previous) return undefined;
    bucket.delete(key);
    this.#rv++;
    const gone = structuredClone(previous);
    gone.metadata.resourceVersion = String(this.#rv);
    this.#record({ rv: this.#rv, type: 'DELETED', resource, object: gone, previous });
    return structuredClone(gone);
  }

  /** Drops all objects of a resource without events (the resource itself went away). */
  dropResource(resource: string): void {
    this.#objects.delete(resource);
  }

  /** Events after `rv`, or `undefined` when history no longer reaches back that far. */
  eventsSince(rv: number): StoredEvent[] | undefined {
    if (rv < this.#oldestServable) return undefined;
    return this.#history.filter((e) => e.rv > rv);
  }

  /** Whether reads "as of" `rv` can no longer be served consistently. */
  isCompacted(rv: number): boolean {
    return rv < this.#oldestServable;
  }

  /** Forgets all history: any watch from an RV before now gets 410 Expired. */
  compact(): void {
    this.#history.length = 0;
    this.#oldestServable = this.#rv;
  }

  events(): readonly StoredEvent[] {
    return this.#history;
  }

  #record(event: StoredEvent): void {
    this.#history.push(event);
    this.#trim();
    for (const listener of this.#listeners) listener(event);
  }

  #trim(): void {
    while (this.#history.length > this.#historyLimit) {
      const dropped = this.#history.shift()!;
      this.#oldestServable = dropped.rv;
    }
  }
}
