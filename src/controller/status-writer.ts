// The single status write at the end of a reconcile, and the memory of what was written.

import { FIELD_MANAGER } from '../api/constants.ts';
import type { RepositoryStatus } from '../api/v1beta1.ts';
import type { KubeObjectApi } from '../kube/client.ts';
import { isNotFound } from '../kube/errors.ts';
import { replacingMergePatch } from '../kube/merge-patch.ts';
import { resources } from '../kube/resources.ts';
import { sameJson } from '../util/same-json.ts';

export class StatusWriter {
  readonly #kube: KubeObjectApi;
  /**
   * The status this controller last wrote, per object. We are the only writer of status, so this is
   * authoritative even when the informer has not yet delivered our own write (a requeue right after a
   * reconcile would otherwise see a stale status and rebuild for nothing). Keyed by name, checked by
   * uid: an object deleted and created again under the same name starts from its own (empty) status.
   * Held only until the informer's cache shows our write (same resourceVersion), then the cache is the
   * one copy; the unit list is not kept (as in the cache, see repositoryCacheTransform).
   */
  readonly #written = new Map<
    string,
    { uid: string | undefined; resourceVersion: string | undefined; status: RepositoryStatus }
  >();

  constructor(kube: KubeObjectApi) {
    this.#kube = kube;
  }

  /**
   * What we last wrote for this object, if it is still the same object and the cached copy
   * (at `cached.resourceVersion`) does not show it yet.
   */
  remembered(
    namespace: string,
    name: string,
    cached: { uid?: string | undefined; resourceVersion?: string | undefined },
  ): RepositoryStatus | undefined {
    const key = `${namespace}/${name}`;
    const written = this.#written.get(key);
    if (written === undefined || written.uid !== cached.uid) return undefined;
    if (written.resourceVersion !== undefined && written.resourceVersion === cached.resourceVersion) {
      this.#written.delete(key);
      return undefined;
    }
    return written.status;
  }

  /** Merge-patches /status only when `after` differs from `before`; removed fields, nested too, become null. */
  async write(
    namespace: string,
    name: string,
    uid: string | undefined,
    before: RepositoryStatus,
    after: RepositoryStatus,
  ): Promise<void> {
    const key = `${namespace}/${name}`;
    // Nothing to write: `before` is what the cache or the remembered entry already holds.
    if (sameJson(before, after)) return;
    try {
      const patched = await this.#kube.patch(
        resources.repository,
        namespace,
        name,
        'merge',
        { status: replacingMergePatch(before, after) },
        { subresource: 'status', fieldManager: FIELD_MANAGER },
      );
      this.#written.set(key, {
        uid,
        resourceVersion: patched.metadata.resourceVersion,
        status: withoutUnitList(after),
      });
    } catch (error) {
      this.#written.delete(key);
      if (isNotFound(error)) return;
      throw error;
    }
  }

  forget(namespace: string, name: string): void {
    this.#written.delete(`${namespace}/${name}`);
  }
}

/** The status without its unit list (an empty list stands for it, as in the informer's cache). */
function withoutUnitList(status: RepositoryStatus): RepositoryStatus {
  const units = status.fetched?.units;
  if (units === undefined || units.length === 0) return status;
  return { ...status, fetched: { ...status.fetched!, units: [] } };
}
