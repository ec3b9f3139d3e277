// Flux inventory entries: `id` is cli-utils' ObjMetadata string `<namespace>_<name>_<group>_<kind>`
// (empty namespace for cluster-scoped objects, empty group for the core group), `v` the version.

export interface InventoryObject {
  namespace: string;
  name: string;
  group: string;
  kind: string;
  version: string;
}

/** undefined for an id that is not four `_`-separated fields (names cannot contain `_`). */
export function parseInventoryId(id: string, version: string): InventoryObject | undefined {
  const parts = id.split('_');
  if (parts.length !== 4) return undefined;
  const [namespace, name, group, kind] = parts as [string, string, string, string];
  if (name === '' || kind === '') return undefined;
  return { namespace, name, group, kind, version };
}
