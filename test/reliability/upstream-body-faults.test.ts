// Upstream faults in what a 200 carries, in paging, in integrity and in credentials, against the whole
// system: condition and reason, last good artifact served, bounded retries, recovery.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../testkit/local-stack.ts';
import { useLocalStack } from '../support/local-stack.ts';
import { condition, type Repo, SECRET } from '../support/repositories.ts';
import { type FaultCycle, itRunsEachFaultCycle, onListing } from './support/fault-cycle.ts';

const stack = useLocalStack();
let elsewhere: Server;
let elsewhereUrl: string;
const elsewhereSeen: IncomingHttpHeaders[] = [];
let touches = 0;

beforeAll(async () => {
  // Another host a redirect points at: it must never be asked anything, least of all with a token.
  elsewhere = createServer((req, res) => {
    elsewhereSeen.push(req.headers);
    res.writeHead(200, { 'content-type': 'application/json' }).end('[]');
  });
  await new Promise<void>((resolve) => elsewhere.listen(0, '127.0.0.1', resolve));
  elsewhereUrl = `http://127.0.0.1:${(elsewhere.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => elsewhere?.close(resolve));
});

/** A unit changes, so the next reconcile downloads data rather than stopping at the listing. */
const touch = (stack: LocalStack) => {
  const unit = stack.emulator.getUnit('shop-prod', 'web-config');
  stack.emulator.setUnitData('shop-prod', 'web-config', `${unit.text}\n# reliability ${++touches}\n`);
};

const cycles: FaultCycle[] = [
  {
    name: 'truncated JSON',
    faults: (s) => [{ ...onListing(s), kind: 'truncate' }],
    reason: 'UpstreamUnavailable',
  },
  {
    name: 'HTML login page',
    faults: (s) => [{ ...onListing(s), kind: 'html' }],
    reason: 'UpstreamUnavailable',
  },
  {
    // ConfigHub is written in Go, where an empty slice encodes as `null`: the client reads it as no units,
    // and the controller refuses to publish an empty artifact that would make Flux prune everything.
    name: 'null list',
    faults: (s) => [{ ...onListing(s), kind: 'nullList' }],
    reason: 'NoUnitsSelected',
  },
  {
    name: 'null element',
    faults: (s) => [{ ...onListing(s), kind: 'nullElement' }],
    reason: 'UpstreamUnavailable',
  },
  {
    name: 'DataHash mismatch',
    faults: () => [{ kind: 'wrongDataHash' }],
    trigger: touch,
    reason: 'IntegrityError',
  },
  {
    // Every page leads back to itself: the page bound ends each attempt, the queue spaces attempts out.
    name: 'endless ConfigHub-Continue',
    faults: (s) => [{ ...onListing(s), kind: 'endlessContinue' }],
    reason: 'LimitExceeded',
    maxListings: 1,
  },
  {
    name: 'redirect to another host',
    faults: (s) => [{ ...onListing(s), kind: 'redirect', location: `${elsewhereUrl}/api/space` }],
    reason: 'UpstreamUnavailable',
  },
  {
    // A static token expires between the listing and the data download of one reconcile.
    name: 'static token expires mid-reconcile',
    faults: () => [{ kind: 'expireTokenAfter', requests: 1 }],
    trigger: touch,
    restore: (s) => s.emulator.addToken(s.emulator.fixture.token),
    reason: 'AuthenticationFailed',
  },
];

describe('upstream body, paging, integrity and credential faults', () => {
  const figures = itRunsEachFaultCycle(
    stack,
    'Upstream body, paging, integrity and credential faults',
    'body',
    cycles,
  );

  it('the redirect target never received a request', () => {
    expect(figures.some((f) => f.fault.startsWith('redirect'))).toBe(true);
    expect(elsewhereSeen).toEqual([]);
  });

  it('a worker token expiring mid-reconcile is renewed in place: the new revision is published', async () => {
    const ns = 'worker-expiry';
    stack.kube.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    stack.kube.create({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'confighub-worker', namespace: ns },
      stringData: {
        workerID: stack.emulator.fixture.workerID,
        workerSecret: stack.emulator.fixture.workerSecret,
      },
    });
    await stack.createRepository(ns, 'shop', { secretRef: { name: 'confighub-worker' } });
    const before = await stack.waitForReady(ns, 'shop');
    stack.emulator.clearRequests();
    // The listing passes with the cached JWT; the data download finds it expired.
    stack.emulator.injectFault({ kind: 'expireTokenAfter', requests: 1 });
    touch(stack);
    stack.requestReconcile(ns, 'shop', 'worker-expiry');
    const after = await stack.waitForReady(
      ns,
      'shop',
      (r: Repo) => r.status?.lastHandledReconcileAt === 'worker-expiry',
    );
    expect(after.status!.artifact!.revision).not.toBe(before.status!.artifact!.revision);
    expect(condition(after, 'FetchFailed')).toBeUndefined();
    const statuses = stack.emulator.requests.map((r) => `${r.method} ${r.path} ${r.status}`);
    expect(statuses.filter((s) => s.endsWith(' 401'))).toHaveLength(1);
    expect(statuses.filter((s) => s.startsWith('POST /auth/worker 200'))).toHaveLength(1);
    expect(stack.kube.get(SECRET, ns, 'confighub-worker')).toBeDefined();
  });
});
