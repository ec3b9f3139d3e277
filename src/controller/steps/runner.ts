// Runs a reconcile as an ordered list of steps, after source-controller's sub-reconcilers: each step
// either hands over to the next or ends the reconcile with an outcome; the first one that throws ends
// it too, and the caller learns which step that was (errors are classified in ../classify.ts).
import type { ReconcileOutcome } from '../reconcile-context.ts';

export type StepName =
  | 'finalize'
  | 'addFinalizer'
  | 'suspend'
  | 'validateSpec'
  | 'skipUntilDue'
  | 'validateUrl'
  | 'verifyStorage'
  | 'credentials'
  | 'list'
  | 'guardEmptySelection'
  | 'reuse'
  | 'build'
  | 'publish'
  | 'markReady'
  | 'collectGarbage'
  | 'scheduleNextPoll';

export type StepResult = { kind: 'next' } | { kind: 'stop'; outcome: ReconcileOutcome };

export interface Step<C> {
  readonly name: StepName;
  readonly run: (ctx: C) => Promise<StepResult>;
}

export const NEXT: StepResult = { kind: 'next' };

export function stop(outcome: ReconcileOutcome): StepResult {
  return { kind: 'stop', outcome };
}

export type RunResult =
  /** A step ended the reconcile. */
  | { kind: 'stopped'; outcome: ReconcileOutcome }
  /** Every step handed over to the next. */
  | { kind: 'finished' }
  | { kind: 'failed'; step: StepName; error: unknown };

export async function runSteps<C>(ctx: C, steps: readonly Step<C>[]): Promise<RunResult> {
  for (const step of steps) {
    let result: StepResult;
    try {
      result = await step.run(ctx);
    } catch (error) {
      return { kind: 'failed', step: step.name, error };
    }
    if (result.kind === 'stop') return { kind: 'stopped', outcome: result.outcome };
  }
  return { kind: 'finished' };
}
