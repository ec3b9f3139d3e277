// publish, markReady, collectGarbage and scheduleNextPoll: the end of a successful ladder.
import { describe, expect, it } from 'vitest';
import { ExternalArtifactConflictError } from '../../../src/controller/external-artifact.ts';
import type { ReconcileContext } from '../../../src/controller/reconcile-context.ts';
import { collectGarbage } from '../../../src/controller/steps/collect-garbage.ts';
import { markReady } from '../../../src/controller/steps/mark-ready.ts';
import { publish } from '../../../src/controller/steps/publish-artifact.ts';
import { NEXT } from '../../../src/controller/steps/runner.ts';
import { scheduleNextPoll } from '../../../src/controller/steps/schedule-next-poll.ts';
import { KubeApiError } from '../../../src/kube/errors.ts';
import { resources } from '../../../src/kube/resources.ts';
import {
  artifact,
  conditionsOf,
  DIGEST,
  fakeClient,
  fakes,
  listing,
  NAME,
  NAMESPACE,
  NOW,
  PATH,
  reconcileContext,
  repository,
  stored,
  trueCondition,
  UID,
  unit,
} from './fakes.ts';

const REVISION = artifact().revision;

describe('publish', () => {
  it('creates our ExternalArtifact, owned by the object, Ready with the artifact', async () => {
    const f = fakes();
    const ctx = reconcileContext(f, repository(), { artifact: artifact() });
    expect(await publish(ctx)).toEqual(NEXT);
    const ea = f.kube.find(resources.externalArtifact, NAMESPACE, NAME)!;
    expect(ea.metadata.ownerReferences).toEqual([expect.objectContaining({ uid: UID, controller: true })]);
    expect(ea['status']).toEqual({
      artifact: artifact(),
      conditions: [
        {
          type: 'Ready',
          status: 'True',
          reason: 'Succeeded',
          message: `stored artifact for revision '${REVISION}'`,
          observedGeneration: 1,
          lastTransitionTime: '2026-05-01T10:00:00Z',
        },
      ],
    });
  });

  it('writes nothing for an object without a uid', async () => {
    const f = fakes();
    const object = repository();
    delete object.metadata.uid;
    await publish(reconcileContext(f, object, { artifact: artifact() }));
    expect(f.kube.calls).toEqual([]);
  });

  it.each([
    {
      name: 'an ExternalArtifact of our name owned by something else is left alone',
      setup: (f: ReturnType<typeof fakes>) =>
        f.kube.put(resources.externalArtifact, {
          metadata: {
            name: NAME,
            namespace: NAMESPACE,
            ownerReferences: [
              { apiVersion: 'x/v1', kind: 'Other', name: 'o', uid: 'other', controller: true },
            ],
          },
        }),
      want: ExternalArtifactConflictError,
    },
    {
      name: 'an API failure is the step failure',
      setup: (f: ReturnType<typeof fakes>) =>
        f.kube.failNext('patch', new KubeApiError(500, 'InternalError', 'no')),
      want: KubeApiError,
    },
  ])('$name', async (tt) => {
    const f = fakes();
    tt.setup(f);
    await expect(publish(reconcileContext(f, repository(), { artifact: artifact() }))).rejects.toBeInstanceOf(
      tt.want,
    );
  });
});

describe('markReady', () => {
  const failing = [
    stored('Ready', 'False', 'UpstreamUnavailable', '503'),
    stored('Reconciling', 'True', 'ProgressingWithRetry', '503'),
    stored('FetchFailed', 'True', 'UpstreamUnavailable', '503'),
    stored('ArtifactOutdated', 'True', 'NewRevision', 'new'),
    stored('StorageOperationFailed', 'True', 'ArchiveOperationFailed', 'disk'),
  ];
  const healthy = [stored('Ready', 'True', 'Succeeded', `stored artifact for revision '${REVISION}'`)];
  const message = `stored artifact for revision '${REVISION}'`;
  const expiring = NOW.getTime() + 3_600_000;
  const tokenWarning =
    `the ConfigHub token in the Secret expires at ${new Date(expiring).toISOString()}: ` +
    'replace it, or use a worker or key credential, which renew themselves';

  const cases = [
    {
      name: 'a new artifact: Ready, every failure condition gone, NewArtifact',
      conditions: failing,
      findings: { previous: undefined, published: true },
      expiresAt: undefined,
      wantMessage: message,
      wantEvents: [
        `Normal/NewArtifact: stored artifact with 1 units from space 'shop-prod', revision '${REVISION}'`,
      ],
    },
    {
      name: 'recovered with the same artifact: Succeeded',
      conditions: failing,
      findings: { previous: artifact(), published: false },
      expiresAt: undefined,
      wantMessage: message,
      wantEvents: [`Normal/Succeeded: ${message}`],
    },
    {
      name: 'nothing new and nothing to recover from: no event',
      conditions: healthy,
      findings: { previous: artifact(), published: false },
      expiresAt: undefined,
      wantMessage: message,
      wantEvents: [],
    },
    {
      name: 'a token near its expiry: said in Ready, and warned once',
      conditions: healthy,
      findings: { previous: artifact(), published: false },
      expiresAt: expiring,
      wantMessage: `${message}; ${tokenWarning}`,
      wantEvents: [`Warning/TokenExpiring: ${tokenWarning}`],
    },
    {
      name: 'a token warning already in Ready is not repeated as an event',
      conditions: [stored('Ready', 'True', 'Succeeded', `${message}; ${tokenWarning}`)],
      findings: { previous: artifact(), published: false },
      expiresAt: expiring,
      wantMessage: `${message}; ${tokenWarning}`,
      wantEvents: [],
    },
  ];
  it.each(cases)('$name', async (tt) => {
    const f = fakes();
    const findings: Partial<ReconcileContext> = {
      ...tt.findings,
      artifact: artifact(),
      listing: listing([unit('web')]),
      intervalMs: 600_000,
      upstream: {
        client: fakeClient(tt.expiresAt === undefined ? {} : { credentialExpiresAt: tt.expiresAt }),
        cache: undefined as never,
      },
    };
    const ctx = reconcileContext(
      f,
      repository({ status: { conditions: tt.conditions, artifact: artifact() } }),
      findings,
    );

    expect(await markReady(ctx)).toEqual(NEXT);

    expect(conditionsOf(ctx.status)).toEqual([
      trueCondition('Ready', 'Succeeded', tt.wantMessage),
      trueCondition('ArtifactInStorage', 'Succeeded', tt.wantMessage),
    ]);
    expect(ctx.status.observedGeneration).toBe(2);
    expect(f.sink.onRepository()).toEqual(tt.wantEvents);
    const size = await f.metrics.artifactSize.get();
    expect(size.values).toEqual([{ labels: { name: NAME, namespace: NAMESPACE }, value: 123 }]);
  });

  it('a new artifact event carries the revision and digest for notification-controller', async () => {
    const f = fakes();
    const ctx = reconcileContext(f, repository(), {
      artifact: artifact(),
      published: true,
      listing: listing(),
      intervalMs: 600_000,
      upstream: { client: fakeClient({}), cache: undefined as never },
    });
    await markReady(ctx);
    expect(f.sink.events[0]?.metadata).toEqual({
      'source.confighub.com/revision': REVISION,
      'source.confighub.com/digest': DIGEST,
    });
  });
});

describe('collectGarbage', () => {
  it.each([
    {
      name: 'keeps the current artifact, deletes the rest quietly',
      result: { deleted: ['old.tar.gz'] },
      wantEvents: [],
    },
    {
      name: 'a failed collection is a Warning, not a failed reconcile',
      result: new Error('EACCES'),
      wantEvents: ['Warning/GarbageCollectionFailed: garbage collection failed: EACCES'],
    },
  ])('$name', async (tt) => {
    const f = fakes();
    f.storage.gcResult = tt.result;
    expect(await collectGarbage(reconcileContext(f, repository(), { artifact: artifact() }))).toEqual(NEXT);
    expect(f.storage.gcCalls).toEqual([{ namespace: NAMESPACE, name: NAME, current: PATH }]);
    expect(f.sink.onRepository()).toEqual(tt.wantEvents);
  });
});

describe('scheduleNextPoll', () => {
  it.each([
    { name: 'the low end of the 5% jitter', random: 0, intervalMs: 600_000, want: 570_000 },
    { name: 'no jitter', random: 0.5, intervalMs: 600_000, want: 600_000 },
    { name: 'the high end of the 5% jitter', random: 1, intervalMs: 600_000, want: 630_000 },
    { name: 'never below a second', random: 0, intervalMs: 500, want: 1000 },
  ])('$name', async (tt) => {
    const f = fakes({ random: () => tt.random });
    const ctx = reconcileContext(
      f,
      repository({
        status: {
          observedGeneration: 2,
          artifact: artifact(),
          conditions: [stored('Ready', 'True', 'Succeeded', 'ok')],
        },
      }),
      {
        intervalMs: tt.intervalMs,
      },
    );
    expect(await scheduleNextPoll(ctx)).toEqual({
      kind: 'stop',
      outcome: { kind: 'requeueAfter', ms: tt.want },
    });
    expect(ctx.polled).toBe(true);
    expect(f.env.schedule.notDueFor(ctx)).toBe(tt.want);
  });
});
