// What informer caches drop from each object before keeping it: thousands of cached objects each
// carried ~2.7 KiB of managedFields that nothing reads from the cache (drift reads live objects).
import type { KubeObject } from './client.ts';

/** Applied to every listed and watched object before it is cached; may mutate (the object is ours). */
export type CacheTransform<T extends KubeObject = KubeObject> = (object: T) => T;

export function withoutManagedFields<T extends KubeObject>(object: T): T {
  if (object.metadata !== undefined && 'managedFields' in object.metadata)
    delete object.metadata['managedFields'];
  return object;
}

/**
 * A ConfigHubRepository as the reconciler needs it: no managedFields, and `status.fetched.units`
 * (up to MAX_STATUS_UNITS entries, ~4 KiB) replaced by an empty list. Nothing reads the units from the
 * cache; they are rewritten whole from a new listing. The empty list (rather than none) keeps status
 * diffs right: a new summary without units then still clears the stale list on the server.
 */
export function repositoryCacheTransform<T extends KubeObject>(object: T): T {
  withoutManagedFields(object);
  const status = object['status'] as { fetched?: { units?: unknown[] } } | undefined;
  if (status?.fetched?.units !== undefined && status.fetched.units.length > 0) status.fetched.units = [];
  return object;
}
