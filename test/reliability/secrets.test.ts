// A whole scenario with a token and with worker credentials, failures included, then every output the
// controller produces — its logs at trace level, all Events and those forwarded to notification-controller,
// all statuses, /metrics, served artifacts — is searched for the token, the worker secret, the JWTs ConfigHub
// issued and the rejected credentials.
import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { CHR, type Repo, SECRET } from '../support/repositories.ts';
import { listingPath } from './support/fault-cycle.ts';
import { useWatchedStack } from './support/watched-stack.ts';

const token = `chx_reliability_${randomBytes(12).toString('hex')}`;
const rejectedToken = `chx_rejected_${randomBytes(12).toString('hex')}`;
const workerID = `worker-${randomBytes(4).toString('hex')}`;
const workerSecret = `ch_workersecret_${randomBytes(16).toString('hex')}`;
const rejectedWorkerSecret = `ch_wrongsecret_${randomBytes(16).toString('hex')}`;

const watched = useWatchedStack();
const stack = watched.stack;
beforeAll(() => {
  stack.emulator.addToken(token);
  stack.emulator.addWorker(workerID, workerSecret);
});

function secret(ns: string, name: string, data: Record<string, string>) {
  if (!stack.kube.get('namespaces', undefined, ns)) {
    stack.kube.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
  }
  stack.kube.create({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace: ns },
    stringData: data,
  });
}

function setSecret(ns: string, name: string, data: Record<string, string>) {
  const encoded = Object.fromEntries(
    Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString('base64')]),
  );
  stack.kube.patch(SECRET, ns, name, { data: encoded });
}

describe('no credential in any output', () => {
  beforeAll(async () => {
    // Token: success, a rejected token, upstream failures, recovery.
    secret('sec-token', 'creds', { token });
    await stack.createRepository('sec-token', 'shop', { secretRef: { name: 'creds' } });
    await stack.waitForReady('sec-token', 'shop');
    setSecret('sec-token', 'creds', { token: rejectedToken });
    stack.requestReconcile('sec-token', 'shop', 'rejected');
    await stack.waitForCondition('sec-token', 'shop', 'Ready', 'False', 'AuthenticationFailed');
    setSecret('sec-token', 'creds', { token });
    for (const [i, status] of [500, 403, 401].entries()) {
      const remove = stack.emulator.injectFault({ route: listingPath(stack), kind: 'status', status });
      stack.requestReconcile('sec-token', 'shop', `status-${i}`);
      await stack.kube.waitForObject(
        CHR,
        'sec-token',
        'shop',
        (o) => (o as Repo).status?.lastHandledReconcileAt === `status-${i}`,
      );
      remove();
    }
    const redirect = stack.emulator.injectFault({
      route: listingPath(stack),
      kind: 'redirect',
      location: 'http://127.0.0.1:9/x',
    });
    stack.requestReconcile('sec-token', 'shop', 'redirect');
    await stack.waitForCondition('sec-token', 'shop', 'Ready', 'False', 'UpstreamUnavailable');
    redirect();
    stack.requestReconcile('sec-token', 'shop', 'recovered');
    await stack.waitForReady('sec-token', 'shop', (r) => r.status?.lastHandledReconcileAt === 'recovered');

    // Worker: JWT exchange, a JWT expiring mid-reconcile, a rejected worker secret, a malformed Secret.
    secret('sec-worker', 'creds', { workerID, workerSecret });
    await stack.createRepository('sec-worker', 'shop', { secretRef: { name: 'creds' } });
    await stack.waitForReady('sec-worker', 'shop');
    stack.emulator.injectFault({ kind: 'expireTokenAfter', requests: 1 });
    const unit = stack.emulator.getUnit('shop-prod', 'web-config');
    stack.emulator.setUnitData('shop-prod', 'web-config', `${unit.text}\n# secrets scenario\n`);
    stack.requestReconcile('sec-worker', 'shop', 'expiry');
    await stack.waitForReady('sec-worker', 'shop', (r) => r.status?.lastHandledReconcileAt === 'expiry');
    setSecret('sec-worker', 'creds', { workerID, workerSecret: rejectedWorkerSecret });
    stack.requestReconcile('sec-worker', 'shop', 'rejected');
    await stack.waitForCondition('sec-worker', 'shop', 'Ready', 'False', 'AuthenticationFailed');
    secret('sec-worker', 'broken', { workerID, workerSecret: `${workerSecret}\u0007` });
    await stack.createRepository('sec-worker', 'broken', { secretRef: { name: 'broken' } });
    await stack.waitForCondition('sec-worker', 'broken', 'Stalled', 'True', 'InvalidSecret');
  }, 60_000);

  it('the scenario really used the credentials and ConfigHub issued JWTs', () => {
    const bearers = new Set(
      stack.emulator.requests.map((r) => r.authorization).filter((a) => a !== undefined),
    );
    expect(bearers).toContain(`Bearer ${token}`);
    expect(bearers).toContain(`Bearer ${rejectedToken}`);
    expect(jwts().length).toBeGreaterThanOrEqual(2);
    expect(watched.logs().length).toBeGreaterThan(1000);
  });

  it('logs, events, statuses, metrics and artifacts contain none of them', async () => {
    const outputs = await watched.outputs();
    const needles = [token, rejectedToken, workerSecret, rejectedWorkerSecret, ...jwts()];
    for (const needle of [...needles]) {
      needles.push(Buffer.from(needle).toString('base64'));
      const signature = needle.split('.')[2];
      if (signature !== undefined) needles.push(signature);
    }
    const hits: string[] = [];
    for (const [where, text] of Object.entries(outputs)) {
      for (const needle of needles) if (text.includes(needle)) hits.push(`${where}: ${needle.slice(0, 12)}…`);
    }
    expect(hits).toEqual([]);
    expect(outputs.artifacts.length).toBeGreaterThan(1000);
    expect(watched.forwarded()).toContain('AuthenticationFailed');
  });
});

/** JWTs presented to ConfigHub (issued by /auth/worker). */
function jwts(): string[] {
  const out = new Set<string>();
  for (const r of stack.emulator.requests) {
    const value = r.authorization?.replace(/^Bearer /, '');
    if (value !== undefined && value.split('.').length === 3) out.add(value);
  }
  return [...out];
}
