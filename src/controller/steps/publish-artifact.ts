// The ExternalArtifact is written before Ready=True: if it cannot be, the reconcile failed, and neither
// Ready=True nor the new observedGeneration may be recorded.
import type { Artifact } from '../../api/v1beta1.ts';
import { type EaReadiness, reconcileExternalArtifact } from '../external-artifact.ts';
import type { ReconcileContext } from '../reconcile-context.ts';
import { need } from '../reconcile-context.ts';
import { NEXT, type StepResult } from './runner.ts';

export async function publish(ctx: ReconcileContext): Promise<StepResult> {
  const artifact = need(ctx, 'artifact');
  await publishArtifact(ctx, artifact, { ready: true, revision: artifact.revision });
  return NEXT;
}

/**
 * Brings our ExternalArtifact in line with `artifact` (undefined: keep the one it has) and `readiness`.
 * Errors are left to the classification of the step that called it.
 */
export async function publishArtifact(
  ctx: ReconcileContext,
  artifact: Artifact | undefined,
  readiness: EaReadiness,
): Promise<void> {
  const uid = ctx.object.metadata.uid;
  if (uid === undefined) return;
  const { env } = ctx;
  await reconcileExternalArtifact(
    env.kube,
    { name: ctx.name, namespace: ctx.namespace, uid },
    env.getExternalArtifact(ctx.namespace, ctx.name),
    artifact,
    readiness,
    ctx.now,
    env.eaStatuses,
  );
}
