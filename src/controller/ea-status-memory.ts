// The ExternalArtifact statuses this controller last wrote, per object. An informer update whose status
// differs was made by someone else (a stale URL, an edited condition) and is put back at once; our own
// writes match and start nothing, so repairing never loops.
//
// The last two writes are kept: the watch event of an earlier write can arrive after a later one was
// sent (a poll's success and then a failure in quick succession on a loaded API server). Taking that late
// echo for someone else's edit would start a reconcile that polls ConfigHub again, inside a Retry-After.
//
// Each status is kept as the hash of its key-order-independent JSON, not as the object: at thousands of
// repositories two statuses each were a kilobyte or more per repository.
import { sha256Hex } from '../util/hash.ts';
import { stableJson } from '../util/same-json.ts';

function fingerprint(status: unknown): string {
  return sha256Hex(stableJson(status));
}

export class EaStatusMemory {
  readonly #written = new Map<string, { latest: string; previous?: string }>();

  /** Called before the write is sent: its watch event may arrive before the response. */
  remember(namespace: string, name: string, status: unknown): void {
    const key = `${namespace}/${name}`;
    const before = this.#written.get(key);
    const latest = fingerprint(status);
    if (before !== undefined && before.latest === latest) return;
    this.#written.set(key, before === undefined ? { latest } : { latest, previous: before.latest });
  }

  /** Whether `status` is one we wrote last or just before; unknown (e.g. after a restart) is not ours. */
  matches(namespace: string, name: string, status: unknown): boolean {
    const written = this.#written.get(`${namespace}/${name}`);
    if (written === undefined) return false;
    const seen = fingerprint(status);
    return written.latest === seen || written.previous === seen;
  }

  forget(namespace: string, name: string): void {
    this.#written.delete(`${namespace}/${name}`);
  }
}
