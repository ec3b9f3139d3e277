// An artifact without resources is valid for Flux, and a Kustomization with prune: true would then delete
// everything it applied before. An empty selection is far more often a mistake (a filter typo, a wrong
// space, units not yet created) than an intent, so the last artifact stays.
import { ConditionType, Reason } from '../../api/conditions.ts';
import { TransientError } from '../errors.ts';
import type { ReconcileContext } from '../reconcile-context.ts';
import { need } from '../reconcile-context.ts';
import { NEXT, type StepResult } from './runner.ts';

export async function guardEmptySelection(ctx: ReconcileContext): Promise<StepResult> {
  const spec = need(ctx, 'spec');
  const listing = need(ctx, 'listing');
  if (listing.units.length > 0) return NEXT;
  throw new TransientError(
    ConditionType.FetchFailed,
    Reason.NoUnitsSelected,
    `no unit of space '${listing.spaceSlug}' (${listing.refId}) matches the selection` +
      `${spec.where === undefined ? '' : ` (where: ${spec.where})`} and toolchains ${spec.toolchains.join(', ')}: ` +
      'an empty artifact would make Flux prune everything it applied, so ' +
      (ctx.status.artifact === undefined ? 'nothing is published' : 'the last artifact stays published'),
  );
}
