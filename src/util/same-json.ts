// Key-order-independent comparison of API objects. A real API server returns custom resources with
// their keys sorted (decoded into Go maps, re-encoded by encoding/json) while what we build has our
// own order, so "did anything change" must never depend on the order of keys.
//
// Written out by hand rather than as a JSON.stringify replacer: the replacer built a sorted copy of
// every object, and this runs on every status write and watched ExternalArtifact.

/** JSON with the keys of every object sorted; arrays keep their order (it is meaningful). */
export function stableJson(value: unknown): string {
  return write(value, '') ?? 'null';
}

/** As JSON.stringify: undefined for what it leaves out (undefined, functions, symbols). */
function write(value: unknown, key: string): string | undefined {
  let v = value;
  if (v !== null && typeof v === 'object' && typeof (v as { toJSON?: unknown }).toJSON === 'function') {
    v = (v as { toJSON: (key: string) => unknown }).toJSON(key);
  }
  if (v === null || typeof v !== 'object') return JSON.stringify(v);
  if (Array.isArray(v)) {
    let out = '[';
    for (let i = 0; i < v.length; i++) out += `${i > 0 ? ',' : ''}${write(v[i], String(i)) ?? 'null'}`;
    return `${out}]`;
  }
  const record = v as Record<string, unknown>;
  let out = '{';
  let first = true;
  for (const k of Object.keys(record).sort()) {
    const item = write(record[k], k);
    if (item === undefined) continue;
    out += `${first ? '' : ','}${JSON.stringify(k)}:${item}`;
    first = false;
  }
  return `${out}}`;
}

/** Deep equality of JSON values regardless of key order (undefined-valued keys count as absent). */
export function sameJson(a: unknown, b: unknown): boolean {
  return stableJson(a) === stableJson(b);
}
