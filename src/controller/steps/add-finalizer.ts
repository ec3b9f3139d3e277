// Our finalizer goes on before anything is stored, so deleting the object always cleans up after it.
import { hasFinalizer, addFinalizer as patchFinalizer } from '../finalizer.ts';
import type { ObjectContext } from '../reconcile-context.ts';
import { NEXT, type StepResult } from './runner.ts';

export async function addFinalizer(ctx: ObjectContext): Promise<StepResult> {
  if (!hasFinalizer(ctx.object)) ctx.object = await patchFinalizer(ctx.env.kube, ctx.object);
  return NEXT;
}
