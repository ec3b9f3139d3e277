// Garbage collection as kube-controller-manager performs it: owner references, propagation
// policies (Background, Foreground, Orphan) and namespace termination. Like the real collector it
// works from an owner index kept up to date by the store's events (uid → dependents), so a pass
// looks only at objects being deleted and at dependents whose owners may be gone, never at every
// object.

import { FOREGROUND_FINALIZER, type ObjectService, ORPHAN_FINALIZER, resourceOf } from './objects.ts';
import type { Registry } from './registry.ts';
import type { Store, StoredEvent } from './storage.ts';
import type { KubeObject, ResourceDef } from './types.ts';

const NAMESPACE_FINALIZER = 'kubernetes';

interface Located {
  resource: string;
  namespace: string | undefined;
  name: string;
}

interface Entry {
  resource: string;
  def: ResourceDef;
  object: KubeObject;
}

export class GarbageCollector {
  readonly #store: Store;
  readonly #registry: Registry;
  #objects: ObjectService | undefined;
  #scheduled = false;
  #enabled = true;
  /** Where each stored object lives, by uid. */
  readonly #byUid = new Map<string, Located>();
  /** Owner uid → uids of the objects that name it in ownerReferences. */
  readonly #dependents = new Map<string, Set<string>>();
  /** Objects with a deletionTimestamp: owners whose propagation may have work to do. */
  readonly #deleting = new Set<string>();
  /** Dependents whose owners may all be gone: written with owner references, or an owner was deleted. */
  readonly #maybeOrphaned = new Set<string>();

  constructor(store: Store, registry: Registry) {
    this.#store = store;
    this.#registry = registry;
    store.subscribe((event) => this.#index(event));
    this.rescan();
  }

  attach(objects: ObjectService): void {
    this.#objects = objects;
  }

  set enabled(on: boolean) {
    this.#enabled = on;
    if (on) this.schedule();
  }

  /** Rebuilds the index from the store (after objects went away without events, as a dropped resource's). */
  rescan(): void {
    this.#byUid.clear();
    this.#dependents.clear();
    this.#deleting.clear();
    this.#maybeOrphaned.clear();
    for (const resource of this.#store.resources()) {
      for (const object of this.#store.list(resource)) this.#add(resource, object);
    }
    this.schedule();
  }

  /** Runs a pass soon after a write: like the real collector, it acts asynchronously. */
  schedule(): void {
    if (this.#scheduled || !this.#enabled) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      this.run();
    });
  }

  #index(event: StoredEvent): void {
    if (event.previous !== undefined) this.#drop(event.previous);
    if (event.type !== 'DELETED') {
      this.#add(event.resource, event.object);
      return;
    }
    // Its dependents may have lost their last owner.
    for (const uid of this.#dependents.get(event.object.metadata.uid ?? '') ?? [])
      this.#maybeOrphaned.add(uid);
  }

  #add(resource: string, object: KubeObject): void {
    const { uid, namespace, name, ownerReferences, deletionTimestamp } = object.metadata;
    if (uid === undefined || name === undefined) return;
    this.#byUid.set(uid, { resource, namespace, name });
    if (deletionTimestamp) this.#deleting.add(uid);
    if (!ownerReferences?.length) return;
    this.#maybeOrphaned.add(uid);
    for (const ref of ownerReferences) {
      const set = this.#dependents.get(ref.uid);
      if (set === undefined) this.#dependents.set(ref.uid, new Set([uid]));
      else set.add(uid);
    }
  }

  #drop(object: KubeObject): void {
    const { uid, ownerReferences } = object.metadata;
    if (uid === undefined) return;
    this.#byUid.delete(uid);
    this.#deleting.delete(uid);
    this.#maybeOrphaned.delete(uid);
    for (const ref of ownerReferences ?? []) {
      const set = this.#dependents.get(ref.uid);
      set?.delete(uid);
      if (set?.size === 0) this.#dependents.delete(ref.uid);
    }
  }

  #defFor(resource: string): ResourceDef | undefined {
    return this.#registry.all().find((d) => resourceOf(d) === resource);
  }

  /** The stored object with this uid, if it exists and its resource is still served. */
  #lookup(uid: string): Entry | undefined {
    const at = this.#byUid.get(uid);
    if (at === undefined) return undefined;
    const object = this.#store.get(at.resource, at.namespace, at.name);
    if (object?.metadata.uid !== uid) return undefined;
    const def = this.#defFor(at.resource);
    return def ? { resource: at.resource, def, object } : undefined;
  }

  #dependentsOf(uid: string): Entry[] {
    const found: Entry[] = [];
    for (const dep of this.#dependents.get(uid) ?? []) {
      const entry = this.#lookup(dep);
      if (entry?.object.metadata.ownerReferences?.some((r) => r.uid === uid)) found.push(entry);
    }
    return found;
  }

  /** One pass; every write it makes schedules the next, until nothing is left to do. */
  run(): void {
    const objects = this.#objects;
    if (!objects || !this.#enabled) return;
    const remove = (e: Entry): void => {
      if (e.object.metadata.deletionTimestamp) return;
      objects.delete(e.def, e.object.metadata.namespace, e.object.metadata.name!, {
        propagationPolicy: 'Background',
      });
    };

    for (const uid of [...this.#deleting]) {
      const owner = this.#lookup(uid);
      const meta = owner?.object.metadata;
      if (owner === undefined || meta === undefined || !meta.deletionTimestamp) {
        this.#deleting.delete(uid);
        continue;
      }
      const finalizers = meta.finalizers ?? [];
      if (finalizers.includes(ORPHAN_FINALIZER)) {
        for (const dep of this.#dependentsOf(uid)) {
          const next = structuredClone(dep.object);
          next.metadata.ownerReferences = next.metadata.ownerReferences!.filter((r) => r.uid !== uid);
          if (next.metadata.ownerReferences.length === 0) delete next.metadata.ownerReferences;
          this.#store.write(dep.resource, next);
        }
        objects.dropFinalizer(owner.resource, owner.object, ORPHAN_FINALIZER);
        this.schedule();
        return;
      }
      if (finalizers.includes(FOREGROUND_FINALIZER)) {
        const deps = this.#dependentsOf(uid);
        for (const dep of deps) remove(dep);
        const blocking = deps.filter((d) =>
          d.object.metadata.ownerReferences?.some((r) => r.uid === uid && r.blockOwnerDeletion === true),
        );
        if (blocking.length === 0) {
          objects.dropFinalizer(owner.resource, owner.object, FOREGROUND_FINALIZER);
          this.schedule();
          return;
        }
      }
      const spec = owner.object['spec'] as { finalizers?: string[] } | undefined;
      if (owner.resource === 'namespaces' && spec?.finalizers?.includes(NAMESPACE_FINALIZER)) {
        const contents = this.#namespaceContents(meta.name!);
        for (const item of contents) remove(item);
        if (contents.length === 0) {
          objects.finalizeNamespace(owner.object);
          this.schedule();
          return;
        }
      }
    }

    for (const uid of [...this.#maybeOrphaned]) {
      this.#maybeOrphaned.delete(uid);
      const dep = this.#lookup(uid);
      const refs = dep?.object.metadata.ownerReferences;
      if (dep === undefined || !refs?.length || dep.object.metadata.deletionTimestamp) continue;
      if (refs.every((r) => this.#lookup(r.uid) === undefined)) remove(dep);
    }
  }

  /** Everything stored in a terminating namespace (rare: a full look at namespaced resources is fine). */
  #namespaceContents(namespace: string): Entry[] {
    const contents: Entry[] = [];
    for (const resource of this.#store.resources()) {
      const def = this.#defFor(resource);
      if (!def?.namespaced) continue;
      for (const object of this.#store.list(resource, namespace)) contents.push({ resource, def, object });
    }
    return contents;
  }
}
