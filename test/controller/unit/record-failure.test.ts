// recordFailure: a classified failure in the working status, the log, the events and our ExternalArtifact.
import { describe, expect, it } from 'vitest';
import { StorageError } from '../../../src/artifact/index.ts';
import { classifyError } from '../../../src/controller/classify.ts';
import { StalledError, TransientError, WaitingError } from '../../../src/controller/errors.ts';
import { desiredObject } from '../../../src/controller/external-artifact.ts';
import { recordFailure } from '../../../src/controller/record-failure.ts';
import { KubeApiError } from '../../../src/kube/errors.ts';
import { resources } from '../../../src/kube/resources.ts';
import {
  artifact,
  conditionsOf,
  fakes,
  falseCondition,
  NAME,
  NAMESPACE,
  reconcileContext,
  repository,
  spec,
  stored,
  trueCondition,
  UID,
} from './fakes.ts';

const INFO = 30;
const ERROR = 50;
const failing = [
  stored('Ready', 'False', 'SecretNotFound', 'not found'),
  stored('Reconciling', 'True', 'ProgressingWithRetry', 'not found'),
  stored('FetchFailed', 'True', 'SecretNotFound', 'not found'),
  stored('ArtifactInStorage', 'True', 'Succeeded', 'stored'),
];
const stalled = [
  stored('Ready', 'False', 'InvalidURL', 'plain HTTP'),
  stored('Stalled', 'True', 'InvalidURL', 'plain HTTP'),
  stored('ArtifactInStorage', 'True', 'Succeeded', 'stored'),
];

/** Our ExternalArtifact as the last good reconcile left it. */
function publishedEa() {
  const desired = desiredObject({ name: NAME, namespace: NAMESPACE, uid: UID });
  return {
    ...desired,
    metadata: { ...desired.metadata, uid: 'uid-ea', generation: 1 },
    status: { artifact: artifact(), conditions: [stored('Ready', 'True', 'Succeeded', 'stored')] },
  };
}

describe('recordFailure', () => {
  const cases = [
    {
      name: 'stalled: the one story, observedGeneration moves, the ExternalArtifact says FetchFailed',
      before: failing,
      error: new StalledError('InvalidURL', 'plain HTTP'),
      step: 'validateUrl' as const,
      wantConditions: [
        falseCondition('Ready', 'InvalidURL', 'plain HTTP'),
        trueCondition('Stalled', 'InvalidURL', 'plain HTTP'),
        trueCondition('ArtifactInStorage', 'Succeeded', 'stored'),
      ],
      wantObservedGeneration: 2,
      wantEvents: ['Warning/InvalidURL: plain HTTP'],
      wantLog: { level: ERROR, msg: 'reconciliation stalled' },
      wantEa: 'FetchFailed',
      wantOutcome: { kind: 'done' },
    },
    {
      name: 'waiting: ConfigHub answered, so fetch failures go; no backoff, nothing on the ExternalArtifact',
      before: failing,
      error: new WaitingError('GatesPending', 'held until the gates pass', 300_000),
      step: 'build' as const,
      wantConditions: [
        falseCondition('Ready', 'GatesPending', 'held until the gates pass'),
        trueCondition('ArtifactInStorage', 'Succeeded', 'stored'),
      ],
      wantObservedGeneration: 1,
      wantEvents: ['Normal/GatesPending: held until the gates pass'],
      wantLog: { level: INFO, msg: 'held until the gates pass' },
      wantEa: undefined,
      wantOutcome: { kind: 'requeueAfter', ms: 300_000 },
    },
    {
      name: 'retry: the failure condition, Reconciling with retry, Stalled gone',
      before: stalled,
      error: new TransientError('FetchFailed', 'SecretNotFound', "Secret 'team-a/s' not found", 30_000),
      step: 'credentials' as const,
      wantConditions: [
        falseCondition('Ready', 'SecretNotFound', "Secret 'team-a/s' not found"),
        trueCondition('Reconciling', 'ProgressingWithRetry', "Secret 'team-a/s' not found"),
        trueCondition('ArtifactInStorage', 'Succeeded', 'stored'),
        trueCondition('FetchFailed', 'SecretNotFound', "Secret 'team-a/s' not found"),
      ],
      wantObservedGeneration: 1,
      wantEvents: ["Warning/SecretNotFound: Secret 'team-a/s' not found"],
      wantLog: { level: ERROR, msg: 'reconciliation failed' },
      wantEa: 'FetchFailed',
      wantOutcome: { kind: 'backoff', retryAfterMs: 30_000 },
    },
    {
      name: 'retry on a storage failure: the ExternalArtifact says StorageOperationFailed',
      before: [],
      error: new StorageError('ArchiveOperationFailed', 'cannot write x: ENOSPC'),
      step: 'build' as const,
      wantConditions: [
        falseCondition('Ready', 'ArchiveOperationFailed', 'failed to store artifact: cannot write x: ENOSPC'),
        trueCondition(
          'Reconciling',
          'ProgressingWithRetry',
          'failed to store artifact: cannot write x: ENOSPC',
        ),
        trueCondition(
          'StorageOperationFailed',
          'ArchiveOperationFailed',
          'failed to store artifact: cannot write x: ENOSPC',
        ),
      ],
      wantObservedGeneration: 1,
      wantEvents: ['Warning/ArchiveOperationFailed: failed to store artifact: cannot write x: ENOSPC'],
      wantLog: { level: ERROR, msg: 'reconciliation failed' },
      wantEa: 'StorageOperationFailed',
      wantOutcome: { kind: 'backoff', retryAfterMs: undefined },
    },
    {
      name: 'retry after a failed ExternalArtifact write: not reported on the ExternalArtifact',
      before: [],
      error: new KubeApiError(500, 'InternalError', 'etcd'),
      step: 'publish' as const,
      wantConditions: [
        falseCondition(
          'Ready',
          'PatchOperationFailed',
          "failed to update ExternalArtifact 'team-a/shop': 500 InternalError: etcd",
        ),
        trueCondition(
          'Reconciling',
          'ProgressingWithRetry',
          "failed to update ExternalArtifact 'team-a/shop': 500 InternalError: etcd",
        ),
      ],
      wantObservedGeneration: 1,
      wantEvents: [
        "Warning/PatchOperationFailed: failed to update ExternalArtifact 'team-a/shop': 500 InternalError: etcd",
      ],
      wantLog: { level: ERROR, msg: 'reconciliation failed' },
      wantEa: undefined,
      wantOutcome: { kind: 'backoff', retryAfterMs: undefined },
    },
  ];
  it.each(cases)('$name', async (tt) => {
    const f = fakes();
    f.kube.put(resources.externalArtifact, publishedEa());
    const object = repository({
      status: { observedGeneration: 1, conditions: tt.before, artifact: artifact() },
    });
    const ctx = reconcileContext(f, object);

    const failure = classifyError(tt.error, { step: tt.step, namespace: NAMESPACE, name: NAME });
    const outcome = await recordFailure(ctx, failure);

    expect(outcome).toEqual(tt.wantOutcome);
    expect(conditionsOf(ctx.status)).toEqual(tt.wantConditions);
    expect(ctx.status.observedGeneration).toBe(tt.wantObservedGeneration);
    expect(ctx.status.artifact).toEqual(artifact());
    expect(f.sink.onRepository()).toEqual(tt.wantEvents);
    expect(f.lines).toEqual([expect.objectContaining(tt.wantLog)]);
    const ea = f.kube.find(resources.externalArtifact, NAMESPACE, NAME);
    if (tt.wantEa === undefined) {
      expect(ea).toEqual(publishedEa());
    } else {
      // The last good artifact stays for consumers; Ready says why it is not fresh.
      expect(ea?.['status']).toMatchObject({
        artifact: artifact(),
        conditions: [{ type: 'Ready', status: 'False', reason: tt.wantEa, message: failure.message }],
      });
    }
  });

  it('an unexpected error is also logged as such', async () => {
    const f = fakes();
    const ctx = reconcileContext(f, repository());
    await recordFailure(
      ctx,
      classifyError(new TypeError('x is undefined'), { step: 'list', namespace: NAMESPACE, name: NAME }),
    );
    expect(f.lines.map((l) => [l.level, l.msg])).toEqual([
      [ERROR, 'unexpected reconcile error'],
      [ERROR, 'reconciliation failed'],
    ]);
  });

  it('counts ConfigHub fetch failures by reason', async () => {
    const f = fakes();
    const ctx = reconcileContext(f, repository());
    const failure = classifyError(new TransientError('FetchFailed', 'NoUnitsSelected', 'empty'), {
      step: 'guardEmptySelection',
      namespace: NAMESPACE,
      name: NAME,
    });
    await recordFailure(ctx, failure);
    expect((await f.metrics.fetchErrors.get()).values).toEqual([
      { labels: { reason: 'NoUnitsSelected' }, value: 1 },
    ]);
  });

  it('caps a retry by the interval of even an invalid spec', async () => {
    const f = fakes();
    const ctx = reconcileContext(f, repository({ spec: spec({ interval: '2h', space: '!' }) }));
    const failure = classifyError(
      new TransientError('FetchFailed', 'UpstreamUnavailable', '503', 10 * 3_600_000),
      {
        step: 'list',
        namespace: NAMESPACE,
        name: NAME,
      },
    );
    expect(await recordFailure(ctx, failure)).toEqual({ kind: 'backoff', retryAfterMs: 7_200_000 });
  });

  it('a failure to report on the ExternalArtifact is only logged', async () => {
    const f = fakes();
    f.kube.put(resources.externalArtifact, publishedEa());
    f.kube.failNext('patch', new KubeApiError(500, 'InternalError', 'etcd'));
    const ctx = reconcileContext(f, repository({ status: { artifact: artifact() } }));
    const failure = classifyError(new StalledError('InvalidSpec', 'bad'), {
      step: 'validateSpec',
      namespace: NAMESPACE,
      name: NAME,
    });
    expect(await recordFailure(ctx, failure)).toEqual({ kind: 'done' });
    expect(f.lines.at(-1)).toMatchObject({
      level: ERROR,
      msg: 'unable to report failure on the ExternalArtifact',
      err: "failed to update ExternalArtifact 'team-a/shop': 500 InternalError: etcd",
    });
  });
});
