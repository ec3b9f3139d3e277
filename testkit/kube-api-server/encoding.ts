// How objects leave the server. kube-apiserver decodes custom resources into maps
// (unstructured.Unstructured) and Go's encoding/json writes map keys sorted, so every custom resource
// it returns — get, list, watch, write responses — has its keys in byte order at every depth, whatever
// order the client sent. Built-in kinds are Go structs and keep their field order, as here.

import type { KubeObject, ResourceDef } from './types.ts';

export const sortKeysDeep = (value: unknown): unknown => {
  if (Array.isArray(value)) return value.map(sortKeysDeep);
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) =>
    a < b ? -1 : a > b ? 1 : 0,
  );
  return Object.fromEntries(entries.map(([k, v]) => [k, sortKeysDeep(v)]));
};

/** The object as the wire shows it: custom resources with sorted keys unless `sorted` is off. */
export const encodeObject = (def: ResourceDef, obj: KubeObject, sorted: boolean): KubeObject =>
  def.custom && sorted ? (sortKeysDeep(obj) as KubeObject) : obj;
