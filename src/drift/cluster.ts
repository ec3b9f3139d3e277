// Read-only access to the objects drift detection compares. Reads go through KubeClient. Two calls
// KubeClient does not offer are made here directly with the same kubeconfig authentication:
// discovery (Kind → resource) and the server-side-apply *dry run*, a PATCH with `dryRun=All` that the
// API server evaluates in full (defaults, admission, field ownership) and then discards.
import type { KubeConfig } from '@kubernetes/client-node';
import { RequestContext } from '@kubernetes/client-node';
import { type Dispatcher, request } from 'undici';
import { z } from 'zod';
import type { KubeClient, KubeObject } from '../kube/client.ts';
import { isNotFound, KubeApiError } from '../kube/errors.ts';
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

const resourceListSchema = z.object({
  resources: z.array(
    z.looseObject({
      name: z.string(),
      kind: z.string(),
      namespaced: z.boolean(),
      verbs: z.array(z.string()).optional(),
    }),
  ),
});

const HPA: ResourceType = {
  group: 'autoscaling',
  version: 'v2',
  plural: 'horizontalpodautoscalers',
  kind: 'HorizontalPodAutoscaler',
  namespaced: true,
};

export class KubeDriftCluster implements DriftCluster {
  readonly #kube: KubeClient;
  readonly #config: KubeConfig;
  readonly #server: string;
  readonly #timeoutMs: number;
  /** groupVersion → kind → resource; entries expire so CRDs installed later are found. */
  readonly #discovery = new Map<string, { at: number; kinds: Map<string, ResourceType> | undefined }>();

  constructor(options: { kube: KubeClient; kubeConfig: KubeConfig; requestTimeoutMs?: number }) {
    const cluster = options.kubeConfig.getCurrentCluster();
    if (cluster === null) throw new Error('kubeconfig has no current cluster');
    this.#kube = options.kube;
    this.#config = options.kubeConfig;
    this.#server = cluster.server.replace(/\/+$/, '');
    this.#timeoutMs = options.requestTimeoutMs ?? 30_000;
  }

  async resolve(apiVersion: string, kind: string): Promise<ResourceType | undefined> {
    const cached = this.#discovery.get(apiVersion);
    if (cached !== undefined && Date.now() - cached.at < 5 * 60_000) return cached.kinds?.get(kind);
    const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
    const path = group === '' ? `/api/${version}` : `/apis/${group}/${version}`;
    let kinds: Map<string, ResourceType> | undefined;
    try {
      const list = resourceListSchema.parse(await this.#request('GET', path));
      kinds = new Map();
      for (const r of list.resources) {
        if (r.name.includes('/')) continue;
        kinds.set(r.kind, {
          group: group ?? '',
          version: version ?? '',
          plural: r.name,
          kind: r.kind,
          namespaced: r.namespaced,
        });
      }
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
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
    const base = type.group === '' ? `/api/${type.version}` : `/apis/${type.group}/${type.version}`;
    const ns =
      type.namespaced && metadata.namespace ? `/namespaces/${encodeURIComponent(metadata.namespace)}` : '';
    const path = `${base}${ns}/${type.plural}/${encodeURIComponent(metadata.name)}`;
    return (await this.#request('PATCH', path, {
      query: { dryRun: 'All', force: 'true', fieldManager },
      // JSON is YAML: the apply content type takes it as is.
      body: JSON.stringify(object),
      contentType: 'application/apply-patch+yaml',
    })) as KubeObject;
  }

  async autoscalers(namespace: string): Promise<KubeObject[]> {
    try {
      return (await this.#kube.list<KubeObject>(HPA, { namespace })).items;
    } catch (error) {
      if (isNotFound(error)) return [];
      throw error;
    }
  }

  async #request(
    method: 'GET' | 'PATCH',
    path: string,
    init: { query?: Record<string, string>; body?: string; contentType?: string } = {},
  ): Promise<unknown> {
    const url = new URL(this.#server + path);
    for (const [key, value] of Object.entries(init.query ?? {})) url.searchParams.set(key, value);
    const context = new RequestContext(url.toString(), method as never);
    await this.#config.applySecurityAuthentication(context);
    const headers: Record<string, string> = {
      ...context.getHeaders(),
      accept: 'application/json',
      'user-agent': 'confighub-source-controller/drift',
    };
    if (init.body !== undefined) headers['content-type'] = init.contentType ?? 'application/json';
    const response = await request(url, {
      method,
      headers,
      body: init.body,
      dispatcher: context.getDispatcher() as Dispatcher | undefined,
      headersTimeout: this.#timeoutMs,
      bodyTimeout: this.#timeoutMs,
    });
    const text = await response.body.text();
    if (response.statusCode >= 300) throw apiError(response.statusCode, text);
    return text === '' ? {} : JSON.parse(text);
  }
}

function apiError(code: number, text: string): KubeApiError {
  try {
    const status = JSON.parse(text) as { kind?: string; reason?: string; message?: string };
    if (status.kind === 'Status')
      return new KubeApiError(code, status.reason ?? 'Unknown', status.message ?? `HTTP ${code}`);
  } catch {
    // Not a Status body: keep the HTTP code only.
  }
  return new KubeApiError(code, 'Unknown', `HTTP ${code}`);
}
