// Entity invariants under change: revisions, hashes, versions, tags and releases, observed over HTTP.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { readBundle, StoreError, startEmulator } from '../../testkit/confighub-emulator/index.ts';
import { call, entities, PROD_ID, STAGING_ID, useEmulator, withQuery } from './support.ts';

const emu = useEmulator();
const sha256 = (bytes: Uint8Array | string): string => createHash('sha256').update(bytes).digest('hex');

async function unit(spaceId: string, slug: string): Promise<Record<string, unknown>> {
  const answer = await call(emu(), withQuery(`/api/space/${spaceId}/unit`, { where: `Slug = '${slug}'` }));
  const [found] = entities(answer, 'Unit');
  return found!;
}

async function revisions(spaceId: string, unitId: string): Promise<Record<string, unknown>[]> {
  return entities(await call(emu(), `/api/space/${spaceId}/unit/${unitId}/revision`), 'Revision');
}

describe('unit data changes', () => {
  it('append a revision with the next number, a new ID, the hash and size of the bytes, and Version + 1', async () => {
    const before = await unit(STAGING_ID, 'web-config');
    const data =
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web-config\n  namespace: shop\ndata:\n  LOG_LEVEL: warn\n';
    emu().setUnitData('shop-staging', 'web-config', data, 'quieter logs');
    const after = await unit(STAGING_ID, 'web-config');
    expect(after['HeadRevisionNum']).toBe((before['HeadRevisionNum'] as number) + 1);
    expect(after['HeadRevisionID']).not.toBe(before['HeadRevisionID']);
    expect(after['DataHash']).toBe(sha256(data));
    expect(after['DataSize']).toBe(Buffer.byteLength(data));
    expect(after['Version']).toBe((before['Version'] as number) + 1);
    expect(after['LastChangeDescription']).toBe('quieter logs');
    const history = await revisions(STAGING_ID, after['UnitID'] as string);
    expect(history.at(-1)).toMatchObject({
      RevisionID: after['HeadRevisionID'],
      DataHash: sha256(data),
      Description: 'quieter logs',
    });
    const bytes = await call(emu(), `/api/space/${STAGING_ID}/unit/${after['UnitID']}/data`);
    expect(bytes.text).toBe(data);
  });

  it('append even when restoring earlier bytes (the hash repeats)', async () => {
    const first = emu().getUnit('shop-staging', 'web-svc');
    const original = first.text;
    emu().setUnitData('shop-staging', 'web-svc', `${original}# temporary\n`);
    const restored = emu().setUnitData('shop-staging', 'web-svc', original, 'restore');
    expect(restored.HeadRevisionNum).toBe(first.HeadRevisionNum + 2);
    expect(restored.DataHash).toBe(first.DataHash);
    const history = await revisions(STAGING_ID, first.UnitID);
    expect(new Set(history.map((r) => r['RevisionID'])).size).toBe(history.length);
  });

  it('omit DataSize for empty data and keep the empty hash', () => {
    const empty = emu().setUnitData('shop-staging', 'web-properties', '');
    expect(empty.DataHash).toBe(sha256(''));
    expect(empty).not.toHaveProperty('DataSize');
  });
});

describe('metadata changes', () => {
  it('bump Version without a revision', async () => {
    const before = await unit(STAGING_ID, 'web-hpa');
    emu().setUnitLabels('shop-staging', 'web-hpa', { app: 'web', tier: 'frontend', team: 'storefront' });
    const after = await unit(STAGING_ID, 'web-hpa');
    expect(after['Version']).toBe((before['Version'] as number) + 1);
    expect(after['HeadRevisionNum']).toBe(before['HeadRevisionNum']);
    expect(after['Labels']).toEqual({ app: 'web', tier: 'frontend', team: 'storefront' });
  });
});

describe('create and delete', () => {
  it('creates units with an empty revision 1 and the content in revision 2, and deletes them', async () => {
    const created = emu().createUnit('shop-staging', {
      slug: 'worker',
      data: 'apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: worker\n  namespace: shop\n',
      labels: { app: 'worker' },
    });
    expect(created).toMatchObject({
      HeadRevisionNum: 2,
      ToolchainType: 'Kubernetes/YAML',
      SpaceSlug: 'shop-staging',
    });
    const history = await revisions(STAGING_ID, created.UnitID);
    expect(history.map((r) => [r['RevisionNum'], r['DataHash'] === sha256('')])).toEqual([
      [1, true],
      [2, false],
    ]);
    expect(() => emu().createUnit('shop-staging', { slug: 'worker', data: '' })).toThrow(StoreError);
    emu().deleteUnit('shop-staging', 'worker');
    expect((await call(emu(), `/api/space/${STAGING_ID}/unit/${created.UnitID}`)).status).toBe(404);
    expect(() => emu().getUnit('shop-staging', 'worker')).toThrow(StoreError);
  });
});

describe('tags', () => {
  it('mark current heads and move when re-applied', async () => {
    const { TagID } = emu().tagUnits('shop-staging', 'candidate', ['web', 'web-svc']);
    const web = emu().getUnit('shop-staging', 'web');
    const tagged = await call(
      emu(),
      withQuery(`/api/space/${STAGING_ID}/unit/${web.UnitID}/revision`, { where: `Tags ? '${TagID}'` }),
    );
    expect(entities(tagged, 'Revision').map((r) => r['RevisionNum'])).toEqual([web.HeadRevisionNum]);
    emu().setUnitData('shop-staging', 'web', `${web.text}# next\n`);
    expect(emu().tagUnits('shop-staging', 'candidate', ['web']).TagID).toBe(TagID);
    const history = await revisions(STAGING_ID, web.UnitID);
    const marked = history.filter((r) => Object.hasOwn((r['Tags'] as object | undefined) ?? {}, TagID));
    expect(marked.map((r) => r['RevisionNum'])).toEqual([web.HeadRevisionNum + 1]);
    const tags = await call(
      emu(),
      withQuery(`/api/space/${STAGING_ID}/tag`, { where: "Slug = 'candidate'" }),
    );
    expect(entities(tags, 'Tag').map((t) => t['TagID'])).toEqual([TagID]);
  });
});

describe('releases', () => {
  it('fixture release: tag release-1 marks each bundled revision, which lists the release', async () => {
    const [release] = entities(await call(emu(), `/api/space/${PROD_ID}/release`), 'Release');
    const tag = entities(await call(emu(), `/api/space/${PROD_ID}/tag`), 'Tag').find(
      (t) => t['Slug'] === 'release-1',
    )!;
    expect(tag['TagID']).toBe(release!['TagID']);
    expect(tag['ReleaseID']).toBe(release!['ReleaseID']);
    const web = emu().getUnit('shop-prod', 'web');
    const marked = await call(
      emu(),
      withQuery(`/api/space/${PROD_ID}/unit/${web.UnitID}/revision`, {
        where: `Tags ? '${release!['TagID']}'`,
      }),
    );
    const [revision] = entities(marked, 'Revision');
    expect(revision).toMatchObject({ RevisionNum: 3, Releases: [release!['ReleaseID']] });
    expect(web.LastReleasedRevisionNum).toBe(3);
  });

  it('publish bundles the release target units at head, with a digest over a deterministic tarball', async () => {
    const emulator = await startEmulator();
    try {
      emulator.setUnitData(
        'shop-prod',
        'web-hpa',
        emulator.getUnit('shop-prod', 'web-hpa').text.replace('minReplicas: 3', 'minReplicas: 4'),
      );
      const published = emulator.publishRelease('shop-prod');
      expect(published.ReleaseNum).toBe(2);
      const list = await call(
        emulator,
        withQuery(`/api/space/${PROD_ID}/release`, { order_by: 'DESC:ReleaseNum' }),
      );
      const [latest] = entities(list, 'Release');
      expect(latest).toMatchObject({
        ReleaseID: published.ReleaseID,
        Digest: published.Digest,
        Published: true,
        UnitCount: 5,
      });
      const data = await call(emulator, `/api/space/${PROD_ID}/release/${published.ReleaseID}/data`);
      expect(`sha256:${sha256(data.bytes)}`).toBe(published.Digest);
      const files = await readBundle(data.bytes);
      expect(files.map((f) => f.path)).toEqual([
        'namespace.yaml',
        'web-config.yaml',
        'web-hpa.yaml',
        'web-svc.yaml',
        'web.yaml',
      ]);
      for (const file of files) {
        const unitData = emulator.getUnit('shop-prod', file.path.replace(/\.yaml$/, ''));
        expect(sha256(file.data)).toBe(unitData.DataHash);
        expect(unitData.LastReleasedRevisionNum).toBe(unitData.HeadRevisionNum);
      }
      const tags = entities(await call(emulator, `/api/space/${PROD_ID}/tag`), 'Tag');
      expect(tags.find((t) => t['Slug'] === 'release-2')?.['TagID']).toBe(published.TagID);
      const hpa = emulator.getUnit('shop-prod', 'web-hpa');
      const head = await call(
        emulator,
        `/api/space/${PROD_ID}/unit/${hpa.UnitID}/revision/${hpa.HeadRevisionID}`,
      );
      expect((head.json as { Revision: { Tags: object; Releases: string[] } }).Revision).toMatchObject({
        Tags: { [published.TagID]: `release-${published.ReleaseNum}` },
        Releases: [published.ReleaseID],
      });
      // Same content again: same bytes, same digest.
      expect(emulator.publishRelease('shop-prod').Digest).toBe(published.Digest);
    } finally {
      await emulator.close();
    }
  });

  it('withdraw keeps the release listed but stops serving its bundle', async () => {
    const emulator = await startEmulator();
    try {
      const [release] = entities(await call(emulator, `/api/space/${PROD_ID}/release`), 'Release');
      emulator.withdrawRelease('shop-prod', 1);
      const list = await call(
        emulator,
        withQuery(`/api/space/${PROD_ID}/release`, { where: 'Published = true' }),
      );
      expect(list.json).toEqual([]);
      const all = entities(await call(emulator, `/api/space/${PROD_ID}/release`), 'Release');
      expect(all[0]).not.toHaveProperty('Published');
      expect(
        (await call(emulator, `/api/space/${PROD_ID}/release/${release!['ReleaseID']}/data`)).status,
      ).toBe(404);
      expect(() => emulator.withdrawRelease('shop-prod', 9)).toThrow(StoreError);
    } finally {
      await emulator.close();
    }
  });

  it('refuses to publish while a bundled unit has validation errors', () => {
    emu().setUnitValidationErrors('shop-staging', 'namespace', { 'vet-schemas': true });
    try {
      expect(() => emu().publishRelease('shop-staging')).toThrow(
        /validation errors or apply gates: namespace/,
      );
    } finally {
      emu().setUnitValidationErrors('shop-staging', 'namespace', {});
    }
  });

  it('gives the fixture release the same digest on every start', async () => {
    const other = await startEmulator();
    try {
      const mine = entities(await call(emu(), `/api/space/${PROD_ID}/release`), 'Release')[0]!;
      const theirs = entities(await call(other, `/api/space/${PROD_ID}/release`), 'Release')[0]!;
      expect(theirs['Digest']).toBe(mine['Digest']);
      expect(other.getUnit('shop-prod', 'web').HeadRevisionID).toBe(
        emu().getUnit('shop-prod', 'web').HeadRevisionID,
      );
    } finally {
      await other.close();
    }
  });
});
