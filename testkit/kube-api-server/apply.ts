// Server-side apply and managedFields bookkeeping (a model of sigs.k8s.io/structured-merge-diff).

import { deepEqual } from './equality.ts';
import { ApiError, type StatusCause } from './errors.ts';
import {
  changedFields,
  describePath,
  type FieldSet,
  fieldsOf,
  isEmpty,
  itemKey,
  overlap,
  removeFields,
  SchemaCursor,
  subtract,
  union,
  valueAt,
} from './fieldset.ts';
import type { Json, JsonObject, KubeObject, ManagedFieldsEntry, ResourceDef } from './types.ts';

const isObject = (v: unknown): v is JsonObject => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Merges an apply configuration into the live value: maps by key, list-maps by their keys, sets by value. */
export const mergeApplied = (live: Json | undefined, applied: Json, cursor: SchemaCursor): Json => {
  if (isObject(applied)) {
    if (!isObject(live) || cursor.atomicMap) return structuredClone(applied);
    const out = structuredClone(live);
    for (const [key, value] of Object.entries(applied))
      out[key] = mergeApplied(live[key], value, cursor.child(key));
    return out;
  }
  if (Array.isArray(applied) && Array.isArray(live)) {
    const kind = cursor.listKind();
    if (kind.type === 'map') {
      const out = structuredClone(live);
      for (const item of applied) {
        const key = itemKey(item, kind.keys);
        const index = out.findIndex((existing) => itemKey(existing, kind.keys) === key);
        if (index >= 0) out[index] = mergeApplied(out[index], item, cursor.item());
        else out.push(structuredClone(item));
      }
      return out;
    }
    if (kind.type === 'set') {
      const out = structuredClone(live);
      for (const item of applied) if (!out.some((existing) => deepEqual(existing, item))) out.push(item);
      return out;
    }
  }
  return structuredClone(applied);
};

const subresourceOf = (e: ManagedFieldsEntry): string => e.subresource ?? '';

const entry = (
  manager: string,
  operation: 'Apply' | 'Update',
  apiVersion: string,
  time: string,
  fields: FieldSet,
  subresource: string | undefined,
): ManagedFieldsEntry => ({
  manager,
  operation,
  apiVersion,
  time,
  fieldsType: 'FieldsV1',
  fieldsV1: fields,
  ...(subresource ? { subresource } : {}),
});

/** The part of an object a write to `subresource` may own. */
const scoped = (def: ResourceDef, obj: KubeObject, subresource: string | undefined): KubeObject => {
  if (subresource === 'status') {
    return { metadata: {}, ...(obj['status'] !== undefined ? { status: obj['status'] } : {}) };
  }
  if (def.statusSubresource) {
    const { status: _s, ...rest } = obj;
    return rest as KubeObject;
  }
  return obj;
};

export interface ApplyRequest {
  def: ResourceDef;
  live: KubeObject | undefined;
  applied: KubeObject;
  manager: string;
  force: boolean;
  subresource: string | undefined;
  time: string;
}

/**
 * The object after applying: merged with the live one, fields this manager stopped applying removed
 * (when nobody else owns them), ownership recorded. Conflicts with other managers are 409 unless forced.
 */
export const serverSideApply = (req: ApplyRequest): KubeObject => {
  const { def, live, manager, force, subresource, time } = req;
  const cursor = new SchemaCursor(def.schema);
  const applied = scoped(def, req.applied, subresource);
  const appliedSet = fieldsOf(applied as unknown as Json, cursor);
  const entries = structuredClone(live?.metadata.managedFields ?? []);
  const mine = entries.find(
    (e) => e.manager === manager && e.operation === 'Apply' && subresourceOf(e) === (subresource ?? ''),
  );
  const others = entries.filter((e) => e !== mine);

  const causes: StatusCause[] = [];
  const forced: { entry: ManagedFieldsEntry; paths: string[][] }[] = [];
  for (const other of others) {
    const clashes = overlap(appliedSet, other.fieldsV1).filter(
      (path) => !deepEqual(valueAt(live as unknown as Json, path), valueAt(applied as unknown as Json, path)),
    );
    if (!clashes.length) continue;
    forced.push({ entry: other, paths: clashes });
    for (const path of clashes) {
      causes.push({
        reason: 'FieldManagerConflict',
        message: `conflict with "${other.manager}"${other.operation === 'Update' ? ` using ${other.apiVersion}` : ''}`,
        field: describePath(path),
      });
    }
  }
  if (causes.length && !force) {
    const list = causes.map((c) => `- ${c.message}: ${c.field}`).join('\n');
    throw new ApiError(
      409,
      'Conflict',
      `Apply failed with ${causes.length} conflict${causes.length > 1 ? 's' : ''}: ${causes.length === 1 ? `${causes[0]!.message}: ${causes[0]!.field}` : `\n${list}`}`,
      {
        name: req.applied.metadata.name ?? '',
        group: def.group,
        kind: def.kind,
        causes,
      },
    );
  }
  for (const { entry: other, paths } of forced) {
    other.fieldsV1 = subtract(other.fieldsV1, pathsToSet(paths));
  }

  let merged = (live
    ? mergeApplied(live as unknown as Json, applied as unknown as Json, cursor)
    : structuredClone(applied)) as unknown as KubeObject;
  if (mine) {
    let dropped = subtract(mine.fieldsV1, appliedSet);
    for (const other of others) dropped = subtract(dropped, other.fieldsV1);
    removeFields(merged as unknown as Json, dropped);
  }
  if (!isObject(merged.metadata)) merged = { ...merged, metadata: {} };
  const apiVersion = `${def.group ? `${def.group}/` : ''}${def.version}`;
  const next = others.filter((e) => !isEmpty(e.fieldsV1));
  next.push(entry(manager, 'Apply', apiVersion, time, appliedSet, subresource));
  merged.metadata.managedFields = next;
  return merged;
};

const pathsToSet = (paths: string[][]): FieldSet => {
  const out: FieldSet = {};
  for (const path of paths) {
    let node = out;
    for (const key of path) {
      node[key] ??= {};
      node = node[key] as FieldSet;
    }
  }
  return out;
};

/** managedFields after a non-apply write: the writer takes over the fields it changed. */
export const recordUpdate = (
  def: ResourceDef,
  old: KubeObject | undefined,
  next: KubeObject,
  manager: string,
  subresource: string | undefined,
  time: string,
): ManagedFieldsEntry[] => {
  const cursor = new SchemaCursor(def.schema);
  const before = old ? scoped(def, old, subresource) : undefined;
  const after = scoped(def, next, subresource);
  const changed = changedFields(before as unknown as Json, after as unknown as Json, cursor);
  const removed = before
    ? subtract(
        fieldsOf(before as unknown as Json, cursor, true, true),
        fieldsOf(after as unknown as Json, cursor, true, true),
      )
    : {};
  const entries = structuredClone(old?.metadata.managedFields ?? []);
  for (const e of entries) e.fieldsV1 = subtract(subtract(e.fieldsV1, changed), removed);
  const apiVersion = `${def.group ? `${def.group}/` : ''}${def.version}`;
  const mine = entries.find(
    (e) => e.manager === manager && e.operation === 'Update' && subresourceOf(e) === (subresource ?? ''),
  );
  if (mine) {
    mine.fieldsV1 = union(mine.fieldsV1, changed);
    if (!isEmpty(changed)) mine.time = time;
  } else if (!isEmpty(changed)) {
    entries.push(entry(manager, 'Update', apiVersion, time, changed, subresource));
  }
  return entries.filter((e) => !isEmpty(e.fieldsV1));
};
