// Between polls, a trigger (a consumer or our ExternalArtifact changed) puts the ExternalArtifact back if
// it was deleted or edited and lets the delivery report refresh; the upstream is left alone until due.
import type { ReconcileContext } from '../reconcile-context.ts';
import { publishArtifact } from './publish-artifact.ts';
import { NEXT, type StepResult, stop } from './runner.ts';

export async function skipUntilDue(ctx: ReconcileContext): Promise<StepResult> {
  const notDueFor = ctx.env.schedule.notDueFor(ctx);
  if (notDueFor === 0) return NEXT;
  if (notDueFor === Number.POSITIVE_INFINITY) return stop({ kind: 'done' });
  // Not due means the last poll succeeded, so there is an artifact.
  const artifact = ctx.status.artifact!;
  await publishArtifact(ctx, artifact, { ready: true, revision: artifact.revision });
  return stop({ kind: 'requeueAfter', ms: notDueFor });
}
