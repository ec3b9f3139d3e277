// Hostile credentials cases over real HTTP: an upstream echoing the bearer token in a 401 body right where
// messages used to be cut, credentials in spec.url, a non-ASCII token, a bad CA, a NUL in `where`, and a
// stale SecretNotFound beside Stalled. Each ends with a precise condition, the last artifact (if any)
// still served, and no 12-character piece of any credential in logs, Events, forwarded events, statuses,
// /metrics or artifacts.
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHR, condition, download, type Repo, SECRET, sha256 } from '../support/repositories.ts';
import { useWatchedStack } from './support/watched-stack.ts';

const token = `chx_echoed_${randomBytes(12).toString('hex')}`;
const password = `Pw${randomBytes(10).toString('hex')}`;
const nonAsciiToken = `chx_ünïcødé_${randomBytes(8).toString('hex')}`;
const controlToken = `chx_bell_${randomBytes(8).toString('hex')}\u0007x`;

let echoing: Server;
let echoUrl = '';
/** While set, the upstream answers 401 with a body echoing the bearer token at character 272. */
let echo401 = false;

// Registered before the stack, so the echoing upstream starts first and stops last.
beforeAll(async () => {
  echoing = createServer((req, res) => {
    const authorization = req.headers.authorization ?? '';
    if (echo401) {
      const prefix = 'unauthorized: ';
      const message = `${prefix}${'x'.repeat(272 - prefix.length)}${authorization}\n\u001b[31mdenied`;
      res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ Message: message }));
      return;
    }
    fetch(`${stack.emulator.url}${req.url ?? '/'}`, { headers: { authorization } })
      .then(async (upstream) => {
        const body = Buffer.from(await upstream.arrayBuffer());
        const headers: Record<string, string> = { 'content-length': String(body.length) };
        for (const name of ['content-type', 'confighub-continue', 'confighub-version', 'etag']) {
          const value = upstream.headers.get(name);
          if (value !== null) headers[name] = value;
        }
        res.writeHead(upstream.status, headers).end(body);
      })
      .catch(() => res.writeHead(502).end());
  });
  await new Promise<void>((resolve) => echoing.listen(0, '127.0.0.1', resolve));
  echoUrl = `http://127.0.0.1:${(echoing.address() as AddressInfo).port}`;
});
afterAll(async () => {
  echoing?.closeAllConnections();
  await new Promise((resolve) => echoing?.close(resolve));
});
const watched = useWatchedStack();
const stack = watched.stack;
beforeAll(() => {
  stack.emulator.addToken(token);
});

function namespace(ns: string) {
  if (!stack.kube.get('namespaces', undefined, ns)) {
    stack.kube.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
  }
}

function secret(ns: string, name: string, data: Record<string, string>) {
  namespace(ns);
  stack.kube.create({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace: ns },
    stringData: data,
  });
}

describe('hostile credential cases', () => {
  it('a 401 body echoing the bearer token where messages are cut: scrubbed, one line, last artifact served', async () => {
    secret('echo', 'creds', { token });
    await stack.createRepository('echo', 'shop', { url: echoUrl, secretRef: { name: 'creds' } });
    const good = (await stack.waitForReady('echo', 'shop')).status!.artifact!;
    echo401 = true;
    try {
      const repo = await stack.reconcileNow('echo', 'shop', 'echo');
      const ready = condition(repo, 'Ready')!;
      expect(ready).toMatchObject({ status: 'False', reason: 'AuthenticationFailed' });
      expect(ready.message).toContain('[redacted]');
      expect(ready.message).not.toMatch(/[\u0000-\u001f]/);
      expect(repo.status!.artifact).toEqual(good);
      const served = await download(good.url);
      expect(sha256(served.bytes)).toBe(good.digest);
    } finally {
      echo401 = false;
    }
  });

  it('credentials in spec.url are refused by the CRD', () => {
    namespace('userinfo');
    const url = stack.emulator.url.replace('http://', `http://alice:${password}@`);
    expect(() => stack.kube.create(stack.repository('userinfo', 'shop', { url }))).toThrow();
    expect(stack.kube.get(CHR, 'userinfo', 'shop')).toBeUndefined();
  });

  /** A Ready repository in its own namespace, and its artifact. */
  async function readyRepository(ns: string) {
    secret(ns, 'creds', { token });
    await stack.createRepository(ns, 'shop', { secretRef: { name: 'creds' } });
    return (await stack.waitForReady(ns, 'shop')).status!.artifact!;
  }

  async function expectStillServed(ns: string, good: NonNullable<NonNullable<Repo['status']>['artifact']>) {
    expect((stack.kube.get(CHR, ns, 'shop') as Repo).status!.artifact).toEqual(good);
    const served = await download(good.url);
    expect(served.status).toBe(200);
    expect(sha256(served.bytes)).toBe(good.digest);
  }

  it('a non-ASCII token is Stalled with one precise message, the last artifact stays', async () => {
    const good = await readyRepository('non-ascii');
    stack.kube.patch(SECRET, 'non-ascii', 'creds', {
      data: { token: Buffer.from(nonAsciiToken).toString('base64') },
    });
    stack.requestReconcile('non-ascii', 'shop', 'non-ascii');
    const repo = await stack.waitForCondition('non-ascii', 'shop', 'Stalled', 'True', 'InvalidSecret');
    expect(condition(repo, 'Stalled')!.message).toBe(
      "invalid Secret 'creds': the ConfigHub token contains non-ASCII characters",
    );
    await expectStillServed('non-ascii', good);
  });

  it('Stalled=InvalidSecret clears a stale FetchFailed=SecretNotFound', async () => {
    namespace('stale');
    stack.kube.create(stack.repository('stale', 'shop', { secretRef: { name: 'late' } }));
    await stack.waitForCondition('stale', 'shop', 'FetchFailed', 'True', 'SecretNotFound');
    secret('stale', 'late', { token: controlToken });
    stack.requestReconcile('stale', 'shop', 'secret-arrived');
    const repo = await stack.waitForCondition('stale', 'shop', 'Stalled', 'True', 'InvalidSecret');
    expect(condition(repo, 'FetchFailed')).toBeUndefined();
    expect(condition(repo, 'Ready')).toMatchObject({ status: 'False', reason: 'InvalidSecret' });
  });

  it('an invalid ca.crt is Stalled, naming the key and not the TLS library text; the last artifact stays', async () => {
    const good = await readyRepository('bad-ca');
    secret('bad-ca', 'tls', { 'ca.crt': 'not a certificate\nat all' });
    stack.kube.patch(CHR, 'bad-ca', 'shop', { spec: { certSecretRef: { name: 'tls' } } });
    const repo = await stack.waitForCondition('bad-ca', 'shop', 'Stalled', 'True', 'InvalidSecret');
    expect(condition(repo, 'Stalled')!.message).toBe(
      "invalid Secret 'tls': 'ca.crt' holds no PEM certificate",
    );
    await expectStillServed('bad-ca', good);
  });

  it('a NUL in where is refused before anything is sent; the last artifact stays', async () => {
    const good = await readyRepository('nul');
    const before = stack.emulator.requests.length;
    stack.kube.patch(CHR, 'nul', 'shop', { spec: { where: "Labels.app = 'web'\u0000 OR 1=1" } });
    const repo = await stack.waitForCondition('nul', 'shop', 'Stalled', 'True', 'InvalidFilter');
    expect(condition(repo, 'Stalled')!.message).toContain('NUL');
    expect(condition(repo, 'Stalled')!.message).not.toMatch(/[\u0000-\u001f]/);
    // No request after the change carries the filter (it travels in the query).
    const sent = stack.emulator.requests.slice(before);
    expect(sent.filter((r) => Object.values(r.query).some((v) => v.includes('OR 1=1')))).toEqual([]);
    await expectStillServed('nul', good);
  });

  it('no 12-character piece of any credential in logs, Events, statuses, /metrics or artifacts', async () => {
    const outputs = await watched.outputs();
    expect(outputs.logs.length).toBeGreaterThan(1000);
    expect(outputs.artifacts.length).toBeGreaterThan(1000);
    const hits: string[] = [];
    for (const credential of [token, password, nonAsciiToken, controlToken]) {
      for (let i = 0; i + 12 <= credential.length; i++) {
        const piece = credential.slice(i, i + 12);
        for (const [where, text] of Object.entries(outputs))
          if (text.includes(piece)) hits.push(`${where}: ${piece}`);
      }
    }
    expect(hits).toEqual([]);
    expect(stack.kube.list(SECRET).length).toBeGreaterThan(0);
  });
});
