// The CRD documents itself to a Flux user with the real kubectl (v1.32): `kubectl explain` prints the
// descriptions generated from src/api (defaults included) from the API server's OpenAPI v3 documents,
// and `kubectl get fluxcd` / `kubectl get fluxcd-sources` list ConfigHubRepositories with Flux's sources.

import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { type KubeApiServer, startKubeApiServer } from '../../testkit/kube-api-server/index.ts';
import { HAVE_KUBECTL, KUBECTL, kubectlRunner } from './kubectl-runner.ts';
import { CRD_PATH } from './target.ts';

describe('the CRD as kubectl shows it', () => {
  it('is in the fluxcd and fluxcd-sources categories, as Flux sources are', async () => {
    const crd = parseYaml(await readFile(CRD_PATH, 'utf8'));
    expect(crd.spec.names.categories).toEqual(expect.arrayContaining(['fluxcd', 'fluxcd-sources']));
  });
});

describe.skipIf(!HAVE_KUBECTL)(
  HAVE_KUBECTL ? 'kubectl explain and categories' : `${KUBECTL} not found: kubectl explain tests skipped`,
  () => {
    let server: KubeApiServer;
    let dir: string;
    let kubeconfig: string;

    const { ok } = kubectlRunner(() => ({ kubeconfig, dir }));
    /** kubectl wraps descriptions at 80 columns: compare words, not lines. */
    const words = (text: string) => text.replace(/\s+/g, ' ');

    beforeAll(async () => {
      server = await startKubeApiServer({ namespaces: ['team-a', 'team-b'] });
      server.registerCrd(await readFile(CRD_PATH, 'utf8'));
      dir = await mkdtemp(join(tmpdir(), 'kubectl-explain-'));
      kubeconfig = await server.writeKubeconfig(join(dir, 'kubeconfig'));
    });
    afterAll(async () => {
      await server?.close();
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    it('explains the spec: every field with its description, required ones marked', async () => {
      const out = await ok('explain', 'confighubrepository.spec');
      expect(out).toMatch(/KIND:\s+ConfigHubRepository/);
      expect(out).toMatch(/VERSION:\s+v1beta1/);
      expect(words(out)).toContain('ConfigHubRepositorySpec specifies the ConfigHub space to package');
      expect(out).toMatch(/interval\s+<string> -required-/);
      expect(out).toMatch(/secretRef\s+<Object> -required-/);
      expect(words(out)).toContain('Timeout for one fetch from ConfigHub');
      expect(words(out)).toContain('Defaults to https://hub.confighub.com.');
      expect(out).not.toContain('<no description>');
      expect(out).not.toContain('<empty>');
      // kubectl 1.32 explains from the group-version's OpenAPI v3 document.
      expect(server.requests.some((r) => r.path === '/openapi/v3/apis/source.confighub.com/v1beta1')).toBe(
        true,
      );
    });

    it('explains one field, with its default', async () => {
      const interval = words(await ok('explain', 'confighubrepository.spec.interval'));
      expect(interval).toMatch(/FIELD: interval <string>/);
      expect(interval).toContain('Interval at which the ConfigHub space is checked for new revisions');
      expect(interval).toContain('at most 87600h');

      const timeout = words(await ok('explain', 'confighubrepository.spec.timeout'));
      expect(timeout).toContain('Defaults to 60s.');
      const mode = words(await ok('explain', 'confighubrepository.spec.drift.mode'));
      expect(mode).toContain('ENUM: disabled report');
      expect(mode).toContain('Defaults to disabled');
    });

    it('explains status fields, the drift report included', async () => {
      const artifact = words(await ok('explain', 'confighubrepository.status.artifact.revision'));
      expect(artifact).toContain('Revision is a human-readable identifier traceable in the origin source');

      const drift = await ok('explain', 'confighubrepository.status.drift');
      expect(words(drift)).toContain('Drift is the report-only drift report');
      expect(drift).not.toContain('<no description>');
      const item = words(await ok('explain', 'confighubrepository.status.drift.items.path'));
      expect(item).toContain('It can be copied as is into spec.drift.ignore.');
    });

    it('lists ConfigHubRepositories with kubectl get fluxcd-sources and kubectl get fluxcd', async () => {
      const object = (namespace: string, name: string) => ({
        apiVersion: 'source.confighub.com/v1beta1',
        kind: 'ConfigHubRepository',
        metadata: { name, namespace },
        spec: { interval: '5m', space: `${name}-prod`, secretRef: { name: 'confighub-token' } },
      });
      server.create(object('team-a', 'web'));
      server.create(object('team-b', 'api'));
      for (const category of ['fluxcd-sources', 'fluxcd']) {
        const out = await ok('get', category, '-A', '-o', 'name');
        expect(out.trim().split('\n').sort(), category).toEqual([
          'confighubrepository.source.confighub.com/api',
          'confighubrepository.source.confighub.com/web',
        ]);
      }
      const table = await ok('get', 'fluxcd-sources', '-n', 'team-a');
      expect(table).toMatch(/^NAME\s+URL\s+SPACE\s+AGE\s+READY\s+STATUS/);
      expect(table).toMatch(/\nweb\s+https:\/\/hub\.confighub\.com\s+web-prod\s/);
    });
  },
);
