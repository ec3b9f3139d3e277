// Where the conformance suite runs: the in-process server, or a real cluster from KUBECONFIG.

import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { type HttpMethod, KubeConfig, RequestContext } from '@kubernetes/client-node';
import { fetch } from 'undici';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { type KubeApiServer, startKubeApiServer } from '../../testkit/kube-api-server/index.ts';
import { WAIT } from '../support/progress.ts';
import { type Chr, chrPath } from './fixtures.ts';

export const CRD_PATH = new URL('../../crds/source.confighub.com_confighubrepositories.yaml', import.meta.url)
  .pathname;

/** Set both to run the suite against a real cluster too (it creates and deletes its own namespace). */
export const REAL_CLUSTER =
  process.env['KUBE_CONFORMANCE_REAL'] === '1' && Boolean(process.env['KUBECONFIG']);
export const REAL_SKIP_REASON =
  'real-cluster run skipped: set KUBECONFIG and KUBE_CONFORMANCE_REAL=1 to run the conformance suite against a cluster';

export interface RawResponse {
  status: number;
  headers: Headers;
  body: unknown;
  text: string;
}

export interface RawRequest {
  body?: unknown;
  contentType?: string;
  accept?: string;
  /** Extra headers, e.g. `Impersonate-User`. */
  headers?: Record<string, string>;
}

export interface Target {
  name: 'in-process' | 'real';
  kc: KubeConfig;
  namespace: string;
  /** The in-process server, for hooks a real cluster has no equivalent of. */
  server: KubeApiServer | undefined;
  raw(method: string, path: string, request?: RawRequest): Promise<RawResponse>;
  /** Opens a watch and collects events until `until` says stop (or the timeout passes). */
  watch(path: string, until: (events: WatchEvent[]) => boolean, timeoutMs?: number): Promise<WatchEvent[]>;
  close(): Promise<void>;
}

export interface WatchEvent {
  type: string;
  object: {
    kind?: string;
    apiVersion?: string;
    metadata?: { name?: string; resourceVersion?: string };
    [k: string]: unknown;
  };
}

const authHeaders = async (kc: KubeConfig, url: string, method: string) => {
  const ctx = new RequestContext(url, method as HttpMethod);
  await kc.applySecurityAuthentication(ctx);
  return { headers: ctx.getHeaders(), dispatcher: ctx.getDispatcher() };
};

const makeRaw =
  (kc: KubeConfig) =>
  async (method: string, path: string, request: RawRequest = {}): Promise<RawResponse> => {
    const url = `${kc.getCurrentCluster()!.server}${path}`;
    const { headers, dispatcher } = await authHeaders(kc, url, method);
    const body =
      request.body === undefined
        ? undefined
        : typeof request.body === 'string'
          ? request.body
          : JSON.stringify(request.body);
    const response = await fetch(url, {
      method,
      headers: {
        ...headers,
        Accept: request.accept ?? 'application/json',
        ...request.headers,
        ...(body !== undefined ? { 'Content-Type': request.contentType ?? 'application/json' } : {}),
      },
      ...(body !== undefined ? { body } : {}),
      ...(dispatcher ? { dispatcher } : {}),
    });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // not JSON: keep the text
    }
    return { status: response.status, headers: response.headers as unknown as Headers, body: parsed, text };
  };

const makeWatch =
  (kc: KubeConfig) =>
  async (path: string, until: (events: WatchEvent[]) => boolean, timeoutMs = 5000): Promise<WatchEvent[]> => {
    const url = `${kc.getCurrentCluster()!.server}${path}`;
    const { headers, dispatcher } = await authHeaders(kc, url, 'GET');
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeoutMs);
    const events: WatchEvent[] = [];
    try {
      const response = await fetch(url, {
        headers: { ...headers, Accept: 'application/json' },
        signal: controller.signal,
        ...(dispatcher ? { dispatcher } : {}),
      });
      if (response.status !== 200)
        throw new Error(`watch answered ${response.status}: ${await response.text()}`);
      const decoder = new TextDecoder();
      let buffer = '';
      for await (const chunk of response.body!) {
        buffer += decoder.decode(chunk as Uint8Array, { stream: true });
        let newline = buffer.indexOf('\n');
        while (newline >= 0) {
          const line = buffer.slice(0, newline).trim();
          buffer = buffer.slice(newline + 1);
          if (line) events.push(JSON.parse(line) as WatchEvent);
          newline = buffer.indexOf('\n');
        }
        if (until(events)) break;
      }
    } catch (err) {
      if ((err as Error).name !== 'AbortError') throw err;
    } finally {
      clearTimeout(timer);
      controller.abort();
    }
    return events;
  };

export const uniqueNamespace = () => `kas-conformance-${randomBytes(3).toString('hex')}`;

const createNamespace = async (raw: Target['raw'], namespace: string) => {
  const res = await raw('POST', '/api/v1/namespaces', {
    body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } },
  });
  if (res.status !== 201) throw new Error(`creating namespace ${namespace}: ${res.status} ${res.text}`);
};

export const inProcessTarget = async (namespace = uniqueNamespace()): Promise<Target> => {
  const server = await startKubeApiServer({ bookmarkIntervalMs: 100 });
  server.registerCrd(readFileSync(CRD_PATH, 'utf8'));
  const kc = new KubeConfig();
  kc.loadFromOptions(server.kubeConfig());
  const raw = makeRaw(kc);
  await createNamespace(raw, namespace);
  return {
    name: 'in-process',
    kc,
    namespace,
    server,
    raw,
    watch: makeWatch(kc),
    close: () => server.close(),
  };
};

/** Uses the cluster from KUBECONFIG: installs our CRD when missing and works in a fresh namespace. */
export const realTarget = async (namespace = uniqueNamespace()): Promise<Target> => {
  const kc = new KubeConfig();
  kc.loadFromDefault();
  const raw = makeRaw(kc);
  const crdPath = '/apis/apiextensions.k8s.io/v1/customresourcedefinitions';
  const existing = await raw('GET', `${crdPath}/confighubrepositories.source.confighub.com`);
  if (existing.status === 404) {
    const created = await raw('POST', crdPath, {
      body: readFileSync(CRD_PATH, 'utf8'),
      contentType: 'application/yaml',
    });
    if (created.status !== 201) throw new Error(`installing the CRD: ${created.status} ${created.text}`);
    await expect
      .poll(
        async () => {
          const crd = await raw('GET', `${crdPath}/confighubrepositories.source.confighub.com`);
          const conditions =
            (crd.body as { status?: { conditions?: { type: string; status: string }[] } }).status
              ?.conditions ?? [];
          return conditions.some((c) => c.type === 'Established' && c.status === 'True');
        },
        { ...WAIT, interval: 200 },
      )
      .toBe(true);
  }
  await createNamespace(raw, namespace);
  return {
    name: 'real',
    kc,
    namespace,
    server: undefined,
    raw,
    watch: makeWatch(kc),
    close: async () => {
      await raw('DELETE', `/api/v1/namespaces/${namespace}`);
    },
  };
};

export interface OnTarget {
  /** Stands for the running target in hooks and tests. */
  t: Target;
  /** The target's namespace, fresh for each run of the suite. */
  ns: string;
  /** A name not used before in this run: `${prefix}-${n}`. */
  fresh(prefix: string): string;
  /** Creates a ConfigHubRepository in `ns` (it must be 201 Created) and returns it as stored. */
  create(obj: Chr): Promise<Chr>;
}

/**
 * Declares the suite `body` against the in-process server, and against a real cluster when one is asked
 * for (else that block is skipped with the reason). Each run starts its target before its tests and
 * closes it after them.
 */
export function describeOnTargets(body: (on: OnTarget) => void): void {
  const suite = (label: string, makeTarget: (namespace: string) => Promise<Target>) =>
    describe(label, () => {
      const ns = uniqueNamespace();
      let running: Target | undefined;
      beforeAll(async () => {
        running = await makeTarget(ns);
      });
      afterAll(async () => {
        await running?.close();
      });
      const t = new Proxy({} as Target, {
        get: (_, key) => {
          if (running === undefined) throw new Error('the target is only running in the hooks and tests');
          return Reflect.get(running, key);
        },
      });
      let counter = 0;
      body({
        t,
        ns,
        fresh: (prefix) => `${prefix}-${++counter}`,
        create: async (obj) => {
          const res = await t.raw('POST', chrPath(ns), { body: obj });
          expect(res.status, res.text).toBe(201);
          return res.body as Chr;
        },
      });
    });
  suite('in-process server', inProcessTarget);
  describe.skipIf(!REAL_CLUSTER)(REAL_CLUSTER ? 'real cluster' : REAL_SKIP_REASON, () => {
    suite('real cluster', realTarget);
  });
}
