// Success: Ready=True and ArtifactInStorage=True say which revision is served, every failure condition
// goes, observedGeneration moves, and consumers hear of a new artifact (or of the recovery).

import { ConditionType, findCondition, Reason } from '../../api/conditions.ts';
import { EVENT_META_DIGEST, EVENT_META_REVISION } from '../../api/constants.ts';
import { readyNotes } from '../ready-notes.ts';
import type { ReconcileContext } from '../reconcile-context.ts';
import { mark, need, unmark } from '../reconcile-context.ts';
import { NEXT, type StepResult } from './runner.ts';

export async function markReady(ctx: ReconcileContext): Promise<StepResult> {
  const artifact = need(ctx, 'artifact');
  const listing = need(ctx, 'listing');
  const { status, env } = ctx;
  const notes = readyNotes(
    status.fetched,
    need(ctx, 'upstream').client.credentialExpiresAt(),
    env.now().getTime(),
    need(ctx, 'intervalMs'),
  );
  const warned = findCondition(status.conditions, ConditionType.Ready)?.message;
  const message = `stored artifact for revision '${artifact.revision}'${notes.suffix}`;
  if (notes.tokenWarning !== undefined && warned?.includes(notes.tokenWarning) !== true) {
    await env.events.emit(ctx, 'Warning', Reason.TokenExpiring, notes.tokenWarning);
  }
  unmark(
    ctx,
    ConditionType.ArtifactOutdated,
    ConditionType.FetchFailed,
    ConditionType.StorageOperationFailed,
    ConditionType.Stalled,
    ConditionType.Reconciling,
  );
  mark(ctx, ConditionType.ArtifactInStorage, 'True', Reason.Succeeded, message);
  mark(ctx, ConditionType.Ready, 'True', Reason.Succeeded, message);
  status.observedGeneration = ctx.generation;

  const meta = { [EVENT_META_REVISION]: artifact.revision, [EVENT_META_DIGEST]: artifact.digest };
  if (ctx.published === true && ctx.previous?.digest !== artifact.digest) {
    await env.events.emit(
      ctx,
      'Normal',
      Reason.NewArtifact,
      `stored artifact with ${listing.units.length} units from space '${listing.spaceSlug}', revision '${artifact.revision}'`,
      meta,
    );
  } else if (ctx.previousReady === 'False') {
    await env.events.emit(ctx, 'Normal', Reason.Succeeded, message, meta);
  }
  env.metrics.artifactSize.set({ name: ctx.name, namespace: ctx.namespace }, artifact.size ?? 0);
  return NEXT;
}
