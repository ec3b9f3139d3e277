// The ExternalArtifact we publish for each ConfigHubRepository: same name and namespace, sourceRef
// and a controller ownerReference back to it (garbage collection), written with server-side apply
// under our field manager, object and status separately, and only when something differs.
import { Reason } from '../api/conditions.ts';
import {
  API_VERSION,
  CONTROLLER_NAME,
  EA_API_VERSION,
  EA_KIND,
  FIELD_MANAGER,
  KIND,
  LABEL_MANAGED_BY,
  LABEL_REPOSITORY_NAME,
  LABEL_REPOSITORY_NAMESPACE,
} from '../api/constants.ts';
import type { Artifact, Condition } from '../api/v1beta1.ts';
import type { KubeClient, KubeObject } from '../kube/client.ts';
import { resources } from '../kube/resources.ts';
import { sameConditions, setCondition } from './conditions.ts';

export type ExternalArtifactObject = KubeObject & {
  spec?: { sourceRef?: Record<string, string> };
  status?: { artifact?: Artifact; conditions?: Condition[] };
};

export interface Owner {
  name: string;
  namespace: string;
  uid: string;
}

export function desiredObject(owner: Owner) {
  return {
    apiVersion: EA_API_VERSION,
    kind: EA_KIND,
    metadata: {
      name: owner.name,
      namespace: owner.namespace,
      labels: {
        [LABEL_MANAGED_BY]: CONTROLLER_NAME,
        [LABEL_REPOSITORY_NAME]: owner.name,
        [LABEL_REPOSITORY_NAMESPACE]: owner.namespace,
      },
      ownerReferences: [
        {
          apiVersion: API_VERSION,
          kind: KIND,
          name: owner.name,
          uid: owner.uid,
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    },
    spec: {
      sourceRef: { apiVersion: API_VERSION, kind: KIND, name: owner.name, namespace: owner.namespace },
    },
  };
}

/** Ready condition of the EA per the ExternalArtifact producer contract. */
export type EaReadiness =
  | { ready: true; revision: string }
  | {
      ready: false;
      reason: typeof Reason.FetchFailed | typeof Reason.StorageOperationFailed;
      message: string;
    };

function objectMatches(current: ExternalArtifactObject, desired: ReturnType<typeof desiredObject>): boolean {
  const labels = current.metadata.labels ?? {};
  const labelsOk = Object.entries(desired.metadata.labels).every(([k, v]) => labels[k] === v);
  const ownerOk = (current.metadata.ownerReferences ?? []).some(
    (ref) => ref.uid === desired.metadata.ownerReferences[0]!.uid && ref.controller === true,
  );
  return (
    labelsOk && ownerOk && JSON.stringify(current.spec?.sourceRef) === JSON.stringify(desired.spec.sourceRef)
  );
}

/**
 * Brings the EA in line with the artifact and readiness. `current` is the informer's copy (undefined when
 * absent). With no artifact yet, an absent EA is not created: consumers would only see "artifact not found".
 * Returns true when anything was written.
 */
export async function reconcileExternalArtifact(
  kube: KubeClient,
  owner: Owner,
  current: ExternalArtifactObject | undefined,
  artifact: Artifact | undefined,
  readiness: EaReadiness,
  now: string,
): Promise<boolean> {
  if (current === undefined && artifact === undefined) return false;
  if (current !== undefined && current.metadata.deletionTimestamp !== undefined) return false;
  const desired = desiredObject(owner);
  let wrote = false;
  let live = current;
  if (live === undefined || !objectMatches(live, desired)) {
    live = await kube.patch<ExternalArtifactObject>(
      resources.externalArtifact,
      owner.namespace,
      owner.name,
      'apply',
      desired,
      { fieldManager: FIELD_MANAGER, force: true },
    );
    wrote = true;
  }
  const generation = live.metadata.generation;
  const previous = live.status?.conditions ?? [];
  const conditions = setCondition(
    previous,
    readiness.ready
      ? {
          type: 'Ready',
          status: 'True',
          reason: Reason.Succeeded,
          message: `stored artifact for revision '${readiness.revision}'`,
        }
      : { type: 'Ready', status: 'False', reason: readiness.reason, message: readiness.message },
    generation,
    now,
  ).filter((c) => c.type === 'Ready');
  // On failure the EA keeps its last good artifact: consumers go on downloading it.
  const nextArtifact = artifact ?? live.status?.artifact;
  const artifactSame = JSON.stringify(nextArtifact) === JSON.stringify(live.status?.artifact);
  if (artifactSame && sameConditions(previous, conditions)) return wrote;
  await kube.patch(
    resources.externalArtifact,
    owner.namespace,
    owner.name,
    'apply',
    {
      apiVersion: EA_API_VERSION,
      kind: EA_KIND,
      metadata: { name: owner.name, namespace: owner.namespace },
      status: { ...(nextArtifact ? { artifact: nextArtifact } : {}), conditions },
    },
    { subresource: 'status', fieldManager: FIELD_MANAGER, force: true },
  );
  return true;
}
