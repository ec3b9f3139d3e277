// Field sets in the `FieldsV1` encoding of managedFields (`f:name`, `k:{"type":"Ready"}`, `v:"x"`),
// built from objects with the list semantics of their schema.

import { deepEqual } from './equality.ts';
import type { Json, JsonObject } from './types.ts';

export type FieldSet = JsonObject;

const isObject = (v: unknown): v is JsonObject => v !== null && typeof v === 'object' && !Array.isArray(v);

/** How a list merges: by key fields, as a set of scalars, or replaced whole. */
export type ListKind = { type: 'map'; keys: string[] } | { type: 'set' } | { type: 'atomic' };

/** Schema position while walking an object: knows child schemas and list semantics. */
export class SchemaCursor {
  readonly #schema: JsonObject | undefined;
  readonly #path: string[];

  constructor(schema: JsonObject | undefined, path: string[] = []) {
    this.#schema = schema;
    this.#path = path;
  }

  child(key: string): SchemaCursor {
    const s = this.#schema;
    const props = s && isObject(s['properties']) ? s['properties'] : undefined;
    const additional = s && isObject(s['additionalProperties']) ? s['additionalProperties'] : undefined;
    const next = props && isObject(props[key]) ? props[key] : additional;
    return new SchemaCursor(next, [...this.#path, key]);
  }

  item(): SchemaCursor {
    const s = this.#schema;
    return new SchemaCursor(s && isObject(s['items']) ? s['items'] : undefined, [...this.#path, '[]']);
  }

  /** Whether a map is replaced as a unit (`x-kubernetes-map-type: atomic`). */
  get atomicMap(): boolean {
    return this.#schema?.['x-kubernetes-map-type'] === 'atomic';
  }

  listKind(): ListKind {
    const s = this.#schema;
    const type = s?.['x-kubernetes-list-type'];
    if (type === 'map' && Array.isArray(s?.['x-kubernetes-list-map-keys'])) {
      return { type: 'map', keys: s['x-kubernetes-list-map-keys'] as string[] };
    }
    if (type === 'set') return { type: 'set' };
    if (type === 'atomic') return { type: 'atomic' };
    // ObjectMeta lists and the condition convention, for kinds served without a schema.
    const path = this.#path.join('.');
    if (path === 'metadata.ownerReferences') return { type: 'map', keys: ['uid'] };
    if (path === 'metadata.finalizers') return { type: 'set' };
    if (path.endsWith('conditions')) return { type: 'map', keys: ['type'] };
    return { type: 'atomic' };
  }
}

/** Metadata fields that are owned by managers; the rest of ObjectMeta is server-managed. */
const OWNED_METADATA = new Set(['labels', 'annotations', 'finalizers', 'ownerReferences']);

export const itemKey = (item: Json, keys: string[]): string => {
  const obj = isObject(item) ? item : {};
  const picked: JsonObject = {};
  for (const k of [...keys].sort()) picked[k] = obj[k] ?? null;
  return `k:${JSON.stringify(picked)}`;
};

const isLeaf = (set: Json | undefined): boolean => !isObject(set) || Object.keys(set).every((k) => k === '.');

/**
 * Fields of `value`. `maps: true` (updates) also marks map nodes themselves with `.`, as update
 * entries do; apply entries mark only list items.
 */
export const fieldsOf = (value: Json, cursor: SchemaCursor, top = true, maps = false): FieldSet => {
  const out: FieldSet = {};
  if (!isObject(value)) return out;
  for (const [key, child] of Object.entries(value)) {
    if (top && (key === 'apiVersion' || key === 'kind')) continue;
    if (top && key === 'metadata' && isObject(child)) {
      const meta: FieldSet = {};
      for (const [mk, mv] of Object.entries(child)) {
        if (OWNED_METADATA.has(mk))
          meta[`f:${mk}`] = childFields(mv, cursor.child('metadata').child(mk), maps);
      }
      if (Object.keys(meta).length) out['f:metadata'] = meta;
      continue;
    }
    out[`f:${key}`] = childFields(child, cursor.child(key), maps);
  }
  return out;
};

const childFields = (value: Json, cursor: SchemaCursor, maps: boolean): FieldSet => {
  if (isObject(value)) {
    if (cursor.atomicMap) return {};
    const inner = fieldsOf(value, cursor, false, maps);
    if (!Object.keys(inner).length) return {};
    return maps ? { '.': {}, ...inner } : inner;
  }
  if (Array.isArray(value)) {
    const kind = cursor.listKind();
    if (kind.type === 'map') {
      const out: FieldSet = {};
      for (const item of value) {
        out[itemKey(item, kind.keys)] = { '.': {}, ...fieldsOf(item, cursor.item(), false, maps) };
      }
      return out;
    }
    if (kind.type === 'set') {
      const out: FieldSet = {};
      for (const item of value) out[`v:${JSON.stringify(item)}`] = {};
      return out;
    }
  }
  return {};
};

/**
 * Paths in `a` that `b` does not cover. A `.` entry (ownership of the node itself) survives only
 * when `b` does not own the node too.
 */
export const subtract = (a: FieldSet, b: FieldSet): FieldSet => {
  const out: FieldSet = {};
  for (const [key, node] of Object.entries(a)) {
    const other = b[key];
    if (key === '.') {
      if (other === undefined) out[key] = node;
      continue;
    }
    if (other === undefined) {
      out[key] = node;
      continue;
    }
    if (isLeaf(node) || isLeaf(other)) continue;
    const rest = subtract(node as FieldSet, other as FieldSet);
    // A node left claiming only itself, with every child taken, is no longer owned.
    if (!isEmpty(rest)) out[key] = rest;
  }
  return out;
};

export const union = (a: FieldSet, b: FieldSet): FieldSet => {
  const out: FieldSet = structuredClone(a);
  for (const [key, node] of Object.entries(b)) {
    const mine = out[key];
    out[key] = isObject(mine) && isObject(node) ? union(mine, node) : structuredClone(node);
  }
  return out;
};

/** Leaf paths present in both sets, as key lists. */
export const overlap = (a: FieldSet, b: FieldSet, prefix: string[] = []): string[][] => {
  const out: string[][] = [];
  for (const [key, node] of Object.entries(a)) {
    if (key === '.') continue;
    const other = b[key];
    if (other === undefined) continue;
    if (isLeaf(node) || isLeaf(other)) out.push([...prefix, key]);
    else out.push(...overlap(node as FieldSet, other as FieldSet, [...prefix, key]));
  }
  return out;
};

/** The value a field set key addresses inside `value`. */
export const step = (value: Json | undefined, key: string): Json | undefined => {
  if (key.startsWith('f:')) return isObject(value) ? value[key.slice(2)] : undefined;
  if (!Array.isArray(value)) return undefined;
  if (key.startsWith('k:')) {
    const wanted = JSON.parse(key.slice(2)) as JsonObject;
    return value.find(
      (item) => isObject(item) && Object.entries(wanted).every(([k, v]) => deepEqual(item[k] ?? null, v)),
    );
  }
  if (key.startsWith('v:')) {
    const wanted = JSON.parse(key.slice(2)) as Json;
    return value.find((item) => deepEqual(item, wanted));
  }
  return undefined;
};

export const valueAt = (value: Json | undefined, path: string[]): Json | undefined =>
  path.reduce<Json | undefined>((cur, key) => step(cur, key), value);

/** `.spec.url`, `.status.conditions[type="Ready"].status`: how conflict messages name fields. */
export const describePath = (path: string[]): string =>
  path
    .map((key) => {
      if (key.startsWith('f:')) return `.${key.slice(2)}`;
      if (key.startsWith('k:')) {
        const obj = JSON.parse(key.slice(2)) as JsonObject;
        return `[${Object.entries(obj)
          .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
          .join(',')}]`;
      }
      return `[=${key.slice(2)}]`;
    })
    .join('');

/** Removes the fields of `set` from `value` in place; a node owned as a whole (`.`) goes entirely. */
export const removeFields = (value: Json, set: FieldSet): void => {
  for (const [key, node] of Object.entries(set)) {
    if (key === '.') continue;
    const target = step(value, key);
    if (target === undefined) continue;
    const whole = isLeaf(node) || (isObject(node) && node['.'] !== undefined);
    if (!whole) {
      removeFields(target, node as FieldSet);
    } else if (key.startsWith('f:') && isObject(value)) {
      delete value[key.slice(2)];
    } else if (Array.isArray(value)) {
      value.splice(value.indexOf(target), 1);
    }
  }
};

/** Leaf fields whose value differs between `before` and `after` (present in `after`). */
export const changedFields = (before: Json | undefined, after: Json, cursor: SchemaCursor): FieldSet => {
  const all = fieldsOf(after, cursor, true, true);
  const changed = (set: FieldSet, b: Json | undefined, a: Json | undefined): FieldSet => {
    const out: FieldSet = {};
    for (const [key, node] of Object.entries(set)) {
      if (key === '.') continue;
      const bv = step(b, key);
      const av = step(a, key);
      if (deepEqual(bv, av)) continue;
      if (isLeaf(node) || bv === undefined) out[key] = node;
      else {
        const inner = changed(node as FieldSet, bv, av);
        if (Object.keys(inner).length) out[key] = inner;
      }
    }
    return out;
  };
  return changed(all, before, after);
};

export const isEmpty = (set: FieldSet): boolean => Object.keys(set).every((k) => k === '.');
