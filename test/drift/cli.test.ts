// `confighub-source drift` against the Kubernetes API test server, through a kubeconfig file.
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../src/cli/drift.ts';
import type { DriftReport } from '../../src/drift/index.ts';
import { KubeApiServer } from '../../testkit/kube-api-server/index.ts';

const CRD = new URL('../../crds/source.confighub.com_confighubrepositories.yaml', import.meta.url);
const CHR = { group: 'source.confighub.com', plural: 'confighubrepositories' };

const report: DriftReport = {
  mode: 'report',
  source: 'inventory',
  consumer: 'Kustomization/flux-system/apps',
  revision: 'latest@sha256:abcd',
  checkedAt: '2026-04-01T10:00:00.000Z',
  summary: { objects: 4, drifted: 2, missing: 1, excluded: 0, errors: 0, items: 2 },
  items: [
    {
      id: 'Service/shop/web#',
      apiVersion: 'v1',
      kind: 'Service',
      namespace: 'shop',
      name: 'web',
      path: '',
      classification: 'missing-object',
      severity: 'critical',
      cause: 'unknown',
      method: 'field-comparison',
      firstObserved: '2026-04-01T09:00:00.000Z',
      lastObserved: '2026-04-01T10:00:00.000Z',
    },
    {
      id: 'Deployment/shop/web#/spec/replicas',
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      namespace: 'shop',
      name: 'web',
      path: '/spec/replicas',
      desired: 2,
      live: 5,
      classification: 'scaling',
      severity: 'info',
      cause: 'manual-edit',
      manager: 'kubectl-scale',
      method: 'server-side-dry-run',
      firstObserved: '2026-04-01T09:30:00.000Z',
      lastObserved: '2026-04-01T10:00:00.000Z',
    },
  ],
  resolved: [
    {
      id: 'ConfigMap/shop/web-config#/data/mode',
      apiVersion: 'v1',
      kind: 'ConfigMap',
      namespace: 'shop',
      name: 'web-config',
      path: '/data/mode',
      desired: 'production',
      live: 'debug',
      classification: 'config',
      severity: 'warning',
      cause: 'manual-edit',
      method: 'server-side-dry-run',
      firstObserved: '2026-04-01T08:00:00.000Z',
      lastObserved: '2026-04-01T09:00:00.000Z',
      resolvedAt: '2026-04-01T10:00:00.000Z',
    },
  ],
};

let server: KubeApiServer;
let dir: string;
let kubeconfig: string;

function capture() {
  let text = '';
  const stream = new Writable({
    write(chunk, _encoding, done) {
      text += String(chunk);
      done();
    },
  });
  return { stream, text: () => text };
}

async function drift(...argv: string[]) {
  const stdout = capture();
  const stderr = capture();
  const code = await run(argv, { stdout: stdout.stream, stderr: stderr.stream, env: {} });
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}

function repository(name: string) {
  return {
    apiVersion: 'source.confighub.com/v1beta1',
    kind: 'ConfigHubRepository',
    metadata: { name, namespace: 'flux-system' },
    spec: { interval: '5m', space: 'shop-prod', secretRef: { name: 'token' } },
  };
}

beforeAll(async () => {
  server = await new KubeApiServer({ namespaces: ['flux-system'] }).listen();
  server.registerCrd(readFileSync(CRD, 'utf8'));
  server.create(repository('shop'));
  // Written through the status subresource, so the CRD's status.drift schema has its say.
  server.patch(CHR, 'flux-system', 'shop', { status: { drift: report } }, { subresource: 'status' });
  server.create(repository('clean'));
  server.patch(
    CHR,
    'flux-system',
    'clean',
    {
      status: {
        drift: {
          ...report,
          items: [],
          resolved: [],
          summary: { ...report.summary, items: 0, drifted: 0, missing: 0 },
        },
      },
    },
    { subresource: 'status' },
  );
  server.create(repository('off'));
  dir = await mkdtemp(join(tmpdir(), 'drift-cli-'));
  kubeconfig = await server.writeKubeconfig(join(dir, 'config'), 'flux-system');
});
afterAll(async () => {
  await server?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('confighub-source drift', () => {
  it('prints a table and exits 1 when there is drift', async () => {
    const result = await drift('shop', '--kubeconfig', kubeconfig);
    expect(result.code).toBe(1);
    const lines = result.stdout.split('\n');
    expect(lines[0]).toBe(
      'ConfigHubRepository flux-system/shop: 2 drift items in 2 of 4 objects (checked 2026-04-01T10:00:00.000Z at revision latest@sha256:abcd)',
    );
    expect(result.stdout).toMatch(
      /^SEVERITY\s+CLASS\s+OBJECT\s+PATH\s+DESIRED\s+LIVE\s+CAUSE\s+SINCE\s+METHOD\s+CONSUMER$/m,
    );
    expect(result.stdout).toMatch(
      /^critical\s+missing-object\s+Service\/shop\/web\s+\(object\)\s+present\s+missing\s+unknown/m,
    );
    expect(result.stdout).toMatch(
      /^info\s+scaling\s+Deployment\/shop\/web\s+\/spec\/replicas\s+2\s+5\s+manual-edit \(kubectl-scale\)/m,
    );
    expect(result.stdout).toContain(
      'ConfigMap/shop/web-config#/data/mode (config) resolved at 2026-04-01T10:00:00.000Z',
    );
  });

  it('prints the stored report as JSON', async () => {
    const result = await drift('shop', '-n', 'flux-system', '-o', 'json', '--kubeconfig', kubeconfig);
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stdout)).toEqual(report);
  });

  it('exits 0 without drift', async () => {
    const result = await drift('clean', '--kubeconfig', kubeconfig);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('0 drift items');
  });

  it('explains a repository without a report, a missing repository and bad usage', async () => {
    const off = await drift('off', '--kubeconfig', kubeconfig);
    expect(off.code).toBe(1);
    expect(off.stderr).toContain('spec.drift.mode: report');
    const missing = await drift('nope', '-n', 'elsewhere', '--kubeconfig', kubeconfig);
    expect(missing).toMatchObject({
      code: 1,
      stderr: '✗ Error from server (NotFound): confighubrepositories.source.confighub.com "nope" not found\n',
    });
    expect((await drift('--kubeconfig', kubeconfig)).code).toBe(2);
    expect((await drift('shop', '-o', 'yaml', '--kubeconfig', kubeconfig)).stderr).toContain(
      'drift: --output must be one of table, json (got "yaml")',
    );
  });
});
