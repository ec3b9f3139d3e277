// StatusWriter against the Kubernetes API test server over HTTP: a merge patch only merges, so fields
// that disappear from the status — nested ones included, like a drift error that is gone — must be
// removed explicitly, or they stay in the cluster forever.
import { readFile } from 'node:fs/promises';
import { KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { RepositoryStatus } from '../../src/api/v1beta1.ts';
import { StatusWriter } from '../../src/controller/status-writer.ts';
import { KubeClient } from '../../src/kube/client.ts';
import { KubeApiServer } from '../../testkit/kube-api-server/index.ts';
import { PROJECT_CRD } from '../../testkit/local-stack.ts';
import { CHR } from '../support/repositories.ts';

let server: KubeApiServer;
let client: KubeClient;
beforeAll(async () => {
  server = await new KubeApiServer().listen();
  server.registerCrd(await readFile(PROJECT_CRD, 'utf8'));
  const config = new KubeConfig();
  config.loadFromOptions(server.kubeConfig());
  client = new KubeClient(config);
});
afterAll(async () => {
  await client?.close();
  await server?.close();
});

/** A repository `name` in `default` (no controller runs here) and a writer for its status. */
function newRepository(name: string) {
  const created = server.create({
    apiVersion: 'source.confighub.com/v1beta1',
    kind: 'ConfigHubRepository',
    metadata: { name, namespace: 'default' },
    spec: { interval: '1h', space: name, secretRef: { name: 'token' } },
  });
  return { created, uid: created.metadata.uid, writer: new StatusWriter(client) };
}

function drift(errors: { object: string; message: string }[], consumer?: string) {
  return {
    mode: 'report',
    source: 'inventory',
    ...(consumer ? { consumer } : {}),
    checkedAt: '2026-01-01T00:00:00Z',
    summary: { objects: 2, drifted: 0, missing: 0, excluded: 0, errors: errors.length, items: 0 },
    items: [],
    ...(errors.length ? { errors } : {}),
  };
}

it('removes a cleared drift error (and other nested fields) from the stored status', async () => {
  const { uid, writer } = newRepository('shop');
  const failing = {
    observedGeneration: 1,
    drift: drift(
      [{ object: 'apps/v1/Deployment/shop/web', message: 'forbidden' }],
      'Kustomization/flux-system/apps',
    ),
  } as RepositoryStatus;
  await writer.write('default', 'shop', uid, {}, failing);
  const stored = server.get(CHR, 'default', 'shop')!['status'] as { drift: Record<string, unknown> };
  expect(stored.drift['errors']).toHaveLength(1);

  const healed = { observedGeneration: 1, drift: drift([]) } as RepositoryStatus;
  await writer.write('default', 'shop', uid, failing, healed);
  const after = server.get(CHR, 'default', 'shop')!['status'] as { drift: Record<string, unknown> };
  expect(after.drift['errors']).toBeUndefined();
  expect(after.drift['consumer']).toBeUndefined();
  expect(after).toEqual(healed);
  // One merge patch per change, naming our field manager.
  const writes = server.requests.filter((r) => r.method === 'PATCH');
  expect(writes).toHaveLength(2);
  expect(writes.map((r) => r.fieldManager)).toEqual([
    'confighub-source-controller',
    'confighub-source-controller',
  ]);
});

it('remembers a write until the cache shows it, without the unit list, and clears stale units', async () => {
  const { created, uid, writer } = newRepository('fleet');
  const unit = { slug: 'web', unitID: 'u1', revisionNum: 1, dataHash: 'h1' };
  const fetched = { spaceID: 's', ref: 'HEAD', unitCount: 1, fingerprint: 'f1', units: [unit] };
  await writer.write('default', 'fleet', uid, {}, { fetched });
  const stored = server.get(CHR, 'default', 'fleet')!;
  expect((stored['status'] as RepositoryStatus).fetched?.units).toEqual([unit]);

  // A cache that has not seen the write yet gets what was written, with an empty unit list.
  const stale = writer.remembered('default', 'fleet', {
    uid,
    resourceVersion: created.metadata.resourceVersion,
  });
  expect(stale).toEqual({ fetched: { ...fetched, units: [] } });
  expect(writer.remembered('default', 'fleet', { uid: 'other', resourceVersion: 'x' })).toBeUndefined();

  // A new summary without units (say, too many to list) still removes the stored list.
  const { units: _, ...withoutUnits } = { ...fetched, fingerprint: 'f2' };
  await writer.write('default', 'fleet', uid, stale!, { fetched: withoutUnits });
  const after = server.get(CHR, 'default', 'fleet')!;
  expect((after['status'] as RepositoryStatus).fetched).toEqual(withoutUnits);

  // Once the cache shows the write, the cache is the only copy.
  const caught = { uid, resourceVersion: after.metadata.resourceVersion };
  expect(writer.remembered('default', 'fleet', caught)).toBeUndefined();
  expect(writer.remembered('default', 'fleet', { uid, resourceVersion: 'older' })).toBeUndefined();
});
