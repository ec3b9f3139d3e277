// Old artifact files of the object beyond the retention policy go; the current one never does. A failed
// collection is reported but does not fail the reconcile: the artifact is published already.
import { Reason } from '../../api/conditions.ts';
import { describeError } from '../classify.ts';
import type { ReconcileContext } from '../reconcile-context.ts';
import { need } from '../reconcile-context.ts';
import { NEXT, type StepResult } from './runner.ts';

export async function collectGarbage(ctx: ReconcileContext): Promise<StepResult> {
  const current = need(ctx, 'artifact').path;
  try {
    const { deleted } = await ctx.env.storage.gc(ctx.namespace, ctx.name, current);
    if (deleted.length > 0) ctx.log.debug({ deleted }, 'garbage collected old artifacts');
  } catch (error) {
    await ctx.env.events.emit(
      ctx,
      'Warning',
      Reason.GarbageCollectionFailed,
      `garbage collection failed: ${describeError(error)}`,
    );
  }
  return NEXT;
}
