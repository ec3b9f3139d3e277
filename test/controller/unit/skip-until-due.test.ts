// skipUntilDue and the poll schedule: between polls only the ExternalArtifact is refreshed.
import { describe, expect, it } from 'vitest';
import { PollSchedule } from '../../../src/controller/poll-schedule.ts';
import { NEXT } from '../../../src/controller/steps/runner.ts';
import { skipUntilDue } from '../../../src/controller/steps/skip-until-due.ts';
import { resources } from '../../../src/kube/resources.ts';
import { artifact, fakes, NAME, NAMESPACE, NOW, reconcileContext, repository, stored } from './fakes.ts';

const KEY = `${NAMESPACE}/${NAME}`;
const ready = stored('Ready', 'True', 'Succeeded', 'stored artifact');
const healthy = { observedGeneration: 2, conditions: [ready], artifact: artifact() };

describe('skipUntilDue', () => {
  const cases = [
    {
      name: 'due: this process never polled the object',
      status: healthy,
      polledMsAgo: undefined,
      want: NEXT,
    },
    {
      name: 'not due: the ExternalArtifact is refreshed, the poll waits for the rest of the interval',
      status: healthy,
      polledMsAgo: 60_000,
      want: { kind: 'stop', outcome: { kind: 'requeueAfter', ms: 540_000 } },
    },
    { name: 'due: the interval has passed', status: healthy, polledMsAgo: 600_000, want: NEXT },
    {
      name: 'due: a new generation',
      status: { ...healthy, observedGeneration: 1 },
      polledMsAgo: 60_000,
      want: NEXT,
    },
    {
      name: 'due: a reconcile request not handled yet',
      status: healthy,
      annotations: { 'reconcile.fluxcd.io/requestedAt': 'now' },
      polledMsAgo: 60_000,
      want: NEXT,
    },
    {
      name: 'not due: a handled reconcile request',
      status: { ...healthy, lastHandledReconcileAt: 'now' },
      annotations: { 'reconcile.fluxcd.io/requestedAt': 'now' },
      polledMsAgo: 60_000,
      want: { kind: 'stop', outcome: { kind: 'requeueAfter', ms: 540_000 } },
    },
    {
      name: 'due: the last reconcile failed',
      status: { ...healthy, conditions: [stored('Ready', 'False', 'UpstreamUnavailable', '503')] },
      polledMsAgo: 60_000,
      want: NEXT,
    },
    {
      name: 'never: Stalled waits for a change to the object',
      status: { ...healthy, conditions: [stored('Stalled', 'True', 'InvalidURL', 'plain HTTP')] },
      polledMsAgo: undefined,
      want: { kind: 'stop', outcome: { kind: 'done' } },
    },
  ];
  it.each(cases)('$name', async (tt) => {
    let clock = NOW.getTime();
    const now = () => new Date(clock);
    const f = fakes({ now, schedule: new PollSchedule(now) });
    if (tt.polledMsAgo !== undefined) {
      f.env.schedule.polled(KEY, 600_000);
      clock += tt.polledMsAgo;
    }
    const object = repository({ status: tt.status, metadata: { annotations: tt.annotations ?? {} } });
    const ctx = reconcileContext(f, object);

    expect(await skipUntilDue(ctx)).toEqual(tt.want);

    const refreshed = tt.want.kind === 'stop' && tt.want.outcome.kind === 'requeueAfter';
    const ea = f.kube.find(resources.externalArtifact, NAMESPACE, NAME);
    expect(ea === undefined).toBe(!refreshed);
    if (refreshed) {
      expect(ea?.['status']).toMatchObject({
        artifact: artifact(),
        conditions: [{ type: 'Ready', status: 'True', reason: 'Succeeded' }],
      });
    }
    // Nothing here touches the working status.
    expect(ctx.status.conditions).toEqual(tt.status.conditions);
  });

  it('forgetting an object makes its next poll due at once', () => {
    const schedule = new PollSchedule(() => NOW);
    schedule.polled(KEY, 600_000);
    const state = { key: KEY, object: repository(), generation: 2, status: healthy, previousReady: 'True' };
    expect(schedule.notDueFor(state)).toBe(600_000);
    schedule.forget(KEY);
    expect(schedule.notDueFor(state)).toBe(0);
  });
});
