// The single status write at the end of a reconcile, and the memory of what was written.
import type { RepositoryStatus } from '../api/v1beta1.ts';
import type { KubeClient } from '../kube/client.ts';
import { isNotFound } from '../kube/errors.ts';
import { resources } from '../kube/resources.ts';

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

  /** Merge-patches /status only when `after` differs from `before`; removed top-level fields become null. */
  async write(
    namespace: string,
    name: string,
    uid: string | undefined,
    before: RepositoryStatus,
    after: RepositoryStatus,
  ): Promise<void> {
    const key = `${namespace}/${name}`;
    if (stableJson(before) === stableJson(after)) {
      this.#written.set(key, { uid, status: before });
      return;
    }
    const patch: Record<string, unknown> = { ...after };
    for (const field of Object.keys(before)) if (!(field in after)) patch[field] = null;
    try {
      await this.#kube.patch(
        resources.repository,
        namespace,
        name,
        'merge',
        { status: patch },
        { subresource: 'status' },
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

/** JSON with sorted keys, for change detection independent of key order. */
export function stableJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1)))
      : v,
  );
}
