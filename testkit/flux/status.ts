// Kustomization status and events as kustomize-controller writes them (status field manager
// `gotk-kustomize-controller`; event reason = the Ready reason; revision annotations on events).
import { randomBytes } from 'node:crypto';
import { KUSTOMIZE_GROUP } from '../../src/api/constants.ts';
import type { KubeClient, KubeObject } from '../../src/kube/client.ts';
import { resources } from '../../src/kube/resources.ts';

export const STATUS_MANAGER = 'gotk-kustomize-controller';
export const REVISION_ANNOTATION = `${KUSTOMIZE_GROUP}/revision`;
/** kustomize-controller copies the artifact's `org.opencontainers.image.revision` into this annotation. */
export const ORIGIN_REVISION_ANNOTATION = `${KUSTOMIZE_GROUP}/originRevision`;

export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
  observedGeneration?: number;
  lastTransitionTime?: string;
}

/** Keeps lastTransitionTime when a condition's status does not change, as kstatus helpers do. */
export function mergeConditions(
  previous: readonly Condition[],
  next: readonly Condition[],
  now: string,
): Condition[] {
  return next.map((c) => {
    const old = previous.find((p) => p.type === c.type);
    return { ...c, lastTransitionTime: old?.status === c.status ? (old.lastTransitionTime ?? now) : now };
  });
}

export async function writeStatus(
  kube: KubeClient,
  ks: KubeObject,
  status: Record<string, unknown>,
): Promise<void> {
  await kube.patch(
    resources.kustomization,
    ks.metadata.namespace,
    ks.metadata.name,
    'merge',
    { status },
    {
      subresource: 'status',
      fieldManager: STATUS_MANAGER,
    },
  );
}

export async function recordEvent(
  kube: KubeClient,
  ks: KubeObject,
  type: 'Normal' | 'Warning',
  reason: string,
  message: string,
  revision: string | undefined,
  now: string,
  originRevision?: string,
): Promise<void> {
  const namespace = ks.metadata.namespace ?? 'default';
  const annotations = {
    ...(revision !== undefined ? { [REVISION_ANNOTATION]: revision } : {}),
    ...(originRevision !== undefined ? { [ORIGIN_REVISION_ANNOTATION]: originRevision } : {}),
  };
  await kube.create(resources.event, namespace, {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: {
      name: `${ks.metadata.name}.${randomBytes(8).toString('hex')}`,
      namespace,
      ...(Object.keys(annotations).length > 0 ? { annotations } : {}),
    },
    involvedObject: {
      apiVersion: `${KUSTOMIZE_GROUP}/v1`,
      kind: 'Kustomization',
      name: ks.metadata.name,
      namespace,
      uid: ks.metadata.uid,
      resourceVersion: ks.metadata.resourceVersion,
    },
    reason,
    message,
    type,
    source: { component: 'kustomize-controller' },
    reportingComponent: 'kustomize-controller',
    firstTimestamp: now,
    lastTimestamp: now,
    count: 1,
  });
}

export interface Snapshot {
  digest: string;
  firstReconciled: string;
  lastReconciled: string;
  lastReconciledDuration: string;
  lastReconciledStatus: string;
  totalReconciliations: number;
  metadata: Record<string, string>;
}

/** status.history: newest first, one snapshot per digest of the applied manifests, at most 5. */
export function nextHistory(
  previous: readonly Snapshot[],
  entry: { digest: string; revision: string | undefined; now: string; duration: string; status: string },
): Snapshot[] {
  const existing = previous.find((s) => s.digest === entry.digest);
  const snapshot: Snapshot = {
    digest: entry.digest,
    firstReconciled: existing?.firstReconciled ?? entry.now,
    lastReconciled: entry.now,
    lastReconciledDuration: entry.duration,
    lastReconciledStatus: entry.status,
    totalReconciliations: (existing?.totalReconciliations ?? 0) + 1,
    metadata: entry.revision !== undefined ? { revision: entry.revision } : {},
  };
  return [snapshot, ...previous.filter((s) => s.digest !== entry.digest)].slice(0, 5);
}
