// The ExternalArtifact we publish for each ConfigHubRepository: same name and namespace, sourceRef
// and a controller ownerReference back to it (garbage collection), written with server-side apply
// under our field manager, object and status separately, and only when something differs.
import { Reason, sameConditions, setCondition } from '../api/conditions.ts';
import {
  ANNOTATION_REPOSITORY_NAME,
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
import { repositoryNameLabelValue } from '../api/name-label.ts';
import type { Artifact, Condition } from '../api/v1beta1.ts';
import type { KubeObject, KubeObjectApi } from '../kube/client.ts';
import { isNotFound } from '../kube/errors.ts';
import { resources } from '../kube/resources.ts';
import { sameJson } from '../util/same-json.ts';
import type { EaStatusMemory } from './ea-status-memory.ts';

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
        [LABEL_REPOSITORY_NAME]: repositoryNameLabelValue(owner.name),
        [LABEL_REPOSITORY_NAMESPACE]: owner.namespace,
      },
      annotations: { [ANNOTATION_REPOSITORY_NAME]: owner.name },
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

/** No controller other than this object (our label alone does not make an EA ours). */
function ownedBy(current: ExternalArtifactObject, owner: Owner): boolean {
  return (current.metadata.ownerReferences ?? []).every(
    (ref) => ref.controller !== true || ref.uid === owner.uid,
  );
}

function objectMatches(current: ExternalArtifactObject, desired: ReturnType<typeof desiredObject>): boolean {
  const labels = current.metadata.labels ?? {};
  const labelsOk = Object.entries(desired.metadata.labels).every(([k, v]) => labels[k] === v);
  const annotations = current.metadata.annotations ?? {};
  const annotationsOk = Object.entries(desired.metadata.annotations).every(([k, v]) => annotations[k] === v);
  const ownerOk = (current.metadata.ownerReferences ?? []).some(
    (ref) => ref.uid === desired.metadata.ownerReferences[0]!.uid && ref.controller === true,
  );
  return labelsOk && annotationsOk && ownerOk && sameJson(current.spec?.sourceRef, desired.spec.sourceRef);
}

/** An ExternalArtifact of our name exists but is not ours: taking it over would hijack another source. */
export class ExternalArtifactConflictError extends Error {
  override readonly name = 'ExternalArtifactConflictError';
}

/**
 * Whether an EA that our informer does not show (it only lists what carries our label) may be written:
 * absent, or already pointing at this very object. Anything else belongs to someone else.
 */
async function checkUnclaimed(kube: KubeObjectApi, owner: Owner): Promise<void> {
  let existing: ExternalArtifactObject;
  try {
    existing = await kube.get<ExternalArtifactObject>(
      resources.externalArtifact,
      owner.namespace,
      owner.name,
    );
  } catch (error) {
    if (isNotFound(error)) return;
    throw error;
  }
  const controllers = (existing.metadata.ownerReferences ?? []).filter((ref) => ref.controller === true);
  if (controllers.length === 1 && controllers[0]!.uid === owner.uid) return;
  const holder =
    controllers[0] !== undefined
      ? `${controllers[0].kind} '${controllers[0].name}'`
      : existing.metadata.labels?.[LABEL_MANAGED_BY] !== undefined
        ? `'${existing.metadata.labels[LABEL_MANAGED_BY]}'`
        : 'no controller';
  throw new ExternalArtifactConflictError(
    `ExternalArtifact '${owner.namespace}/${owner.name}' already exists and is managed by ${holder}, ` +
      'not by this ConfigHubRepository: it is left untouched; rename one of them or delete that ExternalArtifact',
  );
}

/**
 * Brings the EA in line with the artifact and readiness. `current` is the informer's copy (undefined when
 * absent). With no artifact yet, an absent EA is not created: consumers would only see "artifact not found".
 * Returns true when anything was written.
 */
export async function reconcileExternalArtifact(
  kube: KubeObjectApi,
  owner: Owner,
  current: ExternalArtifactObject | undefined,
  artifact: Artifact | undefined,
  readiness: EaReadiness,
  now: string,
  memory?: EaStatusMemory,
): Promise<boolean> {
  if (current === undefined && artifact === undefined) return false;
  if (current !== undefined && current.metadata.deletionTimestamp !== undefined) return false;
  const desired = desiredObject(owner);
  let wrote = false;
  let live = current;
  if (live === undefined) await checkUnclaimed(kube, owner);
  else if (!ownedBy(live, owner))
    throw new ExternalArtifactConflictError(
      `ExternalArtifact '${owner.namespace}/${owner.name}' carries our label but belongs to another object: it is left untouched`,
    );
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
  const artifactSame = sameJson(nextArtifact, live.status?.artifact);
  const status = { ...(nextArtifact ? { artifact: nextArtifact } : {}), conditions };
  if (artifactSame && sameConditions(previous, conditions)) {
    memory?.remember(owner.namespace, owner.name, live.status);
    return wrote;
  }
  memory?.remember(owner.namespace, owner.name, status);
  await kube.patch(
    resources.externalArtifact,
    owner.namespace,
    owner.name,
    'apply',
    {
      apiVersion: EA_API_VERSION,
      kind: EA_KIND,
      metadata: { name: owner.name, namespace: owner.namespace },
      status,
    },
    { subresource: 'status', fieldManager: FIELD_MANAGER, force: true },
  );
  return true;
}
