// A JSON merge patch (RFC 7386) that turns `before` into exactly `after`: every field of `after`, plus
// an explicit null for each key, at any depth, that `before` has and `after` lacks. A merge patch made
// of `after` alone would only merge into the stored object and leave removed nested keys behind.

import { isRecord } from '../util/is-record.ts';

type JsonObject = Record<string, unknown>;

export function replacingMergePatch(before: unknown, after: unknown): unknown {
  if (!isRecord(after)) return after;
  const patch: JsonObject = {};
  const previous = isRecord(before) ? before : {};
  for (const [key, value] of Object.entries(after)) {
    if (value === undefined) continue;
    // Arrays are replaced whole by a merge patch: nothing inside them needs a null.
    patch[key] =
      isRecord(value) && isRecord(previous[key]) ? replacingMergePatch(previous[key], value) : value;
  }
  for (const key of Object.keys(previous)) {
    if (previous[key] !== undefined && (!(key in after) || after[key] === undefined)) patch[key] = null;
  }
  return patch;
}
