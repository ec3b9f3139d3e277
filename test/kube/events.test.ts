// The event recorder against a real Kubernetes API test server and a stand-in notification-controller:
// what is written, what is forwarded, what is retried, and that forwarding never holds a caller up.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { KubeClient } from '../../src/kube/client.ts';
import { KubeEventRecorder, type RecordedEvent } from '../../src/kube/events.ts';
import { silentLogger } from '../../src/telemetry/logger.ts';
import { KubeApiServer } from '../../testkit/kube-api-server/index.ts';

type Posted = { reason: string; severity: string; metadata: Record<string, string> };

let kube: KubeApiServer;
let client: KubeClient;
let notifications: Server;
let eventsAddr: string;
const posted: Posted[] = [];
/** Decides the answer per request; `undefined` never answers (a hung notification-controller). */
let answer: (event: Posted, attempt: number) => number | undefined = () => 202;
const pending: ServerResponse[] = [];

beforeAll(async () => {
  kube = await new KubeApiServer({ namespaces: ['team-a'] }).listen();
  const config = new KubeConfig();
  config.loadFromOptions(kube.kubeConfig());
  client = new KubeClient(config);
  notifications = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const event = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Posted;
      posted.push(event);
      const status = answer(event, posted.filter((p) => p.reason === event.reason).length);
      if (status === undefined) {
        pending.push(res);
        return;
      }
      res.statusCode = status;
      res.end();
    });
  });
  await new Promise<void>((resolve) => notifications.listen(0, '127.0.0.1', resolve));
  eventsAddr = `http://127.0.0.1:${(notifications.address() as AddressInfo).port}/`;
});
beforeEach(() => {
  posted.length = 0;
  answer = () => 202;
});
afterAll(async () => {
  for (const res of pending) res.destroy();
  notifications.closeAllConnections();
  await new Promise<void>((resolve) => notifications.close(() => resolve()));
  await client.close();
  await kube.close();
});

function event(reason: string, overrides: Partial<RecordedEvent> = {}): RecordedEvent {
  return {
    involvedObject: {
      apiVersion: 'source.confighub.com/v1beta1',
      kind: 'ConfigHubRepository',
      name: 'shop',
      namespace: 'team-a',
      uid: '3f0b3cf6-3f7e-4c57-9d0b-0a4c0f9f4a11',
    },
    type: 'Warning',
    reason,
    message: `${reason} happened`,
    ...overrides,
  };
}

describe('KubeEventRecorder', () => {
  it('writes a Kubernetes Event and aggregates repeats by count', async () => {
    const recorder = new KubeEventRecorder(client, { logger: silentLogger(), instance: 'pod-1' });
    await recorder.record(event('Repeated'));
    await recorder.record(event('Repeated'));
    const written = kube.list('events', 'team-a').filter((e) => e['reason'] === 'Repeated');
    expect(written).toHaveLength(1);
    expect(written[0]).toMatchObject({ type: 'Warning', count: 2, reportingInstance: 'pod-1' });
  });

  it('forwards with the Flux payload, retries a 500, and never retries a 429', async () => {
    answer = (e, attempt) =>
      e.reason === 'Throttled' ? 429 : e.reason === 'Flaky' && attempt === 1 ? 500 : 202;
    const recorder = new KubeEventRecorder(client, { logger: silentLogger(), instance: 'pod-1', eventsAddr });
    await recorder.record(event('Throttled'));
    await recorder.record(
      event('Flaky', {
        type: 'Normal',
        metadata: { 'source.confighub.com/revision': 'head@sha256:abc', 'event.toolkit.fluxcd.io/team': 'a' },
      }),
    );
    await recorder.flush();
    expect(posted.filter((p) => p.reason === 'Throttled')).toHaveLength(1);
    const flaky = posted.filter((p) => p.reason === 'Flaky');
    expect(flaky).toHaveLength(2);
    expect(flaky[1]).toMatchObject({
      severity: 'info',
      metadata: { 'source.confighub.com/revision': 'head@sha256:abc', 'event.toolkit.fluxcd.io/team': 'a' },
    });
    expect(posted.find((p) => p.reason === 'Throttled')!.severity).toBe('error');
  });

  it('does not forward Trace or local-only events', async () => {
    const recorder = new KubeEventRecorder(client, { logger: silentLogger(), instance: 'pod-1', eventsAddr });
    await recorder.record(event('Traced', { type: 'Trace' }));
    await recorder.record(event('Twin', { localOnly: true }));
    await recorder.flush();
    expect(posted).toEqual([]);
    expect(kube.list('events', 'team-a').map((e) => e['reason'])).toEqual(
      expect.arrayContaining(['Traced', 'Twin']),
    );
  });

  it('records without waiting for a hung notification-controller, and flush gives up after its timeout', async () => {
    answer = () => undefined;
    const recorder = new KubeEventRecorder(client, { logger: silentLogger(), instance: 'pod-1', eventsAddr });
    await recorder.record(event('Hung'));
    expect(kube.list('events', 'team-a').some((e) => e['reason'] === 'Hung')).toBe(true);
    await recorder.flush(50);
    // The POST is still unanswered: flush returned because of its own deadline.
    expect(pending.length).toBeGreaterThanOrEqual(1);
  });
});
