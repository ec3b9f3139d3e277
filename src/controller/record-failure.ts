// A classified failure, written into the working status the way Flux reports it, logged, announced as an
// event, and told to consumers through our ExternalArtifact (which keeps serving its last good artifact).
import { ConditionType, Reason } from '../api/conditions.ts';
import { parseDuration } from '../api/duration.ts';
import { classifyError, type Failure, requeueFor } from './classify.ts';
import type { ReconcileContext, ReconcileOutcome } from './reconcile-context.ts';
import { mark, unmark } from './reconcile-context.ts';
import { publishArtifact } from './steps/publish-artifact.ts';

export async function recordFailure(ctx: ReconcileContext, failure: Failure): Promise<ReconcileOutcome> {
  const { reason, message } = failure;
  const log = ctx.log[failure.logLevel].bind(ctx.log);
  if (failure.unexpected) ctx.log.error({ err: message }, 'unexpected reconcile error');
  switch (failure.disposition) {
    case 'stalled':
      // Stalled is the one story now: an earlier failure (e.g. SecretNotFound) no longer describes it.
      unmark(ctx, ConditionType.Reconciling, ConditionType.FetchFailed);
      mark(ctx, ConditionType.Stalled, 'True', reason, message);
      mark(ctx, ConditionType.Ready, 'False', reason, message);
      ctx.status.observedGeneration = ctx.generation;
      log({ reason, err: message }, 'reconciliation stalled');
      await ctx.env.events.emit(ctx, failure.event, reason, message);
      await reportOnExternalArtifact(ctx, failure);
      break;
    case 'waiting':
      // Waiting means ConfigHub answered: an earlier fetch failure no longer describes the object.
      unmark(ctx, ConditionType.FetchFailed, ConditionType.Reconciling, ConditionType.Stalled);
      mark(ctx, ConditionType.Ready, 'False', reason, message);
      log({ reason, retryInMs: failure.requeueAfterMs }, message);
      await ctx.env.events.emit(ctx, failure.event, reason, message);
      break;
    case 'retry':
      unmark(ctx, ConditionType.Stalled);
      if (failure.condition !== undefined) mark(ctx, failure.condition, 'True', reason, message);
      mark(ctx, ConditionType.Reconciling, 'True', Reason.ProgressingWithRetry, message);
      mark(ctx, ConditionType.Ready, 'False', reason, message);
      log({ reason, err: message }, 'reconciliation failed');
      await ctx.env.events.emit(ctx, failure.event, reason, message);
      if (failure.condition === ConditionType.FetchFailed) ctx.env.metrics.fetchErrors.inc({ reason });
      await reportOnExternalArtifact(ctx, failure);
      break;
  }
  return requeueFor(failure, {
    maxRetryDelayMs: ctx.env.options.maxRetryDelayMs,
    intervalMs: intervalOf(ctx),
  });
}

/**
 * The EA keeps its last good artifact (consumers go on using it) and says why it is not fresh, in the
 * producer contract's terms: a storage problem is StorageOperationFailed, anything that keeps us from
 * fetching (upstream, credentials, spec) is FetchFailed. Failures to write the EA itself are not reported
 * on it.
 */
async function reportOnExternalArtifact(ctx: ReconcileContext, failure: Failure): Promise<void> {
  if (ctx.status.artifact === undefined) return;
  if (failure.reason === Reason.PatchOperationFailed || failure.reason === Reason.ExternalArtifactConflict)
    return;
  const reason =
    failure.disposition === 'retry' && failure.condition === ConditionType.StorageOperationFailed
      ? Reason.StorageOperationFailed
      : Reason.FetchFailed;
  try {
    await publishArtifact(ctx, undefined, { ready: false, reason, message: failure.message });
  } catch (error) {
    const described = classifyError(error, { step: 'publish', namespace: ctx.namespace, name: ctx.name });
    ctx.log.error({ err: described.message }, 'unable to report failure on the ExternalArtifact');
  }
}

/** The interval of the spec as written, even an invalid spec's: 0 when there is none. */
function intervalOf(ctx: ReconcileContext): number {
  if (ctx.intervalMs !== undefined) return ctx.intervalMs;
  const spec = ctx.object.spec as { interval?: unknown } | undefined;
  return typeof spec?.interval === 'string' ? (parseDuration(spec.interval) ?? 0) : 0;
}
