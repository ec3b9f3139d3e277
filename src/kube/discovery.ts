// Kind → resource from the API server's discovery document of one group version, for objects known
// only by apiVersion and kind (what an artifact or a Flux inventory names). Callers cache as they need.
import { z } from 'zod';
import type { KubeClient } from './client.ts';
import { isNotFound } from './errors.ts';
import { groupVersionPath, parseApiVersion, type ResourceType } from './resources.ts';

const resourceListSchema = z.object({
  resources: z.array(
    z.looseObject({
      name: z.string(),
      kind: z.string(),
      namespaced: z.boolean(),
    }),
  ),
});

/**
 * The resources `apiVersion` serves, by kind (subresources such as `deployments/status` left out), or
 * undefined when the server does not serve that group version.
 */
export async function discoverKinds(
  kube: Pick<KubeClient, 'getPath'>,
  apiVersion: string,
): Promise<Map<string, ResourceType> | undefined> {
  const gv = parseApiVersion(apiVersion);
  let list: z.infer<typeof resourceListSchema>;
  try {
    list = resourceListSchema.parse(await kube.getPath(groupVersionPath(gv)));
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
  const kinds = new Map<string, ResourceType>();
  for (const r of list.resources) {
    if (r.name.includes('/')) continue;
    kinds.set(r.kind, { ...gv, plural: r.name, kind: r.kind, namespaced: r.namespaced });
  }
  return kinds;
}
