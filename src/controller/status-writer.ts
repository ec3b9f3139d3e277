// The single status write at the end of a reconcile, and the memory of what was written.

import { FIELD_MANAGER } from '../api/constants.ts';
import type { RepositoryStatus } from '../api/v1beta1.ts';
import type { KubeClient } from '../kube/client.ts';
import { isNotFound } from '../kube/errors.ts';
import { replacingMergePatch } from '../kube/merge-patch.ts';
import { resources } from '../kube/resources.ts';
import { sameJson } from '../kube/same-json.ts';

export class StatusWriter {
  readonly #kube: KubeClient;
  /**
   * The status this controller last wrote, per object. We are the only writer of status, so this is
   * authoritative even when the informer has not yet delivered our own write (a requeue right after a
   * reconcile would otherwise see a stale status and rebuild for nothing). Keyed by name, checked by
   * uid: an object deleted and created again under the same name starts from its own (empty) status.
   */
  readonly #written = new Map<string, { uid: string | undefined; status: RepositoryStatus }>();

  constructor(kube: KubeClient) {
    this.#kube = kube;
  }

  /** What we last wrote for this object, if it is still the same object. */
  remembered(namespace: string, name: string, uid: string | undefined): RepositoryStatus | undefined {
    const written = this.#written.get(`${namespace}/${name}`);
    return written !== undefined && written.uid === uid ? written.status : undefined;
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
    if (sameJson(before, after)) {
      this.#written.set(key, { uid, status: before });
      return;
    }
    try {
      await this.#kube.patch(
        resources.repository,
        namespace,
        name,
        'merge',
        { status: replacingMergePatch(before, after) },
        { subresource: 'status', fieldManager: FIELD_MANAGER },
      );
      this.#written.set(key, { uid, status: after });
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
