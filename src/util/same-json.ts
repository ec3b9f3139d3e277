// Key-order-independent comparison of API objects. A real API server returns custom resources with
// their keys sorted (decoded into Go maps, re-encoded by encoding/json) while what we build has our
// own order, so "did anything change" must never depend on the order of keys.
import { isRecord } from '../util/is-record.ts';

/** JSON with the keys of every object sorted; arrays keep their order (it is meaningful). */
export function stableJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    isRecord(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1))) : v,
  );
}

/** Deep equality of JSON values regardless of key order (undefined-valued keys count as absent). */
export function sameJson(a: unknown, b: unknown): boolean {
  return stableJson(a) === stableJson(b);
}
