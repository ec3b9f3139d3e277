// The ExternalArtifact status this controller last wrote, per object. An informer update whose status
// differs was made by someone else (a stale URL, an edited condition) and is put back at once; our own
// writes match and start nothing, so repairing never loops.
import { sameJson } from '../util/same-json.ts';

export class EaStatusMemory {
  readonly #written = new Map<string, unknown>();

  /** Called before the write is sent: its watch event may arrive before the response. */
  remember(namespace: string, name: string, status: unknown): void {
    this.#written.set(`${namespace}/${name}`, status);
  }

  /** Whether `status` is what we wrote; unknown (e.g. after a restart) counts as not ours. */
  matches(namespace: string, name: string, status: unknown): boolean {
    const key = `${namespace}/${name}`;
    return this.#written.has(key) && sameJson(this.#written.get(key), status);
  }

  forget(namespace: string, name: string): void {
    this.#written.delete(`${namespace}/${name}`);
  }
}
