// Strategic merge patch (application/strategic-merge-patch+json) for built-in kinds: lists carrying a
// `patchMergeKey` in k8s.io/api are merged element by element (containers by name, container ports by
// containerPort, volumeMounts by mountPath…), other lists are replaced, maps merge and `null` deletes.
// Directives as kubectl sends them: `$patch: replace|delete|merge`, `$retainKeys`,
// `$setElementOrder/<list>` and `$deleteFromPrimitiveList/<list>`.
import { badRequest } from './errors.ts';
import type { Json, JsonObject } from './types.ts';

const isObject = (v: unknown): v is JsonObject => v !== null && typeof v === 'object' && !Array.isArray(v);

type ListStrategy = { key: string } | { primitive: true } | undefined;

/** Lists merged by key, by field name (k8s.io/api `patchStrategy:"merge" patchMergeKey:"…"`). */
const MERGE_KEYS: Record<string, string> = {
  containers: 'name',
  initContainers: 'name',
  ephemeralContainers: 'name',
  env: 'name',
  volumes: 'name',
  volumeMounts: 'mountPath',
  volumeDevices: 'devicePath',
  imagePullSecrets: 'name',
  hostAliases: 'ip',
  ownerReferences: 'uid',
  conditions: 'type',
  topologySpreadConstraints: 'topologyKey',
  resourceClaims: 'name',
};

/** How the list at `path` (field names from the object root) merges, for an object of `kind`. */
export function listStrategy(kind: string, path: readonly string[]): ListStrategy {
  const field = path[path.length - 1] ?? '';
  if (field === 'finalizers' && path.length === 2 && path[0] === 'metadata') return { primitive: true };
  if (field === 'ports') {
    const parent = path[path.length - 2];
    if (parent === 'containers' || parent === 'initContainers' || parent === 'ephemeralContainers') {
      return { key: 'containerPort' };
    }
    if (kind === 'Service' && path.length === 2 && path[0] === 'spec') return { key: 'port' };
    return undefined;
  }
  const key = MERGE_KEYS[field];
  // status.conditions of built-ins merge by type; elsewhere `conditions` is not a Kubernetes list.
  if (field === 'conditions' && path[0] !== 'status') return undefined;
  return key === undefined ? undefined : { key };
}

export function strategicMergePatch(kind: string, target: JsonObject, patch: Json): JsonObject {
  if (!isObject(patch))
    throw badRequest('json: cannot unmarshal array into Go value of type map[string]interface {}');
  const merged = mergeMap(kind, [], target, patch);
  return merged ?? {};
}

function mergeMap(
  kind: string,
  path: readonly string[],
  original: JsonObject | undefined,
  patch: JsonObject,
): JsonObject | undefined {
  const directive = patch['$patch'];
  if (directive === 'delete') return undefined;
  if (directive === 'replace') {
    const { $patch: _, ...rest } = patch;
    return strip(rest) as JsonObject;
  }
  let out: JsonObject = isObject(original) ? structuredClone(original) : {};
  const retain = patch['$retainKeys'];
  if (Array.isArray(retain)) {
    const keep = new Set(retain.map(String));
    out = Object.fromEntries(Object.entries(out).filter(([k]) => keep.has(k)));
  }
  const orders: Array<[string, Json[]]> = [];
  for (const [key, value] of Object.entries(patch)) {
    if (key === '$patch' || key === '$retainKeys') continue;
    if (key.startsWith('$setElementOrder/')) {
      if (Array.isArray(value)) orders.push([key.slice('$setElementOrder/'.length), value]);
      continue;
    }
    if (key.startsWith('$deleteFromPrimitiveList/')) {
      const field = key.slice('$deleteFromPrimitiveList/'.length);
      const drop = new Set((Array.isArray(value) ? value : []).map((v) => JSON.stringify(v)));
      if (Array.isArray(out[field])) {
        out[field] = (out[field] as Json[]).filter((v) => !drop.has(JSON.stringify(v)));
      }
      continue;
    }
    if (value === null) {
      delete out[key];
      continue;
    }
    const childPath = [...path, key];
    if (Array.isArray(value)) {
      out[key] = mergeList(kind, childPath, out[key], value);
    } else if (isObject(value)) {
      const merged = mergeMap(kind, childPath, isObject(out[key]) ? out[key] : undefined, value);
      if (merged === undefined) delete out[key];
      else out[key] = merged;
    } else {
      out[key] = value;
    }
  }
  for (const [field, order] of orders) {
    const list = out[field];
    if (Array.isArray(list)) out[field] = reorder(kind, [...path, field], list, order);
  }
  return out;
}

function mergeList(kind: string, path: readonly string[], original: Json | undefined, patch: Json[]): Json[] {
  const strategy = listStrategy(kind, path);
  if (patch.some((e) => isObject(e) && e['$patch'] === 'replace')) {
    return patch.filter((e) => !(isObject(e) && e['$patch'] === 'replace')).map(strip);
  }
  const base = Array.isArray(original) ? structuredClone(original) : [];
  if (strategy === undefined) return patch.map(strip);
  if ('primitive' in strategy) {
    const seen = new Set(base.map((v) => JSON.stringify(v)));
    return [...base, ...patch.filter((v) => !seen.has(JSON.stringify(v)))];
  }
  const { key } = strategy;
  const out = base;
  for (const element of patch) {
    if (!isObject(element)) continue;
    const index = out.findIndex((o) => isObject(o) && o[key] === element[key]);
    if (element['$patch'] === 'delete') {
      if (index >= 0) out.splice(index, 1);
      continue;
    }
    if (index >= 0) {
      out[index] = mergeMap(kind, path, out[index] as JsonObject, element) ?? {};
    } else {
      out.push(mergeMap(kind, path, undefined, element) ?? {});
    }
  }
  return out;
}

/** `$setElementOrder`: the listed elements in that order, then the server's others in theirs. */
function reorder(kind: string, path: readonly string[], list: Json[], order: Json[]): Json[] {
  const strategy = listStrategy(kind, path);
  const identity = (v: Json): string =>
    strategy !== undefined && 'key' in strategy && isObject(v)
      ? JSON.stringify(v[strategy.key])
      : JSON.stringify(v);
  const wanted = order.map((o) =>
    strategy !== undefined && 'key' in strategy && isObject(o)
      ? JSON.stringify(o[strategy.key])
      : JSON.stringify(o),
  );
  const listed = wanted.flatMap((w) => list.filter((v) => identity(v) === w));
  const rest = list.filter((v) => !wanted.includes(identity(v)));
  return [...listed, ...rest];
}

/** Removes directives from a value that is stored as given. */
function strip(value: Json): Json {
  if (Array.isArray(value)) return value.map(strip);
  if (!isObject(value)) return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([k]) => !k.startsWith('$'))
      .map(([k, v]) => [k, strip(v)]),
  );
}
