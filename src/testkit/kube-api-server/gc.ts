// Garbage collection as kube-controller-manager performs it: owner references, propagation
// policies (Background, Foreground, Orphan) and namespace termination.

import { FOREGROUND_FINALIZER, type ObjectService, ORPHAN_FINALIZER, resourceOf } from './objects.ts';
import type { Registry } from './registry.ts';
import type { Store } from './storage.ts';
import type { KubeObject, ResourceDef } from './types.ts';

const NAMESPACE_FINALIZER = 'kubernetes';

export class GarbageCollector {
  readonly #store: Store;
  readonly #registry: Registry;
  #objects: ObjectService | undefined;
  #scheduled = false;
  #enabled = true;

  constructor(store: Store, registry: Registry) {
    this.#store = store;
    this.#registry = registry;
  }

  attach(objects: ObjectService): void {
    this.#objects = objects;
  }

  set enabled(on: boolean) {
    this.#enabled = on;
    if (on) this.schedule();
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

  #defFor(resource: string): ResourceDef | undefined {
    return this.#registry.all().find((d) => resourceOf(d) === resource);
  }

  /** One pass; every write it makes schedules the next, until nothing is left to do. */
  run(): void {
    const objects = this.#objects;
    if (!objects || !this.#enabled) return;
    const all: { resource: string; def: ResourceDef; object: KubeObject }[] = [];
    for (const resource of this.#store.resources()) {
      const def = this.#defFor(resource);
      if (!def) continue;
      for (const object of this.#store.list(resource)) all.push({ resource, def, object });
    }
    const byUid = new Map(all.map((e) => [e.object.metadata.uid, e]));
    const dependentsOf = (uid: string | undefined) =>
      all.filter((e) => e.object.metadata.ownerReferences?.some((r) => r.uid === uid));
    const remove = (e: (typeof all)[number]): void => {
      if (e.object.metadata.deletionTimestamp) return;
      objects.delete(e.def, e.object.metadata.namespace, e.object.metadata.name!, {
        propagationPolicy: 'Background',
      });
    };

    for (const owner of all) {
      const meta = owner.object.metadata;
      if (!meta.deletionTimestamp) continue;
      const finalizers = meta.finalizers ?? [];
      if (finalizers.includes(ORPHAN_FINALIZER)) {
        for (const dep of dependentsOf(meta.uid)) {
          const next = structuredClone(dep.object);
          next.metadata.ownerReferences = next.metadata.ownerReferences!.filter((r) => r.uid !== meta.uid);
          if (next.metadata.ownerReferences.length === 0) delete next.metadata.ownerReferences;
          this.#store.write(dep.resource, next);
        }
        objects.dropFinalizer(owner.resource, owner.object, ORPHAN_FINALIZER);
        this.schedule();
        return;
      }
      if (finalizers.includes(FOREGROUND_FINALIZER)) {
        const deps = dependentsOf(meta.uid);
        for (const dep of deps) remove(dep);
        const blocking = deps.filter((d) =>
          d.object.metadata.ownerReferences?.some((r) => r.uid === meta.uid && r.blockOwnerDeletion === true),
        );
        if (blocking.length === 0) {
          objects.dropFinalizer(owner.resource, owner.object, FOREGROUND_FINALIZER);
          this.schedule();
          return;
        }
      }
      const spec = owner.object['spec'] as { finalizers?: string[] } | undefined;
      if (owner.resource === 'namespaces' && spec?.finalizers?.includes(NAMESPACE_FINALIZER)) {
        const contents = all.filter((e) => e.def.namespaced && e.object.metadata.namespace === meta.name);
        for (const item of contents) remove(item);
        if (contents.length === 0) {
          objects.finalizeNamespace(owner.object);
          this.schedule();
          return;
        }
      }
    }

    for (const dep of all) {
      const refs = dep.object.metadata.ownerReferences;
      if (!refs?.length || dep.object.metadata.deletionTimestamp) continue;
      if (refs.every((r) => !byUid.has(r.uid))) remove(dep);
    }
  }
}
