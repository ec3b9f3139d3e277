// The spec as the CRD should have admitted it; one that is not (stored before a schema change, or
// written around validation) stalls until it is edited.
import { Reason } from '../../api/conditions.ts';
import { parseDuration } from '../../api/duration.ts';
import { describeSpecError, repositorySpecSchema } from '../../api/v1beta1.ts';
import { StalledError } from '../errors.ts';
import type { ReconcileContext } from '../reconcile-context.ts';
import { NEXT, type StepResult } from './runner.ts';

export async function validateSpec(ctx: ReconcileContext): Promise<StepResult> {
  const parsed = repositorySpecSchema.safeParse(ctx.object.spec);
  if (!parsed.success) {
    throw new StalledError(Reason.InvalidSpec, `invalid spec: ${describeSpecError(parsed.error)}`);
  }
  ctx.spec = parsed.data;
  // The schema checked both patterns, so both parse.
  ctx.intervalMs = parseDuration(parsed.data.interval)!;
  ctx.timeoutMs = parseDuration(parsed.data.timeout)!;
  return NEXT;
}
