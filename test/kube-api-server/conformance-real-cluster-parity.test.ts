// Where the test server and a real cluster must agree for the controller to behave on a cluster as in
// its tests: custom resources come back with sorted keys, label values stop at 63 characters while names
// go to 253, a merge patch only removes what it nulls, merge patches record their field manager, field
// selectors depend on the resource's version, and RBAC refuses with the real 403 (SelfSubjectAccessReview
// too). Runs in-process always and against a cluster with KUBECONFIG and KUBE_CONFORMANCE_REAL=1.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WAIT } from '../support/progress.ts';
import { type Chr, chr, chrPath, GROUP, PLURAL } from './fixtures.ts';
import { describeOnTargets } from './target.ts';

type Json = Record<string, unknown>;

/** Every object's keys are in byte order, at every depth. */
const keysSorted = (value: unknown, path = ''): string[] => {
  if (Array.isArray(value)) return value.flatMap((v, i) => keysSorted(v, `${path}[${i}]`));
  if (value === null || typeof value !== 'object') return [];
  const keys = Object.keys(value);
  const sorted = [...keys].sort();
  const here = keys.join() === sorted.join() ? [] : [`${path || '.'}: ${keys.join(',')}`];
  return [...here, ...keys.flatMap((k) => keysSorted((value as Json)[k], `${path}.${k}`))];
};

describeOnTargets(({ t, ns, fresh, create }) => {
  it('returns custom resources with their keys sorted, whatever order they were written in', async () => {
    const name = fresh('keys');
    // Deliberately unsorted at every level.
    await create({
      metadata: {
        name,
        labels: { zeta: '1', alpha: '2' },
        annotations: { 'z.example/b': 'x', 'a.example/a': 'y' },
      },
      spec: { space: 'demo', secretRef: { name: 'confighub-token' }, interval: '5m' },
      kind: 'ConfigHubRepository',
      apiVersion: `${GROUP}/v1beta1`,
    } as unknown as Chr);
    const status = { status: { url: 'http://x', observedGeneration: 1, artifact: undefined } };
    const written = await t.raw('PATCH', chrPath(ns, name, 'status'), {
      body: status,
      contentType: 'application/merge-patch+json',
    });
    expect(written.status, written.text).toBe(200);
    expect(keysSorted(written.body)).toEqual([]);
    const got = await t.raw('GET', chrPath(ns, name));
    expect(keysSorted(got.body)).toEqual([]);
    const list = await t.raw('GET', chrPath(ns));
    expect(keysSorted(list.body)).toEqual([]);
    const events = await t.watch(
      `${chrPath(ns)}?watch=true&fieldSelector=metadata.name%3D${name}`,
      (e) => e.length > 0,
    );
    expect(keysSorted(events[0]!.object)).toEqual([]);
  });

  it('accepts a 253-character name but refuses a label value over 63 characters', async () => {
    const name = `${'n'.repeat(120)}.${'m'.repeat(132)}`;
    expect(name).toHaveLength(253);
    await create(chr(name));
    const labelled = await t.raw('POST', chrPath(ns), {
      body: chr(fresh('label'), { labels: { 'source.confighub.com/name': name } }),
    });
    expect(labelled.status).toBe(422);
    expect(labelled.body).toMatchObject({ reason: 'Invalid' });
    expect((labelled.body as Json)['message']).toContain('must be no more than 63 characters');
    const tooLong = await t.raw('POST', chrPath(ns), { body: chr(`${name}x`) });
    expect(tooLong.status).toBe(422);
  });

  it('removes a nested status field only when a merge patch nulls it, and records the field manager', async () => {
    const name = fresh('nested');
    await create(chr(name));
    const patch = (body: unknown) =>
      t.raw('PATCH', `${chrPath(ns, name, 'status')}?fieldManager=parity-test`, {
        body: { status: body },
        contentType: 'application/merge-patch+json',
      });
    const drift = (extra: Json) => ({
      mode: 'report',
      source: 'inventory',
      checkedAt: '2026-01-01T00:00:00Z',
      summary: { objects: 1, drifted: 0, missing: 0, excluded: 0, errors: 1, items: 0 },
      items: [],
      ...extra,
    });
    expect((await patch({ drift: drift({ errors: [{ object: 'a', message: 'b' }] }) })).status).toBe(200);
    // Without a null the nested field survives (RFC 7386): the controller must send one.
    const merged = await patch({ drift: drift({}) });
    expect(((merged.body as Chr).status!['drift'] as Json)['errors']).toHaveLength(1);
    const cleared = await patch({ drift: drift({ errors: null }) });
    expect((cleared.body as Chr).status!['drift']).not.toHaveProperty('errors');
    const managers = (cleared.body as Chr).metadata.managedFields ?? [];
    expect(managers).toContainEqual(
      expect.objectContaining({ manager: 'parity-test', operation: 'Update', subresource: 'status' }),
    );
  });

  it('supports the Event field selectors of each API version, and only those', async () => {
    const core = `/api/v1/namespaces/${ns}/events`;
    const v1 = `/apis/events.k8s.io/v1/namespaces/${ns}/events`;
    const select = (path: string, field: string) =>
      t.raw('GET', `${path}?fieldSelector=${encodeURIComponent(`${field}=Kustomization`)}`);
    expect((await select(core, 'involvedObject.kind')).status).toBe(200);
    expect((await select(v1, 'regarding.kind')).status).toBe(200);
    for (const [path, field] of [
      [core, 'regarding.kind'],
      [v1, 'involvedObject.kind'],
    ] as const) {
      const res = await select(path, field);
      expect(res.status).toBe(400);
      expect((res.body as Json)['message']).toContain(`field label not supported: ${field}`);
    }
  });

  describe('RBAC', () => {
    const SA = 'parity-reader';
    let user: string;
    const as = (method: string, path: string, body?: unknown, contentType?: string) =>
      t.raw(method, path, { body, contentType, headers: { 'Impersonate-User': user } });

    beforeAll(async () => {
      user = `system:serviceaccount:${ns}:${SA}`;
      t.server?.setRbac(true);
      const post = async (path: string, body: unknown) => {
        const res = await t.raw('POST', path, { body });
        expect(res.status, res.text).toBe(201);
      };
      await post(`/api/v1/namespaces/${ns}/serviceaccounts`, {
        apiVersion: 'v1',
        kind: 'ServiceAccount',
        metadata: { name: SA },
      });
      await post(`/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/roles`, {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'Role',
        metadata: { name: SA },
        rules: [{ apiGroups: [GROUP], resources: [PLURAL], verbs: ['get', 'patch'] }],
      });
      await post(`/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/rolebindings`, {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'RoleBinding',
        metadata: { name: SA },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: SA },
        subjects: [{ kind: 'ServiceAccount', name: SA, namespace: ns }],
      });
      await create(chr('rbac-existing'));
    });
    afterAll(() => {
      t.server?.setRbac(false);
    });

    it('allows what the Role grants and answers 403 Forbidden, worded as the real server, otherwise', async () => {
      // RBAC bindings take effect asynchronously on a real cluster: wait for the grant to show.
      await expect
        .poll(async () => (await as('GET', chrPath(ns, 'rbac-existing'))).status, {
          ...WAIT,
          interval: 100,
        })
        .toBe(200);
      const list = await as('GET', chrPath(ns));
      expect(list.status).toBe(403);
      expect(list.body).toMatchObject({
        kind: 'Status',
        status: 'Failure',
        reason: 'Forbidden',
        code: 403,
        details: { group: GROUP, kind: PLURAL },
        message: `${PLURAL}.${GROUP} is forbidden: User "${user}" cannot list resource "${PLURAL}" in API group "${GROUP}" in the namespace "${ns}"`,
      });
      const status = await as(
        'PATCH',
        chrPath(ns, 'rbac-existing', 'status'),
        { status: {} },
        'application/merge-patch+json',
      );
      expect((status.body as Json)['message']).toBe(
        `${PLURAL}.${GROUP} "rbac-existing" is forbidden: User "${user}" cannot patch resource "${PLURAL}/status" in API group "${GROUP}" in the namespace "${ns}"`,
      );
    });

    it('refuses a server-side apply that would create without create permission', async () => {
      const name = fresh('apply-create');
      const res = await as(
        'PATCH',
        `${chrPath(ns, name)}?fieldManager=parity-test`,
        JSON.stringify(chr(name)),
        'application/apply-patch+yaml',
      );
      expect(res.status).toBe(403);
      expect(res.body).toMatchObject({
        reason: 'Forbidden',
        details: { name, group: GROUP, kind: PLURAL },
      });
      const applied = await as(
        'PATCH',
        `${chrPath(ns, 'rbac-existing')}?fieldManager=parity-test`,
        JSON.stringify(chr('rbac-existing', { labels: { applied: 'yes' } })),
        'application/apply-patch+yaml',
      );
      expect(applied.status, applied.text).toBe(200);
    });

    it('answers SelfSubjectAccessReview for the requesting user', async () => {
      const review = async (verb: string) => {
        const res = await as('POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', {
          apiVersion: 'authorization.k8s.io/v1',
          kind: 'SelfSubjectAccessReview',
          spec: { resourceAttributes: { namespace: ns, verb, group: GROUP, resource: PLURAL } },
        });
        expect(res.status).toBe(201);
        return ((res.body as Json)['status'] as Json)['allowed'];
      };
      expect(await review('get')).toBe(true);
      expect(await review('delete')).toBe(false);
    });
  });
});
