// The in-process API for tests: seeding, registration, fault hooks, history knobs, tables,
// discovery, and behaviours a real cluster cannot be made to show on demand.

import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type KubeApiServer, startKubeApiServer } from '../../testkit/kube-api-server/index.ts';
import { type Chr, chr, chrPath, configMapPath } from './fixtures.ts';
import { CRD_PATH } from './target.ts';

let server: KubeApiServer;

beforeEach(async () => {
  server = await startKubeApiServer({ bookmarkIntervalMs: 50 });
  server.registerCrd(readFileSync(CRD_PATH, 'utf8'));
});
afterEach(async () => {
  await server.close();
});

const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: {
      Accept: 'application/json',
      ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}),
      ...headers,
    },
    ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return {
    status: res.status,
    headers: res.headers,
    body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
  };
};

/** Reads NDJSON watch lines until `until` holds. */
const watchLines = async (path: string, until: (lines: Record<string, unknown>[]) => boolean) => {
  const controller = new AbortController();
  const res = await fetch(`${server.url}${path}`, { signal: controller.signal });
  const lines: Record<string, unknown>[] = [];
  const decoder = new TextDecoder();
  let buffer = '';
  try {
    for await (const chunk of res.body!) {
      buffer += decoder.decode(chunk, { stream: true });
      const parts = buffer.split('\n');
      buffer = parts.pop()!;
      for (const p of parts) if (p.trim()) lines.push(JSON.parse(p) as Record<string, unknown>);
      if (until(lines)) break;
    }
  } finally {
    controller.abort();
  }
  return { status: res.status, lines };
};

describe('in-process API', () => {
  it('seeds objects with server-assigned metadata, creating their namespace, without admission', () => {
    const [seeded] = server.seed({
      apiVersion: 'source.confighub.com/v1beta1',
      kind: 'ConfigHubRepository',
      metadata: { name: 'seeded', namespace: 'team-a' },
      spec: { interval: 'not-validated' },
    });
    expect(seeded!.metadata).toMatchObject({ name: 'seeded', namespace: 'team-a', generation: 1 });
    expect(seeded!.metadata.uid).toBeDefined();
    expect(seeded!.metadata.resourceVersion).toMatch(/^\d+$/);
    expect(server.get('namespaces', undefined, 'team-a')?.['status']).toEqual({ phase: 'Active' });
    expect(server.list('chr', 'team-a').map((o) => o.metadata.name)).toEqual(['seeded']);
  });

  it('serves kinds added with registerResource, in discovery too', async () => {
    server.registerResource({
      group: 'helm.toolkit.fluxcd.io',
      version: 'v2',
      kind: 'HelmRelease',
      plural: 'helmreleases',
      namespaced: true,
      shortNames: ['hr'],
      subresources: { status: true },
    });
    const created = await call('POST', '/apis/helm.toolkit.fluxcd.io/v2/namespaces/default/helmreleases', {
      apiVersion: 'helm.toolkit.fluxcd.io/v2',
      kind: 'HelmRelease',
      metadata: { name: 'web' },
      spec: { chart: { spec: { chart: 'web' } } },
      status: { ignored: true },
    });
    expect(created.status).toBe(201);
    expect(created.body['status']).toBeUndefined();
    const discovery = await call('GET', '/apis/helm.toolkit.fluxcd.io/v2');
    expect(discovery.body['resources']).toContainEqual(
      expect.objectContaining({
        name: 'helmreleases',
        kind: 'HelmRelease',
        namespaced: true,
        shortNames: ['hr'],
      }),
    );
    expect(discovery.body['resources']).toContainEqual(
      expect.objectContaining({ name: 'helmreleases/status' }),
    );
  });

  it('registers a CRD POSTed to the apiextensions API and stops serving it when deleted', async () => {
    const crd = {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'widgets.example.com' },
      spec: {
        group: 'example.com',
        names: { kind: 'Widget', plural: 'widgets', singular: 'widget', listKind: 'WidgetList' },
        scope: 'Cluster',
        versions: [
          {
            name: 'v1',
            served: true,
            storage: true,
            schema: {
              openAPIV3Schema: {
                type: 'object',
                properties: { spec: { type: 'object', properties: { size: { type: 'integer' } } } },
              },
            },
          },
        ],
      },
    };
    const created = await call('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', crd);
    expect(created.status).toBe(201);
    expect(created.body['status']).toMatchObject({
      conditions: expect.arrayContaining([expect.objectContaining({ type: 'Established', status: 'True' })]),
    });
    const widget = await call('POST', '/apis/example.com/v1/widgets', {
      apiVersion: 'example.com/v1',
      kind: 'Widget',
      metadata: { name: 'w' },
      spec: { size: 3, extra: 'pruned' },
    });
    expect(widget.status).toBe(201);
    expect(widget.body['spec']).toEqual({ size: 3 });
    expect((widget.body['metadata'] as Record<string, unknown>)['namespace']).toBeUndefined();
    expect(
      (await call('DELETE', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.example.com'))
        .status,
    ).toBe(200);
    expect((await call('GET', '/apis/example.com/v1/widgets')).status).toBe(404);
  });

  it('waits for objects and deletions through the store', async () => {
    const pending = server.waitForObject(
      'chr',
      'default',
      'later',
      (o) => o.metadata.labels?.['ready'] === 'yes',
    );
    server.create({
      ...chr('later'),
      metadata: { name: 'later', namespace: 'default', labels: { ready: 'no' } },
    });
    server.patch('chr', 'default', 'later', { metadata: { labels: { ready: 'yes' } } });
    expect((await pending).metadata.labels).toEqual({ ready: 'yes' });
    const gone = server.waitForDeletion('chr', 'default', 'later');
    server.delete('chr', 'default', 'later');
    await gone;
    await expect(server.waitFor(() => false, { timeoutMs: 20, description: 'never' })).rejects.toThrow(
      'timed out after 20 ms waiting for never',
    );
  });

  it('logs requests with method, path, query, content type, field manager and status', async () => {
    await call(
      'PATCH',
      `${chrPath('default', 'nope')}?fieldManager=me`,
      {},
      { 'Content-Type': 'application/merge-patch+json' },
    );
    expect(server.requests.at(-1)).toMatchObject({
      method: 'PATCH',
      path: chrPath('default', 'nope'),
      query: { fieldManager: 'me' },
      contentType: 'application/merge-patch+json',
      fieldManager: 'me',
      status: 404,
      watch: false,
    });
  });
});

describe('fault injection', () => {
  it('fails the next matching requests with a Status and Retry-After, then recovers', async () => {
    server.failNext(2, {
      status: 429,
      retryAfterSeconds: 3,
      methods: ['GET'],
      pathPattern: /confighubrepositories/,
    });
    const other = await call('GET', '/api/v1/namespaces/default/configmaps');
    expect(other.status).toBe(200);
    const first = await call('GET', chrPath('default'));
    expect(first.status).toBe(429);
    expect(first.headers.get('retry-after')).toBe('3');
    expect(first.body).toMatchObject({
      kind: 'Status',
      reason: 'TooManyRequests',
      code: 429,
      details: { retryAfterSeconds: 3 },
    });
    expect((await call('GET', chrPath('default'))).status).toBe(429);
    expect((await call('GET', chrPath('default'))).status).toBe(200);
  });

  it('injects 500 and 503 with their reasons', async () => {
    server.failNext(1, { status: 500 });
    server.failNext(1, { status: 503, pathPattern: 'configmaps' });
    const internal = await call('GET', chrPath('default'));
    expect(internal.body).toMatchObject({ reason: 'InternalError', code: 500 });
    const unavailable = await call('GET', configMapPath('default'));
    expect(unavailable.body).toMatchObject({ reason: 'ServiceUnavailable', code: 503 });
  });

  it('delays responses by the configured latency', async () => {
    server.setLatency(60);
    const started = performance.now();
    await call('GET', chrPath('default'));
    expect(performance.now() - started).toBeGreaterThanOrEqual(55);
  });

  it('requires the expected bearer token when one is set', async () => {
    server.setExpectedToken('s3cret');
    const denied = await call('GET', chrPath('default'));
    expect(denied.status).toBe(401);
    expect(JSON.stringify(denied.body)).not.toContain('s3cret');
    const allowed = await call('GET', chrPath('default'), undefined, { Authorization: 'Bearer s3cret' });
    expect(allowed.status).toBe(200);
    expect(server.kubeConfig().users[0]?.token).toBe('s3cret');
  });
});

describe('watch history and connections', () => {
  it('answers 410 Expired for resourceVersions from before compactHistory()', async () => {
    const list = await call('GET', chrPath('default'));
    const rv = (list.body['metadata'] as { resourceVersion: string }).resourceVersion;
    server.create(chr('after-list'));
    server.compactHistory();
    const { status, lines } = await watchLines(
      `${chrPath('default')}?watch=1&resourceVersion=${rv}`,
      (l) => l.length > 0,
    );
    expect(status).toBe(200);
    expect(lines[0]).toMatchObject({
      type: 'ERROR',
      object: { kind: 'Status', code: 410, reason: 'Expired' },
    });
    const fresh = await watchLines(
      `${chrPath('default')}?watch=1&allowWatchBookmarks=true&resourceVersion=${server.store.resourceVersion}`,
      (l) => l.length > 0,
    );
    expect(fresh.lines[0]?.['type']).toBe('BOOKMARK');
  });

  it('expires resourceVersions that fell out of a bounded history', async () => {
    server.setHistorySize(3);
    const first = server.create(chr('h-0'));
    for (const i of [1, 2, 3, 4]) server.create(chr(`h-${i}`));
    const { lines } = await watchLines(
      `${chrPath('default')}?watch=true&resourceVersion=${first.metadata.resourceVersion}`,
      (l) => l.length > 0,
    );
    expect(lines[0]?.['type']).toBe('ERROR');
  });

  it('sends BOOKMARK events carrying only the current resourceVersion', async () => {
    const { lines } = await watchLines(
      `${chrPath('default')}?watch=true&allowWatchBookmarks=true`,
      (l) => l.length > 0,
    );
    expect(lines[0]).toEqual({
      type: 'BOOKMARK',
      object: {
        kind: 'ConfigHubRepository',
        apiVersion: 'source.confighub.com/v1beta1',
        metadata: { resourceVersion: server.store.resourceVersion },
      },
    });
  });

  it('serves watch-list (sendInitialEvents) with the initial-events-end bookmark', async () => {
    server.create(chr('listed'));
    const { lines } = await watchLines(
      `${chrPath('default')}?watch=true&sendInitialEvents=true&allowWatchBookmarks=true&resourceVersionMatch=NotOlderThan`,
      (l) => l.length >= 2,
    );
    expect(lines[0]).toMatchObject({ type: 'ADDED', object: { metadata: { name: 'listed' } } });
    expect(lines[1]).toMatchObject({
      type: 'BOOKMARK',
      object: { metadata: { annotations: { 'k8s.io/initial-events-end': 'true' } } },
    });
    const refused = await call('GET', `${chrPath('default')}?watch=true&sendInitialEvents=true`);
    expect(refused.status).toBe(422);
  });

  it('refuses a watch from a resourceVersion the server has not reached yet', async () => {
    const future = BigInt(server.store.resourceVersion) + 1000n;
    const res = await call('GET', `${chrPath('default')}?watch=true&resourceVersion=${future}`);
    expect(res.status).toBe(504);
    expect(res.body).toMatchObject({
      reason: 'Timeout',
      details: { causes: [{ reason: 'ResourceVersionTooLarge', message: 'Too large resource version' }] },
    });
  });

  it('serves the deprecated watch on a named path as a name-filtered watch', async () => {
    server.create(chr('named'));
    server.create(chr('other'));
    const { lines } = await watchLines(`${chrPath('default', 'named')}?watch=true`, (l) => l.length >= 1);
    expect(lines.map((l) => (l['object'] as Chr).metadata.name)).toEqual(['named']);
  });

  it('watches all namespaces and ends every connection on dropWatches()', async () => {
    server.create({ ...chr('one'), metadata: { name: 'one', namespace: 'default' } });
    server.seed({ ...chr('two'), metadata: { name: 'two', namespace: 'other' } });
    const watching = watchLines(
      '/apis/source.confighub.com/v1beta1/confighubrepositories?watch=true',
      () => false,
    );
    await server.waitFor(() => server.openWatches === 1, { description: 'the watch to open' });
    server.dropWatches();
    const { lines } = await watching;
    expect(lines.map((l) => (l['object'] as Chr).metadata.namespace).sort()).toEqual(['default', 'other']);
    expect(server.openWatches).toBe(0);
  });
});

describe('server-side printing', () => {
  const TABLE =
    'application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json';

  it('answers kubectl-style Accept headers with a Table from the printer columns', async () => {
    server.create(chr('printed'));
    server.setCondition('chr', 'default', 'printed', {
      type: 'Ready',
      status: 'False',
      reason: 'FetchFailed',
      message: 'space not found',
    });
    const res = await call('GET', `${chrPath('default')}?includeObject=Object`, undefined, { Accept: TABLE });
    expect(res.body['kind']).toBe('Table');
    expect(res.body['apiVersion']).toBe('meta.k8s.io/v1');
    const columns = (res.body['columnDefinitions'] as { name: string; type: string }[]).map(
      (c) => `${c.name}:${c.type}`,
    );
    expect(columns).toEqual([
      'Name:string',
      'URL:string',
      'Space:string',
      'Age:date',
      'Ready:string',
      'Status:string',
    ]);
    const row = (res.body['rows'] as { cells: unknown[]; object: Chr }[])[0]!;
    expect(row.cells).toEqual([
      'printed',
      'https://hub.confighub.com',
      'demo',
      expect.stringMatching(/^\d+s$/),
      'False',
      'space not found',
    ]);
    expect(row.object.spec['space']).toBe('demo');
  });

  it('includes metadata only by default and no object with includeObject=None; honours v1beta1 first', async () => {
    server.create(chr('meta-only'));
    const meta = await call('GET', chrPath('default', 'meta-only'), undefined, { Accept: TABLE });
    const row = (meta.body['rows'] as { object: Record<string, unknown> }[])[0]!;
    expect(row.object['kind']).toBe('PartialObjectMetadata');
    expect(row.object).not.toHaveProperty('spec');
    const none = await call('GET', `${chrPath('default')}?includeObject=None`, undefined, {
      Accept: 'application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json',
    });
    expect(none.body['apiVersion']).toBe('meta.k8s.io/v1beta1');
    expect((none.body['rows'] as object[])[0]).not.toHaveProperty('object');
    const plain = await call('GET', chrPath('default', 'meta-only'));
    expect(plain.body['kind']).toBe('ConfigHubRepository');
  });
});

describe('discovery', () => {
  it('serves legacy and aggregated discovery documents', async () => {
    const core = await call('GET', '/api/v1');
    expect(core.body['resources']).toContainEqual(
      expect.objectContaining({
        name: 'secrets',
        kind: 'Secret',
        namespaced: true,
        verbs: expect.arrayContaining(['watch', 'patch']),
      }),
    );
    const groups = await call('GET', '/apis');
    expect((groups.body['groups'] as { name: string }[]).map((g) => g.name)).toContain(
      'source.confighub.com',
    );
    const aggregated = await call('GET', '/apis', undefined, {
      Accept: 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json',
    });
    expect(aggregated.headers.get('content-type')).toBe(
      'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList',
    );
    const group = (
      aggregated.body['items'] as {
        metadata: { name: string };
        versions: { resources: Record<string, unknown>[] }[];
      }[]
    ).find((i) => i.metadata.name === 'source.confighub.com');
    expect(group?.versions[0]?.resources[0]).toMatchObject({
      resource: 'confighubrepositories',
      singularResource: 'confighubrepository',
      scope: 'Namespaced',
      shortNames: ['chr'],
      categories: ['all', 'fluxcd', 'fluxcd-sources'],
      subresources: [expect.objectContaining({ subresource: 'status' })],
    });
    const version = await call('GET', '/version');
    expect(version.body).toMatchObject({ major: '1', minor: '32' });
  });
});

describe('API conventions beyond the conformance suite', () => {
  it('refuses unknown fields with fieldValidation=Strict and warns by default', async () => {
    const strict = await call(
      'POST',
      `${chrPath('default')}?fieldValidation=Strict`,
      chr('strict', {}, { bogus: 1 }),
    );
    expect(strict.status).toBe(400);
    expect(strict.body['message']).toBe(
      'ConfigHubRepository in version "v1beta1" cannot be handled as a ConfigHubRepository: strict decoding error: unknown field "spec.bogus"',
    );
    const warned = await call('POST', chrPath('default'), chr('warned', {}, { bogus: 1 }));
    expect(warned.status).toBe(201);
    expect(warned.headers.get('warning')).toBe('299 - "unknown field \\"spec.bogus\\""');
  });

  it('records Update managedFields per manager and moves ownership to the last writer', async () => {
    await call('POST', `${chrPath('default')}?fieldManager=creator`, chr('owned'));
    const res = await call(
      'PATCH',
      `${chrPath('default', 'owned')}?fieldManager=editor`,
      { spec: { space: 'edited' } },
      {
        'Content-Type': 'application/merge-patch+json',
      },
    );
    const managed = (res.body['metadata'] as Chr['metadata']).managedFields!;
    expect(managed.map((m) => `${m.manager}/${m.operation}`)).toEqual(['creator/Update', 'editor/Update']);
    expect(managed[0]!.fieldsV1).not.toHaveProperty(['f:spec', 'f:space']);
    expect(managed[1]!.fieldsV1).toEqual({ 'f:spec': { 'f:space': {} } });
  });

  it('answers 400 for a malformed JSON patch and accepts strategic merge for built-ins', async () => {
    server.create(chr('jp'));
    const bad = await call(
      'PATCH',
      chrPath('default', 'jp'),
      { op: 'replace' },
      { 'Content-Type': 'application/json-patch+json' },
    );
    expect(bad.status).toBe(400);
    await call('POST', configMapPath('default'), {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'cm' },
      data: { a: '1' },
    });
    const smp = await call(
      'PATCH',
      configMapPath('default', 'cm'),
      { data: { b: '2' } },
      { 'Content-Type': 'application/strategic-merge-patch+json' },
    );
    expect(smp.status).toBe(200);
    expect(smp.body['data']).toEqual({ a: '1', b: '2' });
  });

  it('treats metadata.uid in an update as a precondition', async () => {
    const created = server.create(chr('uid-pre'));
    const res = await call('PUT', chrPath('default', 'uid-pre'), {
      ...created,
      metadata: { ...created.metadata, uid: '00000000-0000-0000-0000-000000000000' },
    });
    expect(res.status).toBe(409);
    expect(res.body['message']).toContain('Precondition failed: UID in precondition');
  });

  it('serves one Event through core/v1 and events.k8s.io/v1 with their field names', async () => {
    const created = await call('POST', '/apis/events.k8s.io/v1/namespaces/default/events', {
      apiVersion: 'events.k8s.io/v1',
      kind: 'Event',
      metadata: { name: 'chr-ready.1' },
      regarding: {
        apiVersion: 'source.confighub.com/v1beta1',
        kind: 'ConfigHubRepository',
        name: 'demo',
        namespace: 'default',
      },
      note: 'stored artifact',
      reason: 'NewArtifact',
      type: 'Normal',
      reportingController: 'confighub-source-controller',
      reportingInstance: 'pod-1',
      action: 'Reconcile',
      eventTime: '2026-01-01T00:00:00.000000Z',
    });
    expect(created.status).toBe(201);
    const core = await call(
      'GET',
      '/api/v1/namespaces/default/events?fieldSelector=involvedObject.name%3Ddemo',
    );
    const [event] = core.body['items'] as Record<string, unknown>[];
    expect(event).toMatchObject({
      apiVersion: 'v1',
      kind: 'Event',
      involvedObject: { kind: 'ConfigHubRepository', name: 'demo' },
      message: 'stored artifact',
      reportingComponent: 'confighub-source-controller',
    });
    expect(event).not.toHaveProperty('note');
    const v1 = await call(
      'GET',
      '/apis/events.k8s.io/v1/namespaces/default/events?fieldSelector=regarding.name%3Ddemo',
    );
    expect((v1.body['items'] as Record<string, unknown>[])[0]).toMatchObject({
      note: 'stored artifact',
      regarding: { name: 'demo' },
    });
  });

  it("refuses the other version's Event field names in field selectors, as the real server does", async () => {
    for (const [path, field] of [
      ['/api/v1/namespaces/default/events', 'regarding.kind'],
      ['/apis/events.k8s.io/v1/namespaces/default/events', 'involvedObject.kind'],
      ['/apis/events.k8s.io/v1/namespaces/default/events', 'source'],
    ] as const) {
      const res = await call('GET', `${path}?fieldSelector=${encodeURIComponent(`${field}=X`)}`);
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({
        reason: 'BadRequest',
        message: `field label not supported: ${field}`,
      });
    }
  });

  it('deletes a collection by label selector', async () => {
    for (const name of ['dc-1', 'dc-2', 'dc-3']) {
      server.create({
        ...chr(name),
        metadata: { name, namespace: 'default', labels: { batch: name === 'dc-3' ? 'keep' : 'drop' } },
      });
    }
    const res = await call('DELETE', `${chrPath('default')}?labelSelector=batch%3Ddrop`);
    expect(res.status).toBe(200);
    expect(server.list('chr', 'default').map((o) => o.metadata.name)).toEqual(['dc-3']);
  });

  it('terminates a namespace: contents are deleted first, then the namespace goes', async () => {
    server.seed([
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', namespace: 'doomed' } },
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'held', namespace: 'doomed', finalizers: ['example.com/hold'] },
      },
    ]);
    const res = await call('DELETE', '/api/v1/namespaces/doomed');
    expect(res.status).toBe(200);
    expect((res.body['status'] as { phase: string }).phase).toBe('Terminating');
    // The namespace controller's finalizer lives in spec.finalizers, not metadata.finalizers.
    expect(res.body['spec']).toEqual({ finalizers: ['kubernetes'] });
    expect(res.body['metadata']).not.toHaveProperty('finalizers');
    await server.waitFor(() => !server.get('configmaps', 'doomed', 'a'), {
      description: 'namespace content deletion',
    });
    const blocked = await call('POST', configMapPath('doomed'), {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'late' },
    });
    expect(blocked.status).toBe(403);
    expect(server.get('namespaces', undefined, 'doomed')).toBeDefined();
    server.patch('configmaps', 'doomed', 'held', { metadata: { finalizers: null } });
    await server.waitForDeletion('namespaces', undefined, 'doomed');
  });

  it('answers unknown paths with 404 and unsupported verbs with 405, as Status bodies', async () => {
    const unknown = await call('GET', '/apis/nope.example.com/v1/things');
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({
      kind: 'Status',
      reason: 'NotFound',
      message: 'the server could not find the requested resource',
    });
    const noStatus = await call('GET', `${configMapPath('default', 'x')}/status`);
    expect(noStatus.status).toBe(404);
    const put = await call('PUT', chrPath('default'), chr('x'));
    expect(put.status).toBe(405);
    expect(put.body).toMatchObject({ reason: 'MethodNotAllowed', code: 405 });
    const mismatch = await call('PUT', chrPath('default', 'a'), { ...chr('b') });
    expect(mismatch.status).toBe(404);
    server.create(chr('a'));
    const renamed = await call('PUT', chrPath('default', 'a'), { ...chr('b') });
    expect(renamed.status).toBe(400);
    expect(renamed.body['message']).toBe('the name of the object (b) does not match the name on the URL (a)');
  });

  it('rejects invalid names with the RFC 1123 message', async () => {
    const res = await call('POST', chrPath('default'), chr('Not_Valid'));
    expect(res.status).toBe(422);
    expect(res.body['message']).toContain(
      'metadata.name: Invalid value: "Not_Valid": a lowercase RFC 1123 subdomain',
    );
  });

  it('rejects malformed selectors with 400', async () => {
    expect(
      (await call('GET', `${chrPath('default')}?labelSelector=${encodeURIComponent('a in b')}`)).status,
    ).toBe(400);
    expect((await call('GET', `${chrPath('default')}?fieldSelector=spec.space%3Dx`)).status).toBe(400);
  });
});
