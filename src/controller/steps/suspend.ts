// spec.suspend: nothing is fetched, published or written while it is true (an invalid spec does not
// count as suspended: it is reported). The gotk_suspend_status gauge follows it either way.
import { KIND } from '../../api/constants.ts';
import { repositorySpecSchema } from '../../api/v1beta1.ts';
import type { ObjectContext } from '../reconcile-context.ts';
import { NEXT, type StepResult, stop } from './runner.ts';

export async function suspend(ctx: ObjectContext): Promise<StepResult> {
  const parsed = repositorySpecSchema.safeParse(ctx.object.spec);
  const suspended = parsed.success && parsed.data.suspend === true;
  ctx.env.metrics.suspendStatus.set(
    { kind: KIND, name: ctx.name, namespace: ctx.namespace },
    suspended ? 1 : 0,
  );
  if (!suspended) return NEXT;
  ctx.log.info('reconciliation is suspended for this object');
  return stop({ kind: 'done' });
}
