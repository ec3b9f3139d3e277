// Which objects a drift check compares: the inventory entries a consumer applied that come from our
// artifact, or, with no consumer, every object of the artifact.
import type { ConsumerObject } from '../delivery/consumer.ts';
import { parseApiVersion } from '../kube/resources.ts';
import type { DesiredObject } from './desired.ts';
import { parseInventoryId } from './inventory.ts';
import { objectRef } from './report.ts';

export interface Target {
  desired: DesiredObject;
  namespace: string | undefined;
  consumer: ConsumerObject | undefined;
}

/** The objects Flux applied: inventory entries that come from our artifact. */
export function inventoryTargets(
  desired: readonly DesiredObject[],
  consumers: readonly ConsumerObject[],
): Target[] {
  const targets: Target[] = [];
  const seen = new Set<string>();
  for (const consumer of consumers) {
    for (const entry of consumer.inventory) {
      if (seen.has(entry.id)) continue;
      const object = parseInventoryId(entry.id, entry.v);
      if (object === undefined) continue;
      const match = desired.find(
        (d) =>
          d.kind === object.kind &&
          d.name === object.name &&
          parseApiVersion(d.apiVersion).group === object.group &&
          (d.namespace === undefined ||
            consumer.targetNamespace !== undefined ||
            d.namespace === object.namespace),
      );
      if (match === undefined) continue;
      seen.add(entry.id);
      targets.push({
        desired: match,
        namespace: object.namespace || undefined,
        consumer,
      });
    }
  }
  return targets;
}

export function appliedThisRevision(consumer: ConsumerObject, revision: string | undefined): boolean {
  if (consumer.inventory.length === 0 || consumer.lastAppliedRevision === undefined) return false;
  return revision === undefined || consumer.lastAppliedRevision === revision;
}

export function consumerRef(c: ConsumerObject): string {
  return `${c.kind}/${c.namespace}/${c.name}`;
}

export function consumerField(consumer: ConsumerObject | undefined): { consumer?: string } {
  return consumer === undefined ? {} : { consumer: consumerRef(consumer) };
}

export function artifactTargets(desired: readonly DesiredObject[]): Target[] {
  return desired.map((d) => ({ desired: d, namespace: d.namespace ?? 'default', consumer: undefined }));
}

export function refOf(target: Target): string {
  return objectRef({ kind: target.desired.kind, namespace: target.namespace, name: target.desired.name });
}
