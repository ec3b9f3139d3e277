// Storage first, as source-controller does: what is (not) on disk is reported even when the upstream or
// the credentials fail below, so status never claims a file this replica lacks.
import { ConditionType, Reason } from '../../api/conditions.ts';
import type { Artifact } from '../../api/v1beta1.ts';
import { DigestError, StorageError, type VerifyResult } from '../../artifact/index.ts';
import type { ArtifactStorage, ReconcileContext } from '../reconcile-context.ts';
import { unmark } from '../reconcile-context.ts';
import { NEXT, type StepResult } from './runner.ts';

export async function verifyStorage(ctx: ReconcileContext): Promise<StepResult> {
  const previous = ctx.status.artifact;
  const stored = previous === undefined ? 'missing' : await verifyStored(ctx.env.storage, previous);
  ctx.previous = previous;
  ctx.stored = stored;
  if (previous !== undefined && stored === 'mismatch') {
    ctx.log.info({ path: previous.path }, 'stored artifact does not match its digest, rebuilding');
    unmark(ctx, ConditionType.ArtifactInStorage);
    await ctx.env.events.emit(
      ctx,
      'Warning',
      Reason.ArtifactVerificationFailed,
      `stored artifact '${previous.path}' does not match digest '${previous.digest}': rebuilding`,
    );
  } else if (previous !== undefined && stored === 'missing') {
    ctx.log.info({ path: previous.path }, 'building artifact: disappeared from storage');
    unmark(ctx, ConditionType.ArtifactInStorage);
  }
  return NEXT;
}

/**
 * Checks the stored file against the recorded artifact. A recorded path or digest this storage would
 * never have written (edited by hand, from another version) cannot be verified: it is rebuilt.
 */
async function verifyStored(storage: ArtifactStorage, artifact: Artifact): Promise<VerifyResult> {
  try {
    return await storage.verify(artifact.path, artifact.digest);
  } catch (error) {
    if (error instanceof DigestError || (error instanceof StorageError && error.reason === 'InvalidPath')) {
      return 'mismatch';
    }
    throw error;
  }
}
