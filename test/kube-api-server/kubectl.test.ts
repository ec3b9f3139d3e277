// The real kubectl (v1.32) against the in-process API server: discovery, apply, printer columns,
// wait, annotate, patch, delete with finalizers, Flux CRDs and server-side validation errors.

import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import {
  DEFAULT_FLUX_CRDS_DIR,
  type KubeApiServer,
  startKubeApiServer,
} from '../../testkit/kube-api-server/index.ts';
import { HAVE_KUBECTL, KUBECTL, kubectlRunner } from './kubectl-runner.ts';
import { CRD_PATH } from './target.ts';

const SAMPLE = `apiVersion: v1
kind: Secret
metadata:
  name: confighub-token
  namespace: default
stringData:
  token: not-a-real-token
---
apiVersion: source.confighub.com/v1beta1
kind: ConfigHubRepository
metadata:
  name: platform
  namespace: default
spec:
  interval: 5m
  space: platform-prod
  secretRef:
    name: confighub-token
`;

const INVALID = `apiVersion: source.confighub.com/v1beta1
kind: ConfigHubRepository
metadata:
  name: broken
  namespace: default
spec:
  interval: 5x
  space: platform-prod
  secretRef:
    name: confighub-token
`;

describe.skipIf(!HAVE_KUBECTL)(
  HAVE_KUBECTL ? 'kubectl against the API server' : `${KUBECTL} not found: kubectl tests skipped`,
  () => {
    let server: KubeApiServer;
    let dir: string;
    let kubeconfig: string;
    let fluxLoaded = false;

    const { start, run: kubectl, ok } = kubectlRunner(() => ({ kubeconfig, dir }));
    const rows = (table: string) =>
      table
        .trim()
        .split('\n')
        .map((line) => line.trim().split(/\s{2,}/));

    beforeAll(async () => {
      server = await startKubeApiServer();
      server.registerCrd(await readFile(CRD_PATH, 'utf8'));
      fluxLoaded = server.loadFluxCrds();
      dir = await mkdtemp(join(tmpdir(), 'kubectl-test-'));
      kubeconfig = await server.writeKubeconfig(join(dir, 'kubeconfig'));
      await writeFile(join(dir, 'sample.yaml'), SAMPLE);
      await writeFile(join(dir, 'invalid.yaml'), INVALID);
    });
    afterAll(async () => {
      await server?.close();
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    it('applies a ConfigHubRepository and its Secret', async () => {
      const out = await ok('apply', '-f', join(dir, 'sample.yaml'));
      expect(out).toContain('secret/confighub-token created');
      expect(out).toContain('confighubrepository.source.confighub.com/platform created');
      const secret = server.get('secrets', 'default', 'confighub-token')!;
      expect(secret['data']).toEqual({ token: Buffer.from('not-a-real-token').toString('base64') });
      const repo = server.get('chr', 'default', 'platform')!;
      expect(repo['spec']).toMatchObject({ interval: '5m', space: 'platform-prod', timeout: '60s' });
      const again = await ok('apply', '-f', join(dir, 'sample.yaml'));
      expect(again).toContain('confighubrepository.source.confighub.com/platform unchanged');
      expect(server.requests.some((r) => r.path === '/openapi/v3')).toBe(true);
    });

    it('prints the CRD printer columns, with Ready and Status from the Ready condition', async () => {
      const before = rows(await ok('get', 'confighubrepositories'));
      expect(before[0]).toEqual(['NAME', 'URL', 'SPACE', 'AGE', 'READY', 'STATUS']);
      expect(before[1]?.slice(0, 3)).toEqual(['platform', 'https://hub.confighub.com', 'platform-prod']);
      expect(before[1]?.[3]).toMatch(/^\d+s$/);

      server.setCondition('chr', 'default', 'platform', {
        type: 'Ready',
        status: 'True',
        reason: 'Succeeded',
        message: 'stored artifact for revision sha256:abc',
      });
      const after = rows(await ok('get', 'chr', '-A'));
      expect(after[0]).toEqual(['NAMESPACE', 'NAME', 'URL', 'SPACE', 'AGE', 'READY', 'STATUS']);
      expect(after[1]?.slice(-2)).toEqual(['True', 'stored artifact for revision sha256:abc']);
      expect(after[1]?.slice(0, 2)).toEqual(['default', 'platform']);
    });

    it('prints the object as YAML', async () => {
      const obj = parseYaml(await ok('get', 'chr', 'platform', '-o', 'yaml')) as Record<
        string,
        Record<string, unknown>
      >;
      expect(obj['kind']).toBe('ConfigHubRepository');
      expect(obj['metadata']).toMatchObject({ name: 'platform', namespace: 'default', generation: 1 });
      expect(obj['spec']).toMatchObject({
        url: 'https://hub.confighub.com',
        toolchains: ['Kubernetes/YAML'],
      });
    });

    it('waits for the Ready condition set while kubectl is watching', async () => {
      server.create({
        apiVersion: 'source.confighub.com/v1beta1',
        kind: 'ConfigHubRepository',
        metadata: { name: 'waiting', namespace: 'default' },
        spec: { interval: '1m', space: 'waiting', secretRef: { name: 'confighub-token' } },
      });
      const wait = start(['wait', '--for=condition=Ready', 'chr/waiting', '--timeout=10s']);
      await server.waitFor(
        () =>
          server.requests.some(
            (r) =>
              r.watch &&
              r.path.endsWith('/confighubrepositories') &&
              r.query['fieldSelector'] === 'metadata.name=waiting',
          ),
        { description: 'kubectl wait to open its watch' },
      );
      server.setCondition('chr', 'default', 'waiting', {
        type: 'Ready',
        status: 'True',
        reason: 'Succeeded',
        message: 'done',
      });
      const run = await wait.done;
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout.trim()).toBe('confighubrepository.source.confighub.com/waiting condition met');
    });

    it('streams table rows with get -w', async () => {
      const openBefore = server.openWatches;
      const watching = start(['get', 'chr', 'platform', '-w']);
      await server.waitFor(() => server.openWatches > openBefore, {
        description: 'kubectl get -w to open its watch',
      });
      let printed = '';
      watching.child.stdout?.on('data', (chunk: Buffer) => {
        printed += String(chunk);
      });
      server.patch('chr', 'default', 'platform', { spec: { space: 'platform-watched' } });
      await server.waitFor(() => printed.includes('platform-watched'), { description: 'the watched row' });
      watching.child.kill('SIGINT');
      const run = await watching.done;
      const lines = rows(run.stdout);
      expect(lines[0]).toEqual(['NAME', 'URL', 'SPACE', 'AGE', 'READY', 'STATUS']);
      expect(lines.slice(1).map((l) => l[2])).toEqual(['platform-prod', 'platform-watched']);
      server.patch('chr', 'default', 'platform', { spec: { space: 'platform-prod' } });
    });

    it('refuses unknown fields on apply (kubectl asks for strict field validation)', async () => {
      await writeFile(
        join(dir, 'unknown.yaml'),
        SAMPLE.split('---\n')[1]!.replace('  interval: 5m', '  interval: 5m\n  intervall: 1m'),
      );
      const run = await kubectl('apply', '-f', join(dir, 'unknown.yaml'));
      expect(run.code).not.toBe(0);
      expect(run.stderr).toContain('strict decoding error: unknown field "spec.intervall"');
      expect(server.requests.findLast((r) => r.method === 'PATCH')?.query['fieldValidation']).toBe('Strict');
    });

    it('annotates to request a reconcile and patches with a merge patch', async () => {
      await ok('annotate', 'chr', 'platform', 'reconcile.fluxcd.io/requestedAt=2026-11-30T10:00:00Z');
      expect(server.get('chr', 'default', 'platform')!.metadata.annotations).toMatchObject({
        'reconcile.fluxcd.io/requestedAt': '2026-11-30T10:00:00Z',
      });
      const generation = server.get('chr', 'default', 'platform')!.metadata.generation!;
      const out = await ok('patch', 'chr', 'platform', '--type', 'merge', '-p', '{"spec":{"suspend":true}}');
      expect(out.trim()).toBe('confighubrepository.source.confighub.com/platform patched');
      const repo = server.get('chr', 'default', 'platform')!;
      expect(repo['spec']).toMatchObject({ suspend: true });
      expect(repo.metadata.generation).toBe(generation + 1);
      const patchRequest = server.requests.findLast((r) => r.method === 'PATCH');
      expect(patchRequest?.contentType).toBe('application/merge-patch+json');
    });

    it('deletes with a finalizer: the object stays with deletionTimestamp until the finalizer goes', async () => {
      server.patch('chr', 'default', 'platform', {
        metadata: { finalizers: ['source.confighub.com/finalizer'] },
      });
      const deletion = start(['delete', 'chr', 'platform']);
      const deleting = await server.waitForObject('chr', 'default', 'platform', (o) =>
        Boolean(o.metadata.deletionTimestamp),
      );
      expect(deleting.metadata.finalizers).toEqual(['source.confighub.com/finalizer']);
      expect(deletion.child.exitCode).toBeNull();
      server.patch('chr', 'default', 'platform', { metadata: { finalizers: null } });
      const run = await deletion.done;
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).toContain('confighubrepository.source.confighub.com "platform" deleted');
      expect(server.get('chr', 'default', 'platform')).toBeUndefined();
    });

    // Flux's CRDs come from ../shared/crds, which a user's clone does not have.
    if (!existsSync(DEFAULT_FLUX_CRDS_DIR)) {
      console.warn(
        `ExternalArtifact columns test skipped: ${DEFAULT_FLUX_CRDS_DIR} is absent (../shared not checked out)`,
      );
    }
    it.skipIf(!existsSync(DEFAULT_FLUX_CRDS_DIR))(
      'lists ExternalArtifacts with the Flux CRD columns',
      async () => {
        expect(fluxLoaded).toBe(true);
        server.seed({
          apiVersion: 'source.toolkit.fluxcd.io/v1',
          kind: 'ExternalArtifact',
          metadata: { name: 'platform', namespace: 'default' },
          spec: {
            sourceRef: {
              apiVersion: 'source.confighub.com/v1beta1',
              kind: 'ConfigHubRepository',
              name: 'platform',
            },
          },
        });
        const table = rows(await ok('get', 'ea'));
        expect(table[0]).toEqual(['NAME', 'AGE', 'READY', 'STATUS', 'SOURCE']);
        expect(table[1]?.[0]).toBe('platform');
        expect(table[1]?.at(-1)).toBe('platform');
      },
    );

    it('prints the server validation error for an invalid spec', async () => {
      const run = await kubectl('apply', '-f', join(dir, 'invalid.yaml'));
      expect(run.code).not.toBe(0);
      expect(run.stderr).toContain(
        `The ConfigHubRepository "broken" is invalid: spec.interval: Invalid value: "5x": spec.interval in body should match '^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$'`,
      );
      expect(server.get('chr', 'default', 'broken')).toBeUndefined();
    });
  },
);
