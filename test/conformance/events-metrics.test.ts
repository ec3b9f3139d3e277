// Conformance checklist 44-48: Kubernetes Events, forwarding to notification-controller (a small
// HTTP server stands in for it), and the metrics and health endpoints.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useLocalStack } from '../support/local-stack.ts';
import { WAIT } from '../support/progress.ts';
import { CHR, condition, type Repo } from '../support/repositories.ts';
import { kubeEvents } from './support.ts';

type Notification = {
  involvedObject: { apiVersion: string; kind: string; name: string; namespace: string; uid?: string };
  severity: string;
  timestamp: string;
  message: string;
  reason: string;
  metadata: Record<string, string>;
  reportingController: string;
  reportingInstance?: string;
};

/** Answers per reason: 429 ("duplicate") for authentication failures, one 500 for the first NewArtifact. */
const received: Notification[] = [];
let failedOnce = false;
let notifications: Server;
let port: number;
let repo: Repo;

beforeAll(async () => {
  notifications = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const event = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Notification;
      received.push(event);
      if (event.reason === 'AuthenticationFailed') res.statusCode = 429;
      else if (event.reason === 'NewArtifact' && !failedOnce) {
        failedOnce = true;
        res.statusCode = 500;
      } else res.statusCode = 202;
      res.end();
    });
  });
  await new Promise<void>((resolve) => notifications.listen(0, '127.0.0.1', resolve));
  port = (notifications.address() as AddressInfo).port;
});
afterAll(async () => {
  await new Promise<void>((resolve) => {
    notifications?.closeAllConnections();
    notifications?.close(() => resolve());
  });
});
const stack = useLocalStack(() => ({ controllerArgs: [`--events-addr=http://127.0.0.1:${port}/`] }));
beforeAll(async () => {
  await stack.createRepository('team-a', 'shop');
  repo = await stack.waitForReady('team-a', 'shop');
});

describe('events and metrics', () => {
  it('44. a new digest records a Normal NewArtifact event annotated with <group>/revision and <group>/digest', () => {
    const events = kubeEvents(stack, 'team-a', 'shop', 'ConfigHubRepository').filter(
      (e) => e.reason === 'NewArtifact',
    );
    expect(events).toHaveLength(1);
    expect(events[0]!.type).toBe('Normal');
    expect(events[0]!.message).toContain(repo.status!.artifact!.revision);
    expect(events[0]!.metadata.annotations).toMatchObject({
      'source.confighub.com/revision': repo.status!.artifact!.revision,
      'source.confighub.com/digest': repo.status!.artifact!.digest,
    });
  });

  it("45. failures record Warning events whose reason equals the failing condition's reason", async () => {
    await stack.createRepository('team-b', 'shop');
    await stack.waitForReady('team-b', 'shop');
    stack.kube.patch(CHR, 'team-b', 'shop', {
      metadata: { annotations: { 'event.toolkit.fluxcd.io/team': 'payments' } },
    });
    stack.setToken('team-b', 'expired');
    stack.requestReconcile('team-b', 'shop', 'bad-token');
    const failed = await stack.waitForCondition('team-b', 'shop', 'FetchFailed', 'True');
    const reason = condition(failed, 'FetchFailed')!.reason;
    expect(reason).toBe('AuthenticationFailed');
    expect(condition(failed, 'Ready')!.reason).toBe(reason);
    const warnings = kubeEvents(stack, 'team-b', 'shop', 'ConfigHubRepository').filter(
      (e) => e.type === 'Warning',
    );
    expect(warnings.map((e) => e.reason)).toContain(reason);

    stack.kube.patch(CHR, 'team-b', 'shop', { spec: { insecure: false } });
    const stalled = await stack.waitForCondition('team-b', 'shop', 'Stalled', 'True');
    const stalledReason = condition(stalled, 'Stalled')!.reason;
    await expect
      .poll(
        () =>
          kubeEvents(stack, 'team-b', 'shop', 'ConfigHubRepository').some(
            (e) => e.type === 'Warning' && e.reason === stalledReason,
          ),
        WAIT,
      )
      .toBe(true);
  });

  it('46. with --events-addr, events are POSTed as JSON with involvedObject, severity, timestamp, message, reason, metadata and reportingController; a 429 is not retried', async () => {
    const newArtifacts = () =>
      received.filter((e) => e.reason === 'NewArtifact' && e.involvedObject.namespace === 'team-a');
    // The first answer was a 500: that one is retried (in the background).
    await expect.poll(() => newArtifacts().length, WAIT).toBeGreaterThanOrEqual(2);
    const newArtifact = newArtifacts();
    expect(newArtifact.length).toBe(2);
    const event = newArtifact[0]!;
    expect(event.involvedObject).toMatchObject({ name: 'shop', namespace: 'team-a' });
    expect(['ExternalArtifact', 'ConfigHubRepository']).toContain(event.involvedObject.kind);
    expect(event.severity).toBe('info');
    expect(event.timestamp).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/);
    expect(event.reportingController).toBe('confighub-source-controller');
    const group = event.involvedObject.apiVersion.split('/')[0];
    expect(event.metadata[`${group}/revision`]).toBe(repo.status!.artifact!.revision);

    const failures = received.filter((e) => e.reason === 'AuthenticationFailed');
    expect(failures.length).toBeGreaterThan(0);
    expect(failures.every((e) => e.severity === 'error')).toBe(true);
    // The object's event.toolkit.fluxcd.io/ annotations travel with its events, as Flux's do.
    expect(failures[0]!.metadata['event.toolkit.fluxcd.io/team']).toBe('payments');
    // Each emission reached notification-controller once: the 429s were not retried.
    await stack.controller!.events.flush();
    const emitted = kubeEvents(stack, 'team-b', 'shop', 'ConfigHubRepository')
      .filter((e) => e.reason === 'AuthenticationFailed')
      .reduce((sum, e) => sum + (e.count ?? 1), 0);
    expect(failures.length).toBe(emitted);
  });

  it('47. /metrics exposes gotk_reconcile_duration_seconds as a histogram labelled kind, name, namespace', async () => {
    const text = await (await fetch(`${stack.controller!.servers.metrics.url}/metrics`)).text();
    expect(text).toContain('# TYPE gotk_reconcile_duration_seconds histogram');
    const labels = 'kind="ConfigHubRepository",name="shop",namespace="team-a"';
    const count = text
      .split('\n')
      .find((l) => l.startsWith('gotk_reconcile_duration_seconds_count{') && l.includes(labels));
    expect(count).toBeDefined();
    expect(Number(count!.split(' ').pop())).toBeGreaterThanOrEqual(1);
    expect(
      text
        .split('\n')
        .some(
          (l) =>
            l.startsWith('gotk_reconcile_duration_seconds_bucket{') &&
            l.includes(labels) &&
            l.includes('le="+Inf"'),
        ),
    ).toBe(true);
  });

  it('48. /healthz and /readyz return 200 while the process is healthy', async () => {
    const base = stack.controller!.servers.health.url;
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
  });
});
