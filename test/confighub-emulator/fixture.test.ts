// The served fixture: every hash matches its bytes, and the Kubernetes units build with `kubectl kustomize`.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { startEmulator } from '../../testkit/confighub-emulator/index.ts';
import { call, entities, PROD_ID, STAGING_ID, useEmulator, withQuery } from './support.ts';

const emu = useEmulator();
const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');
const KUBECTL = '/usr/bin/kubectl';

async function unitsOf(spaceId: string) {
  return entities(
    await call(emu(), withQuery(`/api/space/${spaceId}/unit`, { include_hidden: 'true' })),
    'Unit',
  );
}

describe('fixture data integrity', () => {
  it.each([
    ['shop-prod', PROD_ID],
    ['shop-staging', STAGING_ID],
  ])(
    '%s: every unit and revision hashes to its DataHash, with DataSize = byte length',
    async (_slug, spaceId) => {
      const units = await unitsOf(spaceId);
      expect(units).toHaveLength(7);
      let revisionsChecked = 0;
      for (const unit of units) {
        const base = `/api/space/${spaceId}/unit/${unit['UnitID']}`;
        const head = await call(emu(), `${base}/data`);
        expect(sha256(head.bytes), `${unit['Slug']}`).toBe(unit['DataHash']);
        expect(head.bytes.byteLength).toBe(unit['DataSize']);
        const revisions = entities(await call(emu(), `${base}/revision`), 'Revision');
        expect(revisions[0]!['RevisionNum']).toBe(1);
        expect(revisions.at(-1)!['RevisionID']).toBe(unit['HeadRevisionID']);
        for (const revision of revisions) {
          const data = await call(emu(), `${base}/revision/${revision['RevisionID']}/data`);
          expect(sha256(data.bytes)).toBe(revision['DataHash']);
          expect(data.bytes.byteLength).toBe(revision['DataSize'] ?? 0);
          revisionsChecked += 1;
        }
      }
      expect(revisionsChecked).toBeGreaterThanOrEqual(14);
    },
  );

  it('has history: several revisions on web, a tag on older revisions, one published release', async () => {
    const web = emu().getUnit('shop-prod', 'web');
    expect(web.HeadRevisionNum).toBe(4);
    const tags = entities(await call(emu(), `/api/space/${PROD_ID}/tag`), 'Tag');
    const v1 = tags.find((t) => t['Slug'] === 'v1')!;
    const atV1 = await call(
      emu(),
      withQuery(`/api/space/${PROD_ID}/unit/${web.UnitID}/revision`, { where: `Tags ? '${v1['TagID']}'` }),
    );
    expect(entities(atV1, 'Revision').map((r) => r['RevisionNum'])).toEqual([2]);
    const releases = entities(
      await call(emu(), withQuery(`/api/space/${PROD_ID}/release`, { where: 'Published = true' })),
      'Release',
    );
    expect(releases).toHaveLength(1);
  });
});

describe.skipIf(!existsSync(KUBECTL))('kubectl kustomize', () => {
  const run = promisify(execFile);

  it.each(['shop-prod', 'shop-staging'])('%s head units build into the expected objects', async (space) => {
    const emulator = await startEmulator();
    const dir = mkdtempSync(join(tmpdir(), `emulator-kustomize-${space}-`));
    try {
      const spaceId = emulator.getSpace(space).SpaceID;
      const answer = await call(
        emulator,
        withQuery('/api/unit_data', {
          where: `SpaceID = '${spaceId}' AND ToolchainType = 'Kubernetes/YAML'`,
        }),
      );
      const records = answer.json as { Slug: string; Data: string }[];
      expect(records).toHaveLength(5);
      for (const record of records) writeFileSync(join(dir, `${record.Slug}.yaml`), record.Data);
      writeFileSync(
        join(dir, 'kustomization.yaml'),
        `apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n${records.map((r) => `  - ${r.Slug}.yaml\n`).join('')}`,
      );
      const { stdout } = await run(KUBECTL, ['kustomize', dir], { timeout: 30_000 });
      const kinds = parseAllDocuments(stdout)
        .map((d) => (d.toJSON() as { kind: string }).kind)
        .sort();
      expect(kinds).toEqual(['ConfigMap', 'Deployment', 'HorizontalPodAutoscaler', 'Namespace', 'Service']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
      await emulator.close();
    }
  });
});
