// Results of validating unit contents, by the content's sha256 (ConfigHub's DataHash, checked when the
// data was fetched): a rebuild after one unit changed parses only that unit. Bounded in bytes, least
// recently used first out, so thousands of spaces share it without growing the heap.
import { ByteLru } from '../util/byte-lru.ts';
import type { KustomizationRefs } from './kustomization-policy.ts';
import type { ObjectHeader, YamlPosition } from './yaml-check.ts';

export type CheckResult =
  | { ok: true; headers: ObjectHeader[]; kustomization?: KustomizationRefs | undefined }
  | { ok: false; problem: string; position?: YamlPosition | undefined; policy?: boolean };

/** Rough heap cost of one entry: the key, the Map slot and the header strings (UTF-16). */
function costOf(key: string, result: CheckResult): number {
  let bytes = 96 + key.length * 2;
  if (result.ok) {
    for (const h of result.headers) {
      bytes += 96 + 2 * (h.apiVersion.length + h.kind.length + h.name.length + (h.namespace?.length ?? 0));
    }
    for (const r of result.kustomization?.references ?? []) {
      bytes += 96 + 2 * (r.field.length + r.entry.length + r.path.length);
    }
  } else {
    bytes += 64 + result.problem.length * 2;
  }
  return bytes;
}

export class ValidationCache extends ByteLru<CheckResult> {
  constructor(maxBytes: number) {
    super(maxBytes, costOf);
  }
}
