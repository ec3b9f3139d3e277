// Server-side apply as kustomize-controller: field manager `kustomize-controller`, forced, cluster
// definitions (CRDs, Namespaces) before everything else; the action per object is read from the
// write itself (no resourceVersion before → created, changed → configured, same → unchanged).
import type { KubeClient, KubeObject } from '../../src/kube/client.ts';
import { discoverKinds } from '../../src/kube/discovery.ts';
import { isNotFound } from '../../src/kube/errors.ts';
import type { ResourceType } from '../../src/kube/resources.ts';
import { errorMessage } from '../../src/util/errors.ts';
import type { Manifest } from './build.ts';

export const FIELD_MANAGER = 'kustomize-controller';

export type Action = 'created' | 'configured' | 'unchanged' | 'deleted' | 'skipped';

export interface ChangeSetEntry {
  /** cli-utils ObjMetadata string: `<namespace>_<name>_<group>_<kind>`. */
  id: string;
  version: string;
  /** `Kind/namespace/name` (namespace left out when cluster-scoped). */
  subject: string;
  action: Action;
}

const FIRST_STAGE = new Set(['CustomResourceDefinition', 'Namespace', 'ClusterRole', 'ClusterRoleBinding']);

/** Kind → resource from the API's discovery documents, cached per group/version. */
export class Discovery {
  readonly #kube: KubeClient;
  readonly #cache = new Map<string, Map<string, ResourceType>>();

  constructor(kube: KubeClient) {
    this.#kube = kube;
  }

  async resolve(apiVersion: string, kind: string): Promise<ResourceType | undefined> {
    let kinds = this.#cache.get(apiVersion);
    if (kinds === undefined) {
      // A group version not served yet is asked again next time (its CRD may be applied meanwhile).
      kinds = await discoverKinds(this.#kube, apiVersion);
      if (kinds !== undefined) this.#cache.set(apiVersion, kinds);
    }
    return kinds?.get(kind);
  }

  forget(): void {
    this.#cache.clear();
  }
}

export function inventoryId(
  namespace: string | undefined,
  name: string,
  group: string,
  kind: string,
): string {
  return `${namespace ?? ''}_${name}_${group}_${kind}`;
}

export function subjectOf(kind: string, namespace: string | undefined, name: string): string {
  return namespace ? `${kind}/${namespace}/${name}` : `${kind}/${name}`;
}

export class ApplyError extends Error {
  override readonly name = 'ApplyError';
}

export async function applyAll(
  kube: KubeClient,
  discovery: Discovery,
  objects: readonly Manifest[],
): Promise<ChangeSetEntry[]> {
  const resolved: Array<{ object: Manifest; type: ResourceType }> = [];
  for (const object of objects) {
    const type = await discovery.resolve(object.apiVersion, object.kind);
    if (type === undefined) {
      throw new ApplyError(
        `${subjectOf(object.kind, object.metadata.namespace, object.metadata.name)} dry-run failed: no matches for kind "${object.kind}" in version "${object.apiVersion}"`,
      );
    }
    if (type.namespaced && !object.metadata.namespace) {
      throw new ApplyError(
        `${subjectOf(object.kind, undefined, object.metadata.name)} namespace not specified: the server could not find the requested resource`,
      );
    }
    if (!type.namespaced) delete object.metadata.namespace;
    resolved.push({ object, type });
  }
  const stages = [
    resolved.filter((r) => FIRST_STAGE.has(r.object.kind)),
    resolved.filter((r) => !FIRST_STAGE.has(r.object.kind)),
  ];
  const entries: ChangeSetEntry[] = [];
  for (const stage of stages) {
    for (const { object, type } of stage) entries.push(await applyOne(kube, type, object));
  }
  return entries;
}

async function applyOne(kube: KubeClient, type: ResourceType, object: Manifest): Promise<ChangeSetEntry> {
  const { name, namespace } = object.metadata;
  const subject = subjectOf(object.kind, namespace, name);
  let before: KubeObject | undefined;
  try {
    before = await kube.get<KubeObject>(type, namespace, name);
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
  let after: KubeObject;
  try {
    after = await kube.patch<KubeObject>(type, namespace, name, 'apply', object, {
      fieldManager: FIELD_MANAGER,
      force: true,
    });
  } catch (error) {
    throw new ApplyError(`${subject} apply failed: ${errorMessage(error)}`);
  }
  const action: Action =
    before === undefined
      ? 'created'
      : before.metadata.resourceVersion === after.metadata.resourceVersion
        ? 'unchanged'
        : 'configured';
  return { id: inventoryId(namespace, name, type.group, type.kind), version: type.version, subject, action };
}

/** Deletes what the previous inventory had and the new one lacks, unless opted out of pruning. */
export async function prune(
  kube: KubeClient,
  discovery: Discovery,
  previous: ReadonlyArray<{ id: string; v: string }>,
  current: readonly ChangeSetEntry[],
): Promise<ChangeSetEntry[]> {
  const keep = new Set(current.map((e) => e.id));
  const deleted: ChangeSetEntry[] = [];
  for (const entry of previous) {
    if (keep.has(entry.id)) continue;
    const [namespace, name, group, kind] = entry.id.split('_') as [string, string, string, string];
    const type = await discovery.resolve(group ? `${group}/${entry.v}` : entry.v, kind);
    if (type === undefined) continue;
    const ns = namespace || undefined;
    try {
      const live = await kube.get<KubeObject>(type, ns, name);
      const optOut = (m?: Record<string, string>) => m?.['kustomize.toolkit.fluxcd.io/prune'] === 'disabled';
      if (optOut(live.metadata.annotations) || optOut(live.metadata.labels)) continue;
      await kube.delete(type, ns, name, { propagationPolicy: 'Background' });
      deleted.push({ id: entry.id, version: entry.v, subject: subjectOf(kind, ns, name), action: 'deleted' });
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
  }
  return deleted;
}
