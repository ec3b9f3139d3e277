// Conformance of the in-process API server with the Kubernetes API conventions (API concepts:
// resourceVersion, watch, status subresource, generation, finalizers, GC, patch types, Status errors).
// The same suite runs against a real cluster when KUBECONFIG and KUBE_CONFORMANCE_REAL=1 are set.

import {
  ApiException,
  CustomObjectsApi,
  type KubernetesListObject,
  type KubernetesObject,
  ListWatch,
  PatchStrategy,
  setHeaderOptions,
  Watch,
} from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { WAIT } from '../support/progress.ts';
import { type Chr, chr, chrPath, configMapPath, readyCondition } from './fixtures.ts';
import { describeOnTargets, inProcessTarget, type Target } from './target.ts';

type StatusBody = {
  kind: string;
  status: string;
  reason: string;
  code: number;
  message: string;
  details?: {
    name?: string;
    group?: string;
    kind?: string;
    causes?: { reason: string; field: string; message: string }[];
  };
};

const MERGE = 'application/merge-patch+json';
const JSON_PATCH = 'application/json-patch+json';
const APPLY = 'application/apply-patch+yaml';
const STRATEGIC = 'application/strategic-merge-patch+json';

describeOnTargets(({ t, ns, fresh, create }) => {
  const get = async (name: string) => t.raw('GET', chrPath(ns, name));
  const patch = (name: string, contentType: string, body: unknown, query = '', sub?: string) =>
    t.raw('PATCH', `${chrPath(ns, name, sub)}${query}`, { body, contentType });
  /** Status of a GET, polled: a real cluster's garbage collector acts asynchronously. */
  const statusOf = async (path: string) => (await t.raw('GET', path)).status;

  describe('resourceVersion', () => {
    it('is an opaque string that changes on every write and increases', async () => {
      const a = await create(chr(fresh('rv')));
      const rv1 = a.metadata.resourceVersion!;
      expect(typeof rv1).toBe('string');
      expect(rv1).not.toBe('1');
      const res = await patch(a.metadata.name, MERGE, { metadata: { labels: { step: 'two' } } });
      const rv2 = (res.body as Chr).metadata.resourceVersion!;
      expect(rv2).not.toBe(rv1);
      // A server property (etcd revisions); clients must still only compare for equality.
      expect(BigInt(rv2) > BigInt(rv1)).toBe(true);
    });

    it('leaves the resourceVersion alone for a no-op write', async () => {
      const a = await create(chr(fresh('noop'), { labels: { x: 'y' } }));
      const res = await patch(a.metadata.name, MERGE, { metadata: { labels: { x: 'y' } } });
      expect(res.status).toBe(200);
      expect((res.body as Chr).metadata.resourceVersion).toBe(a.metadata.resourceVersion);
    });

    it('reports a list resourceVersion from which a watch sees only later changes', async () => {
      const before = await create(chr(fresh('list-rv'), { labels: { suite: 'list-rv' } }));
      const list = await t.raw('GET', `${chrPath(ns)}?labelSelector=suite%3Dlist-rv`);
      const listRv = (list.body as { metadata: { resourceVersion: string } }).metadata.resourceVersion;
      expect(listRv).toMatch(/^\d+$/);
      const after = await create(chr(fresh('list-rv'), { labels: { suite: 'list-rv' } }));
      const events = await t.watch(
        `${chrPath(ns)}?watch=true&labelSelector=suite%3Dlist-rv&resourceVersion=${listRv}`,
        (e) => e.length >= 1,
      );
      expect(events.map((e) => `${e.type} ${e.object.metadata?.name}`)).toEqual([
        `ADDED ${after.metadata.name}`,
      ]);
      expect(events.some((e) => e.object.metadata?.name === before.metadata.name)).toBe(false);
    });

    it('rejects an update carrying a stale resourceVersion with 409 Conflict', async () => {
      const a = await create(chr(fresh('stale')));
      await patch(a.metadata.name, MERGE, { spec: { space: 'other' } });
      const res = await t.raw('PUT', chrPath(ns, a.metadata.name), { body: a });
      expect(res.status).toBe(409);
      const status = res.body as StatusBody;
      expect(status.reason).toBe('Conflict');
      expect(status.message).toBe(
        `Operation cannot be fulfilled on confighubrepositories.source.confighub.com "${a.metadata.name}": the object has been modified; please apply your changes to the latest version and try again`,
      );
    });

    it('accepts an update without resourceVersion unconditionally', async () => {
      const a = await create(chr(fresh('uncond')));
      const { resourceVersion: _rv, ...meta } = a.metadata;
      const res = await t.raw('PUT', chrPath(ns, a.metadata.name), {
        body: { ...a, metadata: meta, spec: { ...a.spec, space: 'changed' } },
      });
      expect(res.status).toBe(200);
      expect((res.body as Chr).spec['space']).toBe('changed');
    });
  });

  describe('create and read', () => {
    it('answers 409 AlreadyExists for a duplicate name', async () => {
      const a = await create(chr(fresh('dup')));
      const res = await t.raw('POST', chrPath(ns), { body: chr(a.metadata.name) });
      expect(res.status).toBe(409);
      const status = res.body as StatusBody;
      expect(status).toMatchObject({
        kind: 'Status',
        status: 'Failure',
        reason: 'AlreadyExists',
        code: 409,
      });
      expect(status.message).toBe(
        `confighubrepositories.source.confighub.com "${a.metadata.name}" already exists`,
      );
      expect(status.details).toMatchObject({
        name: a.metadata.name,
        group: 'source.confighub.com',
        kind: 'confighubrepositories',
      });
    });

    it('answers 404 NotFound with a Status naming the resource', async () => {
      const res = await get('does-not-exist');
      expect(res.status).toBe(404);
      expect(res.body).toMatchObject({
        kind: 'Status',
        apiVersion: 'v1',
        status: 'Failure',
        reason: 'NotFound',
        code: 404,
        message: 'confighubrepositories.source.confighub.com "does-not-exist" not found',
      });
    });

    it('generates names from generateName and sets uid, creationTimestamp and generation 1', async () => {
      const body = chr('');
      const { name: _n, ...meta } = body.metadata;
      const res = await t.raw('POST', chrPath(ns), {
        body: { ...body, metadata: { ...meta, generateName: 'gen-' } },
      });
      expect(res.status).toBe(201);
      const obj = res.body as Chr & { metadata: { creationTimestamp: string } };
      expect(obj.metadata.name).toMatch(/^gen-[a-z0-9]{5}$/);
      expect(obj.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);
      expect(obj.metadata.creationTimestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      expect(obj.metadata.generation).toBe(1);
    });

    it('does not store anything with dryRun=All', async () => {
      const name = fresh('dry');
      const res = await t.raw('POST', `${chrPath(ns)}?dryRun=All`, { body: chr(name) });
      expect(res.status).toBe(201);
      expect((res.body as Chr).metadata.name).toBe(name);
      expect((await get(name)).status).toBe(404);
    });

    it('refuses to create into a namespace that does not exist', async () => {
      const res = await t.raw('POST', chrPath('no-such-namespace-xyz'), { body: chr('x') });
      expect(res.status).toBe(404);
      expect((res.body as StatusBody).message).toBe('namespaces "no-such-namespace-xyz" not found');
    });

    it('drops status on create when the status subresource is enabled', async () => {
      const res = await t.raw('POST', chrPath(ns), {
        body: { ...chr(fresh('st-create')), status: { conditions: [readyCondition('True', 'x')] } },
      });
      expect(res.status).toBe(201);
      expect((res.body as Chr).status).toBeUndefined();
    });
  });

  describe('status subresource and generation', () => {
    it('ignores status on main-resource writes and everything but status on /status writes', async () => {
      const a = await create(chr(fresh('status')));
      const main = await patch(a.metadata.name, MERGE, {
        status: { conditions: [readyCondition('True', 'main')] },
      });
      expect(main.status).toBe(200);
      expect((main.body as Chr).status).toBeUndefined();

      const viaStatus = await patch(
        a.metadata.name,
        MERGE,
        {
          spec: { space: 'ignored' },
          metadata: { labels: { ignored: 'yes' } },
          status: { conditions: [readyCondition('True', 'ok')] },
        },
        '',
        'status',
      );
      expect(viaStatus.status).toBe(200);
      const obj = viaStatus.body as Chr;
      expect(obj.spec['space']).toBe('demo');
      expect(obj.metadata.labels?.['ignored']).toBeUndefined();
      expect((obj.status!['conditions'] as { message: string }[])[0]?.message).toBe('ok');
      expect(obj.metadata.generation).toBe(1);
      expect(obj.metadata.resourceVersion).not.toBe(a.metadata.resourceVersion);
    });

    it('bumps generation on spec changes only', async () => {
      const a = await create(chr(fresh('gen')));
      const labelled = await patch(a.metadata.name, MERGE, {
        metadata: { labels: { a: 'b' }, annotations: { c: 'd' } },
      });
      expect((labelled.body as Chr).metadata.generation).toBe(1);
      const status = await patch(a.metadata.name, MERGE, { status: { observedGeneration: 1 } }, '', 'status');
      expect((status.body as Chr).metadata.generation).toBe(1);
      const spec = await patch(a.metadata.name, MERGE, { spec: { space: 'two' } });
      expect((spec.body as Chr).metadata.generation).toBe(2);
      const again = await patch(a.metadata.name, MERGE, { spec: { space: 'two' } });
      expect((again.body as Chr).metadata.generation).toBe(2);
    });
  });

  describe('deletion, finalizers and garbage collection', () => {
    /** Creates ConfigMap `name` in `ns` with an owner reference to `owner` (plus `reference`). */
    const dependent = (
      owner: Chr,
      name: string,
      extra: { reference?: object; finalizers?: string[]; data?: Record<string, string> } = {},
    ) =>
      t.raw('POST', configMapPath(ns), {
        body: {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: {
            name,
            ...(extra.finalizers ? { finalizers: extra.finalizers } : {}),
            ownerReferences: [
              {
                apiVersion: 'source.confighub.com/v1beta1',
                kind: 'ConfigHubRepository',
                name: owner.metadata.name,
                uid: owner.metadata.uid,
                ...extra.reference,
              },
            ],
          },
          ...(extra.data ? { data: extra.data } : {}),
        },
      });

    it('keeps an object with finalizers until they are removed, then deletes it', async () => {
      const a = await create(chr(fresh('fin'), { finalizers: ['example.com/cleanup'] }));
      const list = await t.raw('GET', `${chrPath(ns)}?fieldSelector=metadata.name%3D${a.metadata.name}`);
      const listRv = (list.body as { metadata: { resourceVersion: string } }).metadata.resourceVersion;

      const del = await t.raw('DELETE', chrPath(ns, a.metadata.name));
      expect(del.status).toBe(200);
      const deleting = (await get(a.metadata.name)).body as Chr;
      expect(deleting.metadata.deletionTimestamp).toBeDefined();
      expect(deleting.metadata.deletionGracePeriodSeconds).toBe(0);
      expect(deleting.metadata.generation).toBe(2);

      const more = await patch(a.metadata.name, MERGE, {
        metadata: { finalizers: ['example.com/cleanup', 'example.com/new'] },
      });
      expect(more.status).toBe(422);

      const done = await patch(a.metadata.name, JSON_PATCH, [{ op: 'remove', path: '/metadata/finalizers' }]);
      expect(done.status).toBe(200);
      expect((await get(a.metadata.name)).status).toBe(404);

      const events = await t.watch(
        `${chrPath(ns)}?watch=true&fieldSelector=metadata.name%3D${a.metadata.name}&resourceVersion=${listRv}`,
        (e) => e.some((x) => x.type === 'DELETED'),
      );
      expect(events.map((e) => e.type)).toEqual(['MODIFIED', 'MODIFIED', 'DELETED']);
      expect(events[0]!.object.metadata).toHaveProperty('deletionTimestamp');
    });

    it('deletes dependents whose owners are all gone (background propagation)', async () => {
      const owner = await create(chr(fresh('owner')));
      const cmName = fresh('dependent');
      const cm = await dependent(owner, cmName, { data: { a: 'b' } });
      expect(cm.status).toBe(201);
      const del = await t.raw('DELETE', chrPath(ns, owner.metadata.name), {
        body: { kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Background' },
      });
      expect(del.status).toBe(200);
      await expect.poll(() => statusOf(configMapPath(ns, cmName)), WAIT).toBe(404);
    });

    it('keeps the owner until blocking dependents are gone (foreground propagation)', async () => {
      const owner = await create(chr(fresh('fg-owner')));
      const cmName = fresh('fg-dep');
      await dependent(owner, cmName, {
        finalizers: ['example.com/hold'],
        reference: { blockOwnerDeletion: true },
      });
      const del = await t.raw('DELETE', chrPath(ns, owner.metadata.name), {
        body: { propagationPolicy: 'Foreground' },
      });
      expect(del.status).toBe(200);
      const dep = await vi.waitFor(async () => {
        const body = (await t.raw('GET', configMapPath(ns, cmName))).body as Chr;
        expect(body.metadata?.deletionTimestamp, 'dependent marked for deletion').toBeDefined();
        return body;
      }, WAIT);
      expect(dep.metadata.finalizers).toContain('example.com/hold');
      const ownerNow = (await get(owner.metadata.name)).body as Chr;
      expect(ownerNow.metadata.finalizers).toContain('foregroundDeletion');
      await t.raw('PATCH', configMapPath(ns, cmName), {
        body: { metadata: { finalizers: null } },
        contentType: MERGE,
      });
      await expect.poll(() => statusOf(chrPath(ns, owner.metadata.name)), WAIT).toBe(404);
    });

    it('orphans dependents with propagationPolicy=Orphan', async () => {
      const owner = await create(chr(fresh('orphan-owner')));
      const cmName = fresh('orphan-dep');
      await dependent(owner, cmName);
      await t.raw('DELETE', chrPath(ns, owner.metadata.name), { body: { propagationPolicy: 'Orphan' } });
      await expect.poll(() => statusOf(chrPath(ns, owner.metadata.name)), WAIT).toBe(404);
      const dep = await t.raw('GET', configMapPath(ns, cmName));
      expect(dep.status).toBe(200);
      expect((dep.body as Chr).metadata.ownerReferences).toBeUndefined();
    });
  });

  describe('patch types', () => {
    it('applies RFC 6902 JSON patches and answers 422 when a test operation fails', async () => {
      const a = await create(chr(fresh('jp')));
      const ok = await patch(a.metadata.name, JSON_PATCH, [
        { op: 'test', path: '/spec/space', value: 'demo' },
        { op: 'replace', path: '/spec/space', value: 'patched' },
        { op: 'add', path: '/metadata/labels', value: { via: 'json-patch' } },
      ]);
      expect(ok.status).toBe(200);
      expect((ok.body as Chr).spec['space']).toBe('patched');
      const failed = await patch(a.metadata.name, JSON_PATCH, [
        { op: 'test', path: '/spec/space', value: 'wrong' },
        { op: 'replace', path: '/spec/space', value: 'never' },
      ]);
      expect(failed.status).toBe(422);
      expect((failed.body as StatusBody).reason).toBe('Invalid');
      expect(((await get(a.metadata.name)).body as Chr).spec['space']).toBe('patched');
    });

    it('applies RFC 7386 merge patches, deleting with null and honouring a resourceVersion precondition', async () => {
      const a = await create(chr(fresh('mp'), { labels: { keep: 'yes', drop: 'yes' } }));
      const ok = await patch(a.metadata.name, MERGE, {
        metadata: { labels: { drop: null } },
        spec: { where: "Labels.app = 'web'" },
      });
      expect(ok.status).toBe(200);
      expect((ok.body as Chr).metadata.labels).toEqual({ keep: 'yes' });
      const stale = await patch(a.metadata.name, MERGE, {
        metadata: { resourceVersion: a.metadata.resourceVersion },
        spec: { space: 'x' },
      });
      expect(stale.status).toBe(409);
      expect((stale.body as StatusBody).reason).toBe('Conflict');
    });

    it('refuses strategic merge patch for custom resources with 415', async () => {
      const a = await create(chr(fresh('smp')));
      const res = await patch(a.metadata.name, STRATEGIC, { spec: { space: 'x' } });
      expect(res.status).toBe(415);
      expect((res.body as StatusBody).reason).toBe('UnsupportedMediaType');
    });

    it('server-side apply creates, records an Apply managedFields entry and merges conditions by type', async () => {
      const name = fresh('ssa');
      const doc = (space: string) =>
        JSON.stringify({
          apiVersion: 'source.confighub.com/v1beta1',
          kind: 'ConfigHubRepository',
          metadata: { name, labels: { owner: 'alice' } },
          spec: { interval: '1m', space, secretRef: { name: 's' } },
        });
      const created = await patch(name, APPLY, doc('one'), '?fieldManager=alice');
      expect(created.status).toBe(201);
      const obj = created.body as Chr;
      const entry = obj.metadata.managedFields?.find((m) => m.manager === 'alice');
      expect(entry).toMatchObject({ operation: 'Apply' });
      expect(entry?.fieldsV1).toHaveProperty(['f:spec', 'f:space']);

      // Bob applies only the space, which alice owns.
      const bobs = JSON.stringify({
        apiVersion: 'source.confighub.com/v1beta1',
        kind: 'ConfigHubRepository',
        metadata: { name },
        spec: { space: 'bob' },
      });
      const conflict = await patch(name, APPLY, bobs, '?fieldManager=bob');
      expect(conflict.status).toBe(409);
      const status = conflict.body as StatusBody;
      expect(status.reason).toBe('Conflict');
      expect(status.details?.causes?.[0]).toMatchObject({
        reason: 'FieldManagerConflict',
        field: '.spec.space',
      });

      const forced = await patch(name, APPLY, bobs, '?fieldManager=bob&force=true');
      expect(forced.status).toBe(200);
      const after = forced.body as Chr;
      expect(after.spec['space']).toBe('bob');
      const alice = after.metadata.managedFields?.find((m) => m.manager === 'alice');
      expect(alice?.fieldsV1).not.toHaveProperty(['f:spec', 'f:space']);
      expect(after.metadata.managedFields?.find((m) => m.manager === 'bob')?.fieldsV1).toHaveProperty([
        'f:spec',
        'f:space',
      ]);

      // Status apply: each manager's condition survives the other's (list-map keyed by type).
      const cond = (type: string) => ({
        type,
        status: 'True',
        reason: 'R',
        message: type,
        lastTransitionTime: '2026-01-01T00:00:00Z',
      });
      const statusDoc = (type: string) =>
        JSON.stringify({
          apiVersion: 'source.confighub.com/v1beta1',
          kind: 'ConfigHubRepository',
          metadata: { name },
          status: { conditions: [cond(type)] },
        });
      expect((await patch(name, APPLY, statusDoc('Ready'), '?fieldManager=ctrl-a', 'status')).status).toBe(
        200,
      );
      const both = await patch(name, APPLY, statusDoc('Drifted'), '?fieldManager=ctrl-b', 'status');
      expect(
        ((both.body as Chr).status!['conditions'] as { type: string }[]).map((c) => c.type).sort(),
      ).toEqual(['Drifted', 'Ready']);

      // A manager that stops applying a field it alone owned removes it.
      const withoutLabel = JSON.stringify({
        apiVersion: 'source.confighub.com/v1beta1',
        kind: 'ConfigHubRepository',
        metadata: { name },
        spec: { interval: '1m', space: 'one', secretRef: { name: 's' } },
      });
      const dropped = await patch(name, APPLY, withoutLabel, '?fieldManager=alice&force=true');
      expect((dropped.body as Chr).metadata.labels?.['owner']).toBeUndefined();
    });

    it('requires a fieldManager for apply patches', async () => {
      const res = await patch('anything', APPLY, JSON.stringify(chr('anything')));
      expect(res.status).toBe(422);
      expect((res.body as StatusBody).message).toContain('fieldManager: Required value');
    });
  });

  describe('validation against the CRD schema', () => {
    it('answers 422 Invalid with one cause per field error', async () => {
      const name = fresh('invalid');
      const body = chr(name, {}, { interval: '5x', drift: { mode: 'sometimes' } });
      delete body.spec['space'];
      const res = await t.raw('POST', chrPath(ns), { body });
      expect(res.status).toBe(422);
      const status = res.body as StatusBody;
      expect(status.reason).toBe('Invalid');
      expect(status.details).toMatchObject({
        name,
        group: 'source.confighub.com',
        kind: 'ConfigHubRepository',
      });
      const causes = status.details?.causes ?? [];
      expect(causes).toContainEqual({
        reason: 'FieldValueInvalid',
        field: 'spec.interval',
        message: `Invalid value: "5x": spec.interval in body should match '^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$'`,
      });
      expect(causes).toContainEqual({
        reason: 'FieldValueRequired',
        field: 'spec.space',
        message: 'Required value',
      });
      expect(causes).toContainEqual(
        expect.objectContaining({ reason: 'FieldValueNotSupported', field: 'spec.drift.mode' }),
      );
      expect(status.message).toContain(`ConfigHubRepository.source.confighub.com "${name}" is invalid: [`);
    });

    it('applies defaults and prunes unknown fields, keeping x-kubernetes-preserve-unknown-fields subtrees', async () => {
      const a = await create(chr(fresh('defaults'), {}, { unknownField: 'gone', drift: {} }));
      expect(a.spec['timeout']).toBe('60s');
      expect(a.spec['url']).toBe('https://hub.confighub.com');
      expect(a.spec['toolchains']).toEqual(['Kubernetes/YAML']);
      expect(a.spec['drift']).toEqual({ mode: 'disabled' });
      expect(a.spec).not.toHaveProperty('unknownField');
      // status.drift.items[].desired is an x-kubernetes-preserve-unknown-fields subtree in our CRD.
      const drift = {
        mode: 'report',
        source: 'artifact',
        checkedAt: '2026-01-01T00:00:00Z',
        summary: { objects: 1, drifted: 1, missing: 0, excluded: 0, errors: 0, items: 1 },
        items: [
          {
            id: 'ConfigMap/default/x#/data/a',
            apiVersion: 'v1',
            kind: 'ConfigMap',
            name: 'x',
            path: '/data/a',
            desired: { anything: { goes: 1 } },
            classification: 'config',
            severity: 'info',
            cause: 'manual-edit',
            method: 'field-comparison',
            firstObserved: '2026-01-01T00:00:00Z',
            lastObserved: '2026-01-01T00:00:00Z',
            bogusItemField: true,
          },
        ],
      };
      const st = await patch(a.metadata.name, MERGE, { status: { drift, bogus: true } }, '', 'status');
      const { bogusItemField: _pruned, ...kept } = drift.items[0]!;
      expect((st.body as Chr).status).toEqual({ drift: { ...drift, items: [kept] } });
    });

    it('validates status writes too', async () => {
      const a = await create(chr(fresh('status-invalid')));
      const res = await patch(
        a.metadata.name,
        MERGE,
        { status: { conditions: [{ type: 'Ready', status: 'Maybe' }] } },
        '',
        'status',
      );
      expect(res.status).toBe(422);
      const fields = ((res.body as StatusBody).details?.causes ?? []).map((c) => c.field);
      expect(fields).toContain('status.conditions[0].status');
      expect(fields).toContain('status.conditions[0].reason');
    });
  });

  describe('list', () => {
    it('filters with label selectors (=, !=, in, notin, exists, !key) and field selectors', async () => {
      const tag = fresh('sel');
      const mk = (name: string, labels: Record<string, string>) =>
        create(chr(`${tag}-${name}`, { labels: { suite: tag, ...labels } }));
      await mk('a', { env: 'prod', tier: 'web' });
      await mk('b', { env: 'dev' });
      await mk('c', { env: 'staging', tier: 'db' });
      const names = async (selector: string, field = '') => {
        const q = `labelSelector=${encodeURIComponent(`suite=${tag},${selector}`)}${field ? `&fieldSelector=${encodeURIComponent(field)}` : ''}`;
        const res = await t.raw('GET', `${chrPath(ns)}?${q}`);
        expect(res.status, res.text).toBe(200);
        return (res.body as { items: Chr[] }).items.map((i) => i.metadata.name.slice(tag.length + 1)).sort();
      };
      expect(await names('env=prod')).toEqual(['a']);
      expect(await names('env==dev')).toEqual(['b']);
      expect(await names('env!=prod')).toEqual(['b', 'c']);
      expect(await names('env in (prod,staging)')).toEqual(['a', 'c']);
      expect(await names('env notin (prod,staging)')).toEqual(['b']);
      expect(await names('tier')).toEqual(['a', 'c']);
      expect(await names('!tier')).toEqual(['b']);
      expect(await names('tier', `metadata.name!=${tag}-a`)).toEqual(['c']);
      expect(await names('', `metadata.name=${tag}-b,metadata.namespace=${ns}`)).toEqual(['b']);
    });

    it('pages with limit and continue', async () => {
      const tag = fresh('page');
      for (const i of [1, 2, 3, 4, 5]) await create(chr(`${tag}-${i}`, { labels: { suite: tag } }));
      const seen: string[] = [];
      let token: string | undefined;
      let pages = 0;
      do {
        const res = await t.raw(
          'GET',
          `${chrPath(ns)}?labelSelector=suite%3D${tag}&limit=2${token ? `&continue=${encodeURIComponent(token)}` : ''}`,
        );
        const body = res.body as { items: Chr[]; metadata: { continue?: string } };
        expect(body.items.length).toBeLessThanOrEqual(2);
        seen.push(...body.items.map((i) => i.metadata.name));
        token = body.metadata.continue || undefined;
        pages++;
      } while (token);
      expect(pages).toBe(3);
      expect(seen).toEqual([1, 2, 3, 4, 5].map((i) => `${tag}-${i}`));
    });

    it('lists across all namespaces', async () => {
      const name = fresh('allns');
      await create(chr(name));
      const res = await t.raw(
        'GET',
        `/apis/source.confighub.com/v1beta1/confighubrepositories?fieldSelector=metadata.name%3D${name}`,
      );
      expect(res.status).toBe(200);
      const items = (res.body as { items: Chr[] }).items;
      expect(items.map((i) => `${i.metadata.namespace}/${i.metadata.name}`)).toEqual([`${ns}/${name}`]);
    });
  });

  describe('watch', () => {
    it('resumes from a resourceVersion, replaying later events in order', async () => {
      const tag = fresh('resume');
      const a = await create(chr(`${tag}-a`, { labels: { suite: tag } }));
      const b = await create(chr(`${tag}-b`, { labels: { suite: tag } }));
      await patch(a.metadata.name, MERGE, { spec: { space: 'changed' } });
      await t.raw('DELETE', chrPath(ns, b.metadata.name));
      const events = await t.watch(
        `${chrPath(ns)}?watch=true&labelSelector=suite%3D${tag}&resourceVersion=${a.metadata.resourceVersion}`,
        (e) => e.length >= 3,
      );
      expect(events.map((e) => `${e.type} ${e.object.metadata?.name}`)).toEqual([
        `ADDED ${b.metadata.name}`,
        `MODIFIED ${a.metadata.name}`,
        `DELETED ${b.metadata.name}`,
      ]);
    });

    it('starts with synthetic ADDED events when no resourceVersion is given', async () => {
      const tag = fresh('initial');
      await create(chr(`${tag}-a`, { labels: { suite: tag } }));
      await create(chr(`${tag}-b`, { labels: { suite: tag } }));
      const events = await t.watch(
        `${chrPath(ns)}?watch=true&labelSelector=suite%3D${tag}`,
        (e) => e.length >= 2,
      );
      expect(events.map((e) => e.type)).toEqual(['ADDED', 'ADDED']);
    });

    it('answers a too-old resourceVersion with an ERROR event carrying 410 Expired', async () => {
      const events = await t.watch(`${chrPath(ns)}?watch=true&resourceVersion=1`, (e) => e.length >= 1);
      expect(events[0]?.type).toBe('ERROR');
      expect(events[0]?.object).toMatchObject({ kind: 'Status', code: 410, reason: 'Expired' });
    });

    it('reports objects leaving a label-filtered watch as DELETED', async () => {
      const tag = fresh('leave');
      const a = await create(chr(`${tag}-a`, { labels: { suite: tag } }));
      await patch(a.metadata.name, MERGE, { metadata: { labels: { suite: 'elsewhere' } } });
      const events = await t.watch(
        `${chrPath(ns)}?watch=true&labelSelector=suite%3D${tag}&resourceVersion=${a.metadata.resourceVersion}`,
        (e) => e.length >= 1,
      );
      expect(events[0]?.type).toBe('DELETED');
      expect(events[0]?.object.metadata?.name).toBe(a.metadata.name);
    });

    it('ends the stream cleanly after timeoutSeconds', async () => {
      const started = Date.now();
      const events = await t.watch(
        `${chrPath(ns)}?watch=true&timeoutSeconds=1&fieldSelector=metadata.name%3Dnone`,
        () => false,
        10_000,
      );
      expect(events).toEqual([]);
      expect(Date.now() - started).toBeLessThan(9_000);
    });

    // Real servers send bookmarks about once a minute, hence the long bound there.
    it('sends BOOKMARK events with the current resourceVersion when allowed', async () => {
      const a = await create(chr(fresh('bookmark')));
      const events = await t.watch(
        `${chrPath(ns)}?watch=true&allowWatchBookmarks=true&fieldSelector=metadata.name%3D${a.metadata.name}&resourceVersion=${a.metadata.resourceVersion}`,
        (e) => e.some((x) => x.type === 'BOOKMARK'),
        t.server ? 5_000 : 90_000,
      );
      const bookmark = events.find((e) => e.type === 'BOOKMARK');
      expect(bookmark?.object.kind).toBe('ConfigHubRepository');
      expect(bookmark?.object.apiVersion).toBe('source.confighub.com/v1beta1');
      expect(BigInt(bookmark!.object.metadata!.resourceVersion!) >= BigInt(a.metadata.resourceVersion!)).toBe(
        true,
      );
    }, 100_000);

    it('expires a list resourceVersion once history is compacted, and watches from a fresh one', async (ctx) => {
      // Only the in-process server can compact on demand; the RV=1 test covers real clusters.
      if (!t.server) ctx.skip();
      const list = await t.raw('GET', chrPath(ns));
      const listRv = (list.body as { metadata: { resourceVersion: string } }).metadata.resourceVersion;
      await create(chr(fresh('compacted')));
      t.server!.compactHistory();
      const expired = await t.watch(
        `${chrPath(ns)}?watch=true&resourceVersion=${listRv}`,
        (e) => e.length >= 1,
      );
      expect(expired[0]).toMatchObject({ type: 'ERROR', object: { code: 410, reason: 'Expired' } });
      const relist = await t.raw('GET', chrPath(ns));
      const freshRv = (relist.body as { metadata: { resourceVersion: string } }).metadata.resourceVersion;
      const later = await create(chr(fresh('after-relist')));
      const resumed = await t.watch(
        `${chrPath(ns)}?watch=true&resourceVersion=${freshRv}`,
        (e) => e.length >= 1,
      );
      expect(resumed.map((e) => `${e.type} ${e.object.metadata?.name}`)).toEqual([
        `ADDED ${later.metadata.name}`,
      ]);
    });
  });
});

// The real client against the in-process server: what the controller's Kubernetes adapter relies on.
describe('client-node 2.x against the in-process server', () => {
  let t: Target;
  let co: CustomObjectsApi;
  const group = 'source.confighub.com';
  const version = 'v1beta1';
  const plural = 'confighubrepositories';

  beforeAll(async () => {
    t = await inProcessTarget();
    co = t.kc.makeApiClient(CustomObjectsApi);
  });
  afterAll(async () => {
    await t?.close();
  });

  const ref = (name: string) => ({ group, version, namespace: t.namespace, plural, name });
  const server = () => t.server!;

  it('creates, reads, lists, replaces and deletes, mapping failures to ApiException with a Status body', async () => {
    const created = (await co.createNamespacedCustomObject({
      group,
      version,
      namespace: t.namespace,
      plural,
      body: chr('cn-crud'),
    })) as Chr;
    expect(created.metadata.uid).toBeDefined();
    const read = (await co.getNamespacedCustomObject(ref('cn-crud'))) as Chr;
    expect(read.metadata.resourceVersion).toBe(created.metadata.resourceVersion);
    const list = (await co.listNamespacedCustomObject({
      group,
      version,
      namespace: t.namespace,
      plural,
    })) as { items: Chr[] };
    expect(list.items.map((i) => i.metadata.name)).toContain('cn-crud');
    const replaced = (await co.replaceNamespacedCustomObject({
      ...ref('cn-crud'),
      body: { ...read, spec: { ...read.spec, space: 'replaced' } },
    })) as Chr;
    expect(replaced.spec['space']).toBe('replaced');
    const stale = await co
      .replaceNamespacedCustomObject({ ...ref('cn-crud'), body: read })
      .catch((e: unknown) => e);
    expect(stale).toBeInstanceOf(ApiException);
    expect((stale as ApiException<string>).code).toBe(409);
    expect(JSON.parse((stale as ApiException<string>).body)).toMatchObject({
      kind: 'Status',
      reason: 'Conflict',
    });
    await co.deleteNamespacedCustomObject(ref('cn-crud'));
    const missing = await co.getNamespacedCustomObject(ref('cn-crud')).catch((e: unknown) => e);
    expect((missing as ApiException<string>).code).toBe(404);
  });

  it('patches status with a merge patch chosen through setHeaderOptions', async () => {
    await co.createNamespacedCustomObject({
      group,
      version,
      namespace: t.namespace,
      plural,
      body: chr('cn-status'),
    });
    const patched = (await co.patchNamespacedCustomObjectStatus(
      { ...ref('cn-status'), body: { status: { conditions: [readyCondition('True', 'stored')] } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    )) as Chr;
    expect((patched.status!['conditions'] as { message: string }[])[0]!.message).toBe('stored');
    const request = server().requests.findLast((r) => r.method === 'PATCH');
    expect(request?.path).toBe(chrPath(t.namespace, 'cn-status', 'status'));
    expect(request?.contentType).toBe('application/merge-patch+json');
  });

  it('applies server-side with a field manager and force', async () => {
    const body = chr('cn-ssa');
    const applied = (await co.patchNamespacedCustomObject(
      { ...ref('cn-ssa'), body, fieldManager: 'confighub-source-controller', force: true },
      setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply),
    )) as Chr;
    expect(applied.metadata.managedFields?.map((m) => `${m.manager}/${m.operation}`)).toEqual([
      'confighub-source-controller/Apply',
    ]);
    const request = server().requests.findLast((r) => r.method === 'PATCH');
    expect(request).toMatchObject({
      contentType: 'application/apply-patch+yaml',
      fieldManager: 'confighub-source-controller',
    });
    expect(request?.query['force']).toBe('true');
  });

  it('streams watch events and bookmarks to Watch', async () => {
    const list = (await co.listNamespacedCustomObject({
      group,
      version,
      namespace: t.namespace,
      plural,
    })) as {
      metadata: { resourceVersion: string };
    };
    const seen: string[] = [];
    const watch = new Watch(t.kc);
    const controller = await watch.watch(
      chrPath(t.namespace),
      { resourceVersion: list.metadata.resourceVersion, allowWatchBookmarks: true },
      (type, obj: Chr) => seen.push(type === 'BOOKMARK' ? type : `${type} ${obj.metadata.name}`),
      () => seen.push('done'),
    );
    server().create(chr('cn-watched', { namespace: t.namespace }));
    await server().waitFor(() => seen.includes('BOOKMARK') && seen.includes('ADDED cn-watched'), {
      description: 'an ADDED event and a bookmark',
    });
    server().dropWatches();
    await server().waitFor(() => seen.includes('done'), { description: 'done callback' });
    controller.abort();
    expect(seen.indexOf('ADDED cn-watched')).toBeGreaterThanOrEqual(0);
  });

  it('keeps a ListWatch informer in sync, resuming after dropped watches and relisting after 410', async () => {
    const labelSelector = 'informer=yes';
    const listFn = () =>
      co.listNamespacedCustomObject({
        group,
        version,
        namespace: t.namespace,
        plural,
        labelSelector,
      }) as Promise<KubernetesListObject<KubernetesObject>>;
    const informer = new ListWatch<KubernetesObject>(
      chrPath(t.namespace),
      new Watch(t.kc),
      listFn,
      false,
      labelSelector,
      undefined,
      {
        delayFn: () => Promise.resolve(),
      },
    );
    const log: string[] = [];
    informer.on('add', (o) => log.push(`add ${o.metadata?.name}`));
    informer.on('update', (o) => log.push(`update ${o.metadata?.name}`));
    informer.on('delete', (o) => log.push(`delete ${o.metadata?.name}`));
    informer.on('error', (e) => log.push(`error ${String(e)}`));
    const lists = () =>
      server().requests.filter(
        (r) =>
          r.method === 'GET' &&
          !r.watch &&
          r.path === chrPath(t.namespace) &&
          r.query['labelSelector'] === labelSelector,
      ).length;
    const names = () =>
      informer
        .list(t.namespace)
        .map((o) => o.metadata?.name)
        .sort();
    const labelled = (name: string) => chr(name, { namespace: t.namespace, labels: { informer: 'yes' } });

    server().create(labelled('inf-a'));
    await informer.start();
    expect(names()).toEqual(['inf-a']);
    expect(lists()).toBe(1);

    server().create(labelled('inf-b'));
    await server().waitFor(() => names().includes('inf-b'), { description: 'inf-b in the cache' });

    // A dropped watch resumes from the last resourceVersion: no relist, no missed event.
    server().dropWatches();
    server().create(labelled('inf-c'));
    await server().waitFor(() => names().includes('inf-c'), { description: 'inf-c after reconnect' });
    expect(lists()).toBe(1);

    // Changes made while history is compacted away: the informer gets 410, relists, and converges.
    server().dropWatches();
    server().delete('chr', t.namespace, 'inf-a');
    server().create(labelled('inf-d'));
    server().compactHistory();
    await server().waitFor(() => names().join() === 'inf-b,inf-c,inf-d', { description: 'relisted cache' });
    expect(lists()).toBe(2);
    expect(log).toContain('delete inf-a');
    expect(log).toContain('add inf-d');
    expect(log.filter((l) => l.startsWith('error'))).toEqual([]);
    await informer.stop();
  });
});
