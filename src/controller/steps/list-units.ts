// The cheap poll: one listing of the selected units, with their revisions and data hashes. Whether
// anything has to be downloaded is decided from it.
import { refSelectorFromSpec } from '../../confighub/index.ts';
import { withDeadline } from '../../util/timers.ts';
import type { ReconcileContext } from '../reconcile-context.ts';
import { need } from '../reconcile-context.ts';
import { timed } from './fetch-timing.ts';
import { NEXT, type StepResult } from './runner.ts';

export async function listUnits(ctx: ReconcileContext): Promise<StepResult> {
  const spec = need(ctx, 'spec');
  const { client } = need(ctx, 'upstream');
  ctx.listing = await timed(ctx.env.metrics, 'list', () =>
    withDeadline(need(ctx, 'timeoutMs'), (signal) =>
      client.list(
        {
          space: spec.space,
          where: spec.where,
          ref: refSelectorFromSpec(spec.ref),
          toolchains: spec.toolchains,
        },
        signal,
      ),
    ),
  );
  return NEXT;
}
