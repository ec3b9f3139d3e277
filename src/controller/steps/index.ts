// The reconcile of one ConfigHubRepository, in order, after fluxcd/source-watcher and source-controller.
// The object steps run first and write no status; the source steps fill in a working status that the
// reconciler summarizes and writes once at the end, whichever step ended the reconcile.
import type { ObjectContext, ReconcileContext } from '../reconcile-context.ts';
import { addFinalizer } from './add-finalizer.ts';
import { buildArtifact } from './build-artifact.ts';
import { collectGarbage } from './collect-garbage.ts';
import { finalize } from './finalize.ts';
import { guardEmptySelection } from './guard-empty-selection.ts';
import { listUnits } from './list-units.ts';
import { markReady } from './mark-ready.ts';
import { publish } from './publish-artifact.ts';
import { resolveCredentials } from './resolve-credentials.ts';
import { reuseArtifact } from './reuse-artifact.ts';
import type { Step } from './runner.ts';
import { scheduleNextPoll } from './schedule-next-poll.ts';
import { skipUntilDue } from './skip-until-due.ts';
import { suspend } from './suspend.ts';
import { validateSpec } from './validate-spec.ts';
import { validateUrl } from './validate-url.ts';
import { verifyStorage } from './verify-storage.ts';

export const OBJECT_STEPS: readonly Step<ObjectContext>[] = [
  /** Deleted: clean up and release the finalizer. */
  { name: 'finalize', run: finalize },
  { name: 'addFinalizer', run: addFinalizer },
  { name: 'suspend', run: suspend },
];

export const SOURCE_STEPS: readonly Step<ReconcileContext>[] = [
  { name: 'validateSpec', run: validateSpec },
  /** Between polls: refresh the ExternalArtifact only. */
  { name: 'skipUntilDue', run: skipUntilDue },
  { name: 'validateUrl', run: validateUrl },
  { name: 'verifyStorage', run: verifyStorage },
  { name: 'credentials', run: resolveCredentials },
  /** The cheap poll. */
  { name: 'list', run: listUnits },
  { name: 'guardEmptySelection', run: guardEmptySelection },
  /** Unchanged: keep the artifact; otherwise build a new one. */
  { name: 'reuse', run: reuseArtifact },
  { name: 'build', run: buildArtifact },
  { name: 'publish', run: publish },
  { name: 'markReady', run: markReady },
  { name: 'collectGarbage', run: collectGarbage },
  { name: 'scheduleNextPoll', run: scheduleNextPoll },
];
