// The informer against a real Kubernetes API test server: list then watch, resume after a dropped
// stream without re-listing, re-list on 410 with deletions noticed, and backoff that honours Retry-After.
import { KubeConfig } from '@kubernetes/client-node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KubeClient, type KubeObject } from '../../src/kube/client.ts';
import { Informer } from '../../src/kube/informer.ts';
import { resources } from '../../src/kube/resources.ts';
import { silentLogger } from '../../src/telemetry/logger.ts';
import { KubeApiServer } from '../../testkit/kube-api-server/index.ts';

let kube: KubeApiServer;
let client: KubeClient;
let informer: Informer | undefined;
const seen: string[] = [];
const sleeps: number[] = [];

function secret(name: string, value = 'v'): object {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace: 'team-a' },
    stringData: { key: value },
  };
}

function start(): Informer {
  informer = new Informer(client, resources.secret, {
    namespace: 'team-a',
    logger: silentLogger(),
    watchTimeoutSeconds: 30,
    // Recorded, and kept short so the tests do not wait out real backoff.
    sleep: (ms, signal) => {
      sleeps.push(ms);
      return new Promise((resolve) => {
        const timer = setTimeout(resolve, 10);
        signal.addEventListener('abort', () => {
          clearTimeout(timer);
          resolve();
        });
      });
    },
  });
  informer.on({
    add: (o: KubeObject) => seen.push(`add ${o.metadata.name}`),
    update: (_p: KubeObject, o: KubeObject) => seen.push(`update ${o.metadata.name}`),
    delete: (o: KubeObject) => seen.push(`delete ${o.metadata.name}`),
  });
  return informer;
}

beforeEach(async () => {
  seen.length = 0;
  sleeps.length = 0;
  kube = await new KubeApiServer({ namespaces: ['team-a'] }).listen();
  const config = new KubeConfig();
  config.loadFromOptions(kube.kubeConfig());
  client = new KubeClient(config);
});
afterEach(async () => {
  await informer?.stop();
  informer = undefined;
  await client.close();
  await kube.close();
});

describe('Informer', () => {
  it('lists, then delivers adds, updates and deletes from the watch', async () => {
    kube.create(secret('a'));
    const i = start();
    await i.start();
    expect(i.get('team-a', 'a')).toBeDefined();
    kube.create(secret('b'));
    kube.patch('secrets', 'team-a', 'a', { stringData: { key: 'changed' } });
    kube.delete('secrets', 'team-a', 'b');
    await kube.waitFor(() => seen.includes('delete b'), { description: 'watch events' });
    expect(seen).toEqual(['add a', 'add b', 'update a', 'delete b']);
    expect(i.get('team-a', 'b')).toBeUndefined();
  });

  it('caches listed and watched objects without managedFields', async () => {
    await client.create(resources.secret, 'team-a', secret('listed'));
    const i = start();
    await i.start();
    await client.create(resources.secret, 'team-a', secret('watched'));
    await kube.waitFor(() => seen.includes('add watched'), { description: 'watched add' });
    for (const name of ['listed', 'watched']) {
      const live = await client.get(resources.secret, 'team-a', name);
      expect(live.metadata['managedFields']).toBeDefined();
      expect(i.get('team-a', name)?.metadata).not.toHaveProperty('managedFields');
    }
  });

  it('resumes a dropped watch from its last resourceVersion without re-listing, missing nothing', async () => {
    const i = start();
    await i.start();
    const watches = i.stats.watches;
    kube.dropWatches();
    kube.create(secret('during-the-drop'));
    await kube.waitFor(() => i.get('team-a', 'during-the-drop'), { description: 'the missed add' });
    expect(i.stats.lists).toBe(1);
    expect(i.stats.watches).toBeGreaterThan(watches);
  });

  it('re-lists after 410 Expired and reports objects deleted meanwhile', async () => {
    kube.create(secret('doomed'));
    const i = start();
    await i.start();
    kube.dropWatches();
    kube.delete('secrets', 'team-a', 'doomed');
    kube.create(secret('newcomer'));
    kube.compactHistory();
    await kube.waitFor(() => seen.includes('delete doomed') && seen.includes('add newcomer'), {
      description: 're-list',
    });
    expect(i.stats.expired).toBeGreaterThanOrEqual(1);
    expect(i.stats.lists).toBeGreaterThanOrEqual(2);
  });

  it('backs off when watches end at once without an event, instead of re-watching in a tight loop', async () => {
    kube.setMaxWatchSeconds(0);
    const i = start();
    await i.start();
    await kube.waitFor(() => sleeps.length >= 3, { description: 'three backoffs' });
    // One sleep per short watch, and the delays grow (1 s, 2 s, 4 s ± 20 % jitter).
    expect(i.stats.watches - sleeps.length).toBeLessThanOrEqual(1);
    expect(sleeps[0]).toBeGreaterThanOrEqual(800);
    expect(sleeps[1]!).toBeGreaterThan(sleeps[0]!);
    expect(sleeps[2]!).toBeGreaterThan(sleeps[1]!);
    expect(i.stats.lists).toBe(1);
  });

  it('backs off on errors, never sooner than a Retry-After', async () => {
    kube.failNext(2, { status: 429, retryAfterSeconds: 3, methods: ['GET'] });
    const i = start();
    await i.start();
    expect(i.stats.errors).toBe(2);
    expect(sleeps).toHaveLength(2);
    for (const ms of sleeps) expect(ms).toBeGreaterThanOrEqual(3000);
  });
});
