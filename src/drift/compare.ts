// Field comparison of a desired object (our manifest, or the server's dry-run prediction of it) with
// the live object. Only what the manifest controls counts: server-owned metadata and status are
// dropped, values the API server defaults are ignored when present only live, quantities compare by
// value, and a Secret's stringData compares as the base64 data the server stores.

import { isRecord } from '../util/is-record.ts';
import { isDefaulted } from './defaults.ts';
import { sameQuantity } from './quantity.ts';

export interface FieldChange {
  segments: string[];
  /** undefined: the field is absent from the desired object. */
  desired: unknown;
  /** undefined: the field is absent from the live object. */
  live: unknown;
}

/** Annotations written by tools, never by a manifest author. */
const TOOL_ANNOTATIONS = [
  'kubectl.kubernetes.io/last-applied-configuration',
  'deployment.kubernetes.io/revision',
];

/** Keeps what a manifest controls: labels, annotations and everything but metadata and status. */
export function normalize(object: Record<string, unknown>): Record<string, unknown> {
  const { metadata, status: _status, ...rest } = structuredClone(object);
  const out: Record<string, unknown> = { ...rest };
  delete out['apiVersion'];
  delete out['kind'];
  const meta: Record<string, unknown> = {};
  if (isRecord(metadata)) {
    if (isRecord(metadata['labels']) && Object.keys(metadata['labels']).length > 0)
      meta['labels'] = metadata['labels'];
    if (isRecord(metadata['annotations'])) {
      const annotations = { ...metadata['annotations'] };
      for (const key of TOOL_ANNOTATIONS) delete annotations[key];
      if (Object.keys(annotations).length > 0) meta['annotations'] = annotations;
    }
  }
  if (Object.keys(meta).length > 0) out['metadata'] = meta;
  if (object['kind'] === 'Secret' && isRecord(out['stringData'])) {
    const data = isRecord(out['data']) ? { ...out['data'] } : {};
    for (const [key, value] of Object.entries(out['stringData'])) {
      data[key] = Buffer.from(String(value), 'utf8').toString('base64');
    }
    out['data'] = data;
    delete out['stringData'];
  }
  return out;
}

/** Field-level differences between normalized desired and live objects of `kind`. */
export function compareObjects(
  kind: string,
  desired: Record<string, unknown>,
  live: Record<string, unknown>,
): FieldChange[] {
  const changes: FieldChange[] = [];
  walk(kind, normalize(desired), normalize(live), [], changes);
  return changes;
}

function walk(kind: string, desired: unknown, live: unknown, segments: string[], out: FieldChange[]): void {
  if (desired === undefined || desired === null) {
    if (live === undefined || live === null) return;
    const extra = pruneDefaults(kind, live, segments);
    if (extra !== undefined) out.push({ segments, desired: undefined, live: extra });
    return;
  }
  if (live === undefined || live === null) {
    // A missing map is reported per field (precise ids); a missing list or value as a whole.
    if (isRecord(desired) && Object.keys(desired).length > 0) {
      for (const key of Object.keys(desired)) walk(kind, desired[key], undefined, [...segments, key], out);
    } else {
      out.push({ segments, desired, live: undefined });
    }
    return;
  }
  if (isRecord(desired) && isRecord(live)) {
    for (const key of Object.keys(desired)) walk(kind, desired[key], live[key], [...segments, key], out);
    for (const key of Object.keys(live)) {
      if (!(key in desired)) walk(kind, undefined, live[key], [...segments, key], out);
    }
    return;
  }
  if (Array.isArray(desired) && Array.isArray(live)) {
    walkArray(kind, desired, live, segments, out);
    return;
  }
  if (!sameLeaf(desired, live, segments)) out.push({ segments, desired, live });
}

/** Lists of named items (containers, env, ports, volumes) match by name, like their merge keys. */
function walkArray(
  kind: string,
  desired: unknown[],
  live: unknown[],
  segments: string[],
  out: FieldChange[],
): void {
  const named = (list: unknown[]) => list.every((item) => isRecord(item) && typeof item['name'] === 'string');
  if (desired.length > 0 && named(desired) && named(live)) {
    const liveByName = new Map(
      live.map((item) => [(item as Record<string, unknown>)['name'] as string, item]),
    );
    const desiredNames = new Set<string>();
    desired.forEach((item, index) => {
      const name = (item as Record<string, unknown>)['name'] as string;
      desiredNames.add(name);
      walk(kind, item, liveByName.get(name), [...segments, String(index)], out);
    });
    live.forEach((item, index) => {
      if (!desiredNames.has((item as Record<string, unknown>)['name'] as string)) {
        walk(kind, undefined, item, [...segments, String(index)], out);
      }
    });
    return;
  }
  const length = Math.max(desired.length, live.length);
  for (let i = 0; i < length; i++) walk(kind, desired[i], live[i], [...segments, String(i)], out);
}

function sameLeaf(desired: unknown, live: unknown, segments: string[]): boolean {
  if (JSON.stringify(desired) === JSON.stringify(live)) return true;
  // Quantities appear under resources (requests, limits) and storage sizes.
  if (segments.includes('resources') || segments.includes('capacity')) return sameQuantity(desired, live);
  return false;
}

/** What remains of a live-only value once defaulted fields are removed; undefined when nothing does. */
function pruneDefaults(kind: string, value: unknown, segments: string[]): unknown {
  if (isDefaulted(kind, segments, value)) return undefined;
  if (isRecord(value)) {
    const out: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(value)) {
      const kept = pruneDefaults(kind, child, [...segments, key]);
      if (kept !== undefined) out[key] = kept;
    }
    return Object.keys(out).length > 0 ? out : undefined;
  }
  return value;
}
