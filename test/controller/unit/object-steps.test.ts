// The object steps: finalize on deletion, add the finalizer, honour spec.suspend.
import { describe, expect, it } from 'vitest';
import { addFinalizer } from '../../../src/controller/steps/add-finalizer.ts';
import { finalize } from '../../../src/controller/steps/finalize.ts';
import { NEXT } from '../../../src/controller/steps/runner.ts';
import { suspend } from '../../../src/controller/steps/suspend.ts';
import { KubeApiError } from '../../../src/kube/errors.ts';
import { resources } from '../../../src/kube/resources.ts';
import { fakes, NAME, NAMESPACE, objectContext, repository, spec, UID } from './fakes.ts';

const FINALIZER = 'source.confighub.com/finalizer';
const deleting = { deletionTimestamp: '2026-05-01T09:00:00Z' };

function ea(ownerUid: string) {
  return {
    apiVersion: 'source.toolkit.fluxcd.io/v1',
    kind: 'ExternalArtifact',
    metadata: { name: NAME, namespace: NAMESPACE, uid: 'uid-ea', ownerReferences: [{ uid: ownerUid }] },
  } as never;
}

describe('finalize', () => {
  const cases = [
    {
      name: 'an object not being deleted goes on',
      metadata: {},
      ea: undefined,
      want: NEXT,
      wantCleanup: false,
      wantEaDeleted: false,
      wantFinalizers: [FINALIZER],
    },
    {
      name: 'a deleted object without our finalizer is left alone',
      metadata: { ...deleting, finalizers: ['other/finalizer'] },
      ea: undefined,
      want: { kind: 'stop', outcome: { kind: 'done' } },
      wantCleanup: false,
      wantEaDeleted: false,
      wantFinalizers: ['other/finalizer'],
    },
    {
      name: 'a deleted object loses its storage, its ExternalArtifact and then the finalizer',
      metadata: { ...deleting, finalizers: ['other/finalizer', FINALIZER] },
      ea: ea(UID),
      want: { kind: 'stop', outcome: { kind: 'done' } },
      wantCleanup: true,
      wantEaDeleted: true,
      wantFinalizers: ['other/finalizer'],
    },
    {
      name: 'an ExternalArtifact owned by another object is not deleted',
      metadata: { ...deleting, finalizers: [FINALIZER] },
      ea: ea('uid-someone-else'),
      want: { kind: 'stop', outcome: { kind: 'done' } },
      wantCleanup: true,
      wantEaDeleted: false,
      wantFinalizers: [],
    },
  ];
  it.each(cases)('$name', async (tt) => {
    const f = fakes();
    const object = repository({ metadata: tt.metadata });
    f.kube.put(resources.repository, object as never);
    if (tt.ea !== undefined) f.kube.put(resources.externalArtifact, tt.ea);

    const result = await finalize(objectContext(f, object));

    expect(result).toEqual(tt.want);
    expect(f.storage.removedDirs).toEqual(tt.wantCleanup ? [`${NAMESPACE}/${NAME}`] : []);
    expect(f.upstream.forgotten).toEqual(tt.wantCleanup ? [`${NAMESPACE}/${NAME}`] : []);
    expect(f.forgotten).toEqual(tt.wantCleanup ? [`${NAMESPACE}/${NAME}`] : []);
    expect(f.kube.calls.filter((c) => c.verb === 'delete').length).toBe(tt.wantEaDeleted ? 1 : 0);
    expect(f.kube.find(resources.repository, NAMESPACE, NAME)?.metadata.finalizers).toEqual(
      tt.wantFinalizers,
    );
  });

  it('an ExternalArtifact already gone is fine; other API errors fail the step', async () => {
    const gone = fakes();
    const object = repository({ metadata: { ...deleting, finalizers: [FINALIZER] } });
    gone.kube.put(resources.repository, object as never);
    gone.kube.put(resources.externalArtifact, ea(UID));
    gone.kube.failNext('delete', new KubeApiError(404, 'NotFound', 'gone'));
    await expect(finalize(objectContext(gone, object))).resolves.toEqual({
      kind: 'stop',
      outcome: { kind: 'done' },
    });

    const failing = fakes();
    failing.kube.put(resources.repository, object as never);
    failing.kube.put(resources.externalArtifact, ea(UID));
    failing.kube.failNext('delete', new KubeApiError(500, 'InternalError', 'etcd is down'));
    await expect(finalize(objectContext(failing, object))).rejects.toThrow('etcd is down');
    // The finalizer stays until the clean-up succeeds.
    expect(failing.kube.find(resources.repository, NAMESPACE, NAME)?.metadata.finalizers).toEqual([
      FINALIZER,
    ]);
  });
});

describe('addFinalizer', () => {
  it.each([
    {
      name: 'adds ours after the others, with the resourceVersion as precondition',
      finalizers: ['other/x'],
      patched: true,
    },
    { name: 'writes nothing when it is there', finalizers: [FINALIZER], patched: false },
  ])('$name', async (tt) => {
    const f = fakes();
    const object = repository({ metadata: { finalizers: tt.finalizers } });
    f.kube.put(resources.repository, object as never);
    const ctx = objectContext(f, object);

    expect(await addFinalizer(ctx)).toEqual(NEXT);

    const patches = f.kube.calls.filter((c) => c.verb === 'patch');
    expect(patches).toEqual(
      tt.patched
        ? [
            expect.objectContaining({
              patchType: 'merge',
              body: { metadata: { finalizers: ['other/x', FINALIZER], resourceVersion: '7' } },
            }),
          ]
        : [],
    );
    // The context goes on with the API server's answer.
    expect(ctx.object.metadata.finalizers).toContain(FINALIZER);
    expect(ctx.object.metadata.resourceVersion).toBe(tt.patched ? '101' : '7');
  });
});

describe('suspend', () => {
  it.each([
    {
      name: 'suspended: stop, gauge 1',
      spec: spec({ suspend: true }),
      want: { kind: 'stop', outcome: { kind: 'done' } },
      gauge: 1,
    },
    { name: 'not suspended: go on, gauge 0', spec: spec({ suspend: false }), want: NEXT, gauge: 0 },
    { name: 'absent: go on, gauge 0', spec: spec(), want: NEXT, gauge: 0 },
    {
      name: 'an invalid spec is not suspended (it is reported)',
      spec: spec({ suspend: true, interval: 'often' }),
      want: NEXT,
      gauge: 0,
    },
  ])('$name', async (tt) => {
    const f = fakes();
    expect(await suspend(objectContext(f, repository({ spec: tt.spec })))).toEqual(tt.want);
    const gauge = await f.metrics.suspendStatus.get();
    expect(gauge.values).toEqual([
      { labels: { kind: 'ConfigHubRepository', name: NAME, namespace: NAMESPACE }, value: tt.gauge },
    ]);
  });
});
