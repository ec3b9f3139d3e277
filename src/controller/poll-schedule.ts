// When each object's next upstream poll is due. Other triggers in between (a consumer changed, our
// ExternalArtifact was edited) only refresh what Flux sees and leave ConfigHub alone.

import { ConditionType, findCondition } from '../api/conditions.ts';
import { ANNOTATION_REQUESTED_AT } from '../api/constants.ts';
import type { ReconcileContext } from './reconcile-context.ts';

type PollState = Pick<ReconcileContext, 'key' | 'object' | 'generation' | 'status' | 'previousReady'>;

export class PollSchedule {
  readonly #next = new Map<string, number>();
  readonly #now: () => Date;

  constructor(now: () => Date) {
    this.#now = now;
  }

  /**
   * Milliseconds until the upstream poll is due, 0 when it is due now, Infinity when only a human can
   * start it again: due at the interval, and at once for a new generation, a reconcile request, a failing
   * object, or one this process has not polled.
   */
  notDueFor(ctx: PollState): number {
    const { status } = ctx;
    const requested = ctx.object.metadata.annotations?.[ANNOTATION_REQUESTED_AT];
    if (status.observedGeneration !== ctx.generation) return 0;
    if (requested !== undefined && requested !== status.lastHandledReconcileAt) return 0;
    // Stalled waits for a human: only a new generation or a reconcile request starts it again.
    if (findCondition(status.conditions, ConditionType.Stalled)?.status === 'True')
      return Number.POSITIVE_INFINITY;
    const next = this.#next.get(ctx.key);
    if (next === undefined) return 0;
    if (ctx.previousReady !== 'True' || status.artifact === undefined) return 0;
    return Math.max(0, next - this.#now().getTime());
  }

  /** The upstream was just polled: the next poll is due in `ms`. */
  polled(key: string, ms: number): void {
    this.#next.set(key, this.#now().getTime() + ms);
  }

  forget(key: string): void {
    this.#next.delete(key);
  }
}
