// The runner and the reconciler around the steps: the order, and the one status write at the end
// whichever step ended the reconcile, only when the status changed.
import { describe, expect, it } from 'vitest';
import { UpstreamUnavailableError } from '../../../src/confighub/index.ts';
import { Reconciler } from '../../../src/controller/reconciler.ts';
import { SOURCE_STEPS } from '../../../src/controller/steps/index.ts';
import { NEXT, runSteps, type Step, stop } from '../../../src/controller/steps/runner.ts';
import { KubeApiError } from '../../../src/kube/errors.ts';
import { resources } from '../../../src/kube/resources.ts';
import {
  artifact,
  conditionsOf,
  fakeClient,
  fakes,
  fakeUpstream,
  falseCondition,
  listing,
  NAME,
  NAMESPACE,
  NOW,
  PATH,
  repository,
  spec,
  stored,
  trueCondition,
  UID,
} from './fakes.ts';

describe('runSteps', () => {
  const trail: string[] = [];
  const step = (name: Step<unknown>['name'], result = NEXT, error?: Error): Step<unknown> => ({
    name,
    run: async () => {
      trail.push(name);
      if (error) throw error;
      return result;
    },
  });

  it.each([
    {
      name: 'runs every step in order',
      steps: [step('validateSpec'), step('list'), step('build')],
      want: { kind: 'finished' },
      trail: ['validateSpec', 'list', 'build'],
    },
    {
      name: 'a step that stops ends the run with its outcome',
      steps: [
        step('validateSpec'),
        step('skipUntilDue', stop({ kind: 'requeueAfter', ms: 5 })),
        step('list'),
      ],
      want: { kind: 'stopped', outcome: { kind: 'requeueAfter', ms: 5 } },
      trail: ['validateSpec', 'skipUntilDue'],
    },
    {
      name: 'a step that throws ends the run, naming the step',
      steps: [step('validateSpec'), step('list', NEXT, new Error('boom')), step('build')],
      want: { kind: 'failed', step: 'list', error: new Error('boom') },
      trail: ['validateSpec', 'list'],
    },
  ])('$name', async (tt) => {
    trail.length = 0;
    expect(await runSteps(undefined, tt.steps)).toEqual(tt.want);
    expect(trail).toEqual(tt.trail);
  });

  it('the source ladder is in the documented order', () => {
    expect(SOURCE_STEPS.map((s) => s.name)).toEqual([
      'validateSpec',
      'skipUntilDue',
      'validateUrl',
      'verifyStorage',
      'credentials',
      'list',
      'guardEmptySelection',
      'reuse',
      'build',
      'publish',
      'markReady',
      'collectGarbage',
      'scheduleNextPoll',
    ]);
  });
});

describe('Reconciler', () => {
  const fetched = { spaceID: 'space-id', ref: 'head', unitCount: 1, fingerprint: 'fp-1' };
  const token = {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'confighub-token', namespace: NAMESPACE, uid: 'uid-secret', resourceVersion: '1' },
    data: { token: Buffer.from('abc').toString('base64') },
  };

  function setup(options: { listError?: unknown; object?: ReturnType<typeof repository> } = {}) {
    const f = fakes();
    const client = fakeClient({
      listing: listing(),
      ...(options.listError ? { listError: options.listError } : {}),
    });
    const upstream = fakeUpstream(client);
    f.kube.put(resources.secret, token);
    f.kube.put(resources.repository, (options.object ?? repository()) as never);
    const reconciler = new Reconciler({
      kube: f.kube,
      storage: f.storage,
      build: undefined as never,
      upstream,
      events: f.sink,
      metrics: f.metrics,
      logger: f.logger,
      getRepository: (ns, name) => f.kube.find(resources.repository, ns, name) as never,
      getExternalArtifact: f.env.getExternalArtifact,
      options: f.env.options,
      now: () => NOW,
      random: () => 0.5,
    });
    const statusWrites = () =>
      f.kube.calls.filter(
        (c) => c.verb === 'patch' && c.subresource === 'status' && c.resource === 'confighubrepositories',
      );
    const object = () => f.kube.find(resources.repository, NAMESPACE, NAME) as ReturnType<typeof repository>;
    return { f, client, reconciler, statusWrites, object };
  }

  it('an unchanged, intact artifact: no download, Ready, one status write, then none', async () => {
    const { f, client, reconciler, statusWrites, object } = setup({
      object: repository({ status: { artifact: artifact(), fetched } }),
    });
    f.storage.verified.set(PATH, 'ok');

    expect(await reconciler.reconcile(NAMESPACE, NAME)).toEqual({ kind: 'requeueAfter', ms: 600_000 });

    const message = `stored artifact for revision '${artifact().revision}'`;
    expect(conditionsOf(object().status!)).toEqual([
      trueCondition('Ready', 'Succeeded', message),
      trueCondition('ArtifactInStorage', 'Succeeded', message),
    ]);
    expect(object().status?.observedGeneration).toBe(2);
    expect(statusWrites()).toHaveLength(1);
    expect(f.kube.find(resources.externalArtifact, NAMESPACE, NAME)?.['status']).toMatchObject({
      artifact: { path: PATH },
    });
    expect(client.listed).toBe(1);

    // Requested again before the interval: nothing polled, nothing written.
    expect(await reconciler.reconcile(NAMESPACE, NAME)).toEqual({ kind: 'requeueAfter', ms: 600_000 });
    expect(client.listed).toBe(1);
    expect(statusWrites()).toHaveLength(1);
  });

  it('a failing step still gets its status written, once, and the same failure again writes nothing', async () => {
    const { reconciler, statusWrites, object } = setup({
      listError: new UpstreamUnavailableError('GET /api/space: 503'),
    });
    const message = 'failed to fetch from ConfigHub: GET /api/space: 503';

    expect(await reconciler.reconcile(NAMESPACE, NAME)).toEqual({ kind: 'backoff', retryAfterMs: undefined });
    expect(conditionsOf(object().status!)).toEqual([
      falseCondition('Ready', 'UpstreamUnavailable', message),
      trueCondition('Reconciling', 'ProgressingWithRetry', message),
      trueCondition('FetchFailed', 'UpstreamUnavailable', message),
    ]);
    expect(statusWrites()).toHaveLength(1);

    await reconciler.reconcile(NAMESPACE, NAME);
    expect(statusWrites()).toHaveLength(1);
  });

  it('a suspended object gets no status write', async () => {
    const { f, reconciler, statusWrites } = setup({ object: repository({ spec: spec({ suspend: true }) }) });
    expect(await reconciler.reconcile(NAMESPACE, NAME)).toEqual({ kind: 'done' });
    expect(statusWrites()).toEqual([]);
    expect(f.kube.calls.filter((c) => c.verb === 'patch')).toEqual([]);
  });

  it.each([
    {
      name: 'a failed status write is retried with the API server’s Retry-After',
      failStatus: true,
      want: { kind: 'backoff', retryAfterMs: 3000 },
    },
    {
      name: 'a failed finalizer patch likewise, before anything else',
      failStatus: false,
      want: { kind: 'backoff', retryAfterMs: 3000 },
    },
  ])('$name', async (tt) => {
    const object = tt.failStatus ? repository() : repository({ metadata: { finalizers: [] } });
    const { f, client, reconciler } = setup({ object, listError: new UpstreamUnavailableError('503') });
    f.kube.failNext('patch', new KubeApiError(429, 'TooManyRequests', 'slow down', 3000));
    expect(await reconciler.reconcile(NAMESPACE, NAME)).toEqual(tt.want);
    expect(client.listed).toBe(tt.failStatus ? 1 : 0);
    expect(f.lines.at(-1)).toMatchObject({ msg: 'reconcile failed', err: '429 TooManyRequests: slow down' });
  });

  it('an object the informer does not have is done', async () => {
    const { reconciler, f } = setup();
    expect(await reconciler.reconcile(NAMESPACE, 'other')).toEqual({ kind: 'done' });
    expect(f.kube.calls).toEqual([]);
  });

  it('a stalled object is not polled again until it changes', async () => {
    const { reconciler, client, statusWrites, object } = setup({
      object: repository({
        spec: spec({ url: 'http://hub.test' }),
        status: {
          observedGeneration: 2,
          conditions: [stored('Stalled', 'True', 'InvalidURL', 'plain HTTP')],
        },
      }),
    });
    expect(await reconciler.reconcile(NAMESPACE, NAME)).toEqual({ kind: 'done' });
    expect(client.listed).toBe(0);
    expect(statusWrites()).toEqual([]);
    expect(object().metadata.uid).toBe(UID);
  });
});
