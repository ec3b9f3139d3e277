// Read-only access to the objects drift detection compares, through KubeClient: reads, discovery
// (Kind → resource) and the server-side-apply *dry run*, a PATCH with `dryRun=All` that the API server
// evaluates in full (defaults, admission, field ownership) and then discards.
import type { KubeClient, KubeObject } from '../kube/client.ts';
import { discoverKinds } from '../kube/discovery.ts';
import { isNotFound } from '../kube/errors.ts';
import type { ResourceType } from '../kube/resources.ts';

export interface DriftCluster {
  /** The resource serving `apiVersion`/`kind`, or undefined when the cluster does not serve it. */
  resolve(apiVersion: string, kind: string): Promise<ResourceType | undefined>;
  /** The live object, or undefined when it does not exist. */
  get(type: ResourceType, namespace: string | undefined, name: string): Promise<KubeObject | undefined>;
  /** What the object would become if `fieldManager` applied `object` now (nothing is persisted). */
  dryRunApply(type: ResourceType, object: Record<string, unknown>, fieldManager: string): Promise<KubeObject>;
  /** HorizontalPodAutoscalers of a namespace ([] when the kind is not served). */
  autoscalers(namespace: string): Promise<KubeObject[]>;
}

const HPA: ResourceType = {
  group: 'autoscaling',
  version: 'v2',
  plural: 'horizontalpodautoscalers',
  kind: 'HorizontalPodAutoscaler',
  namespaced: true,
};

export class KubeDriftCluster implements DriftCluster {
  readonly #kube: KubeClient;
  /** groupVersion → kind → resource; entries expire so CRDs installed later are found. */
  readonly #discovery = new Map<string, { at: number; kinds: Map<string, ResourceType> | undefined }>();

  constructor(options: { kube: KubeClient }) {
    this.#kube = options.kube;
  }

  async resolve(apiVersion: string, kind: string): Promise<ResourceType | undefined> {
    const cached = this.#discovery.get(apiVersion);
    if (cached !== undefined && Date.now() - cached.at < 5 * 60_000) return cached.kinds?.get(kind);
    const kinds = await discoverKinds(this.#kube, apiVersion);
    this.#discovery.set(apiVersion, { at: Date.now(), kinds });
    return kinds?.get(kind);
  }

  async get(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
  ): Promise<KubeObject | undefined> {
    try {
      return await this.#kube.get<KubeObject>(type, namespace, name);
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  async dryRunApply(
    type: ResourceType,
    object: Record<string, unknown>,
    fieldManager: string,
  ): Promise<KubeObject> {
    const metadata = object['metadata'] as { name: string; namespace?: string };
    // JSON is YAML: the apply content type takes it as is.
    return await this.#kube.patch<KubeObject>(type, metadata.namespace, metadata.name, 'apply', object, {
      fieldManager,
      force: true,
      dryRun: true,
    });
  }

  async autoscalers(namespace: string): Promise<KubeObject[]> {
    try {
      return (await this.#kube.list<KubeObject>(HPA, { namespace })).items;
    } catch (error) {
      if (isNotFound(error)) return [];
      throw error;
    }
  }
}
