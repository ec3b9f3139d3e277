// The custom resource the server's unit tests define for themselves: example.com/v1 Thing, namespaced,
// with whatever schema a test needs, and a Thing named t in namespace ns.
import { toResourceDef } from './registry.ts';
import type { JsonObject, KubeObject, ResourceDef } from './types.ts';

export const thingDef = (schema: JsonObject): ResourceDef =>
  toResourceDef({
    group: 'example.com',
    version: 'v1',
    kind: 'Thing',
    plural: 'things',
    namespaced: true,
    schema,
  });

export const thing = (
  spec: Record<string, unknown>,
  metadata: Partial<KubeObject['metadata']> = {},
): KubeObject => ({
  apiVersion: 'example.com/v1',
  kind: 'Thing',
  metadata: { name: 't', namespace: 'ns', ...metadata },
  spec,
});
