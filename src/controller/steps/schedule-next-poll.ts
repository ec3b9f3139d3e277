// The upstream was polled: the next poll is due after the jittered interval.
import type { ReconcileContext } from '../reconcile-context.ts';
import { jitter, need } from '../reconcile-context.ts';
import { type StepResult, stop } from './runner.ts';

export async function scheduleNextPoll(ctx: ReconcileContext): Promise<StepResult> {
  const ms = jitter(ctx.env, need(ctx, 'intervalMs'));
  ctx.polled = true;
  ctx.env.schedule.polled(ctx.key, ms);
  return stop({ kind: 'requeueAfter', ms });
}
