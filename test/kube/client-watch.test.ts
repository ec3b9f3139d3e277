// A watch stream that goes silent (no event, no bookmark) is dead: KubeClient.watch ends it and resolves,
// so the informer resumes from its last resourceVersion instead of waiting on it for the server's whole
// timeout. Against the Kubernetes API test server with bookmarks effectively off.
import { KubeConfig } from '@kubernetes/client-node';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { KubeClient, type WatchEvent } from '../../src/kube/client.ts';
import { resources } from '../../src/kube/resources.ts';
import { KubeApiServer } from '../../testkit/kube-api-server/index.ts';

let kube: KubeApiServer;
let client: KubeClient;

beforeEach(async () => {
  kube = await new KubeApiServer({ namespaces: ['team-a'], bookmarkIntervalMs: 600_000 }).listen();
  const config = new KubeConfig();
  config.loadFromOptions(kube.kubeConfig());
  client = new KubeClient(config, { watchInactivityMs: 300 });
});
afterEach(async () => {
  await client.close();
  await kube.close();
});

it('ends a silent watch cleanly after the inactivity limit, without an error', async () => {
  const events: WatchEvent[] = [];
  const silent = client.watch(resources.secret, { namespace: 'team-a', timeoutSeconds: 300 }, (e) =>
    events.push(e),
  );
  await expect(silent).resolves.toBeUndefined();
  expect(events).toEqual([]);
  await kube.waitFor(() => kube.openWatches === 0, { description: 'the server to see the stream closed' });
  expect(kube.requests.filter((r) => r.watch)).toHaveLength(1);
});
