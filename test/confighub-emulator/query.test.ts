// Query parameters over HTTP: where, select, include, include_hidden, limit/continue paging and order_by.
import { describe, expect, it } from 'vitest';
import {
  call,
  entities,
  PROD_ID,
  PROD_WEB_ID,
  STAGING_ID,
  slugs,
  useEmulator,
  withQuery,
} from './support.ts';

const emu = useEmulator();
const UNITS = `/api/space/${PROD_ID}/unit`;
const VISIBLE = ['namespace', 'web', 'web-config', 'web-hpa', 'web-properties', 'web-svc'];

async function unitSlugs(params: Record<string, string>, path = UNITS): Promise<string[]> {
  const answer = await call(emu(), withQuery(path, params));
  expect(answer.status).toBe(200);
  return slugs(answer);
}

/** Follows ConfigHub-Continue until a response has none; returns every page. */
async function readAll(path: string, params: Record<string, string>, maxPages = 20) {
  const pages: { slugs: string[]; token: string | null }[] = [];
  let token: string | null = null;
  do {
    const answer = await call(
      emu(),
      withQuery(path, token === null ? params : { ...params, continue: token }),
    );
    expect(answer.status).toBe(200);
    token = answer.headers.get('confighub-continue');
    pages.push({ slugs: slugs(answer), token });
  } while (token !== null && pages.length < maxPages);
  return pages;
}

describe('where over HTTP', () => {
  it('filters by labels, attribute comparisons and IN', async () => {
    expect(await unitSlugs({ where: "Labels.tier = 'platform'" })).toEqual(['namespace']);
    expect(await unitSlugs({ where: 'HeadRevisionNum > LastReleasedRevisionNum' })).toEqual([
      'web',
      'web-properties',
    ]);
    expect(
      await unitSlugs({ where: "ToolchainType = 'Kubernetes/YAML' AND Labels.app IN ('shop')" }),
    ).toEqual(['namespace']);
    expect(await unitSlugs({ where: "Space.Labels.env = 'staging'" }, '/api/unit')).toHaveLength(6);
  });

  it('selects revisions by tag and by release', async () => {
    const tags = entities(await call(emu(), `/api/space/${PROD_ID}/tag`), 'Tag');
    const v1 = tags.find((t) => t['Slug'] === 'v1')!['TagID'] as string;
    const [release] = entities(await call(emu(), `/api/space/${PROD_ID}/release`), 'Release');
    const revisions = `${UNITS}/${PROD_WEB_ID}/revision`;
    const byTag = await call(emu(), withQuery(revisions, { where: `Tags ? '${v1}'` }));
    expect(entities(byTag, 'Revision').map((r) => r['RevisionNum'])).toEqual([2]);
    const byRelease = await call(
      emu(),
      withQuery(revisions, { where: `Releases ? '${release!['ReleaseID']}'` }),
    );
    expect(entities(byRelease, 'Revision').map((r) => r['RevisionNum'])).toEqual([3]);
  });

  it('finds gated units with LEN(ValidationErrors) > 0', async () => {
    const path = `/api/space/${STAGING_ID}/unit`;
    expect(await unitSlugs({ where: 'LEN(ValidationErrors) > 0' }, path)).toEqual([]);
    emu().setUnitValidationErrors('shop-staging', 'web-hpa', { 'vet-schemas': true });
    try {
      expect(await unitSlugs({ where: 'LEN(ValidationErrors) > 0' }, path)).toEqual(['web-hpa']);
    } finally {
      emu().setUnitValidationErrors('shop-staging', 'web-hpa', {});
    }
  });

  it.each([
    ['unknown attribute', "Color = 'red'"],
    ['parse error', "Slug = 'web' AND"],
    ['backslash', "Slug = 'we\\b'"],
    ['too long', `Slug = '${'a'.repeat(8190)}'`],
  ])('answers 400 for %s', async (_reason, where) => {
    const answer = await call(emu(), withQuery(UNITS, { where }));
    expect(answer.status).toBe(400);
    expect((answer.json as { Code: string }).Code).toBe('400');
  });
});

describe('select', () => {
  it('returns the named fields plus IDs and Slug', async () => {
    const answer = await call(
      emu(),
      withQuery(UNITS, { select: 'DataHash,HeadRevisionNum', where: "Slug = 'web'" }),
    );
    const [unit] = entities(answer, 'Unit');
    expect(Object.keys(unit!).sort()).toEqual([
      'DataHash',
      'HeadRevisionNum',
      'OrganizationID',
      'Slug',
      'SpaceID',
      'UnitID',
    ]);
  });

  it.each(['Data', 'MutationSources', 'Nope'])('answers 400 for select=%s', async (field) => {
    expect((await call(emu(), withQuery(UNITS, { select: `Slug,${field}` }))).status).toBe(400);
  });

  it('applies to single gets too', async () => {
    const answer = await call(emu(), withQuery(`/api/space/${PROD_ID}`, { select: 'Labels' }));
    expect(Object.keys((answer.json as { Space: object }).Space).sort()).toEqual([
      'Labels',
      'OrganizationID',
      'Slug',
      'SpaceID',
    ]);
  });
});

describe('include', () => {
  it('expands SpaceID and TargetID and ignores unknown values', async () => {
    const answer = await call(
      emu(),
      withQuery(UNITS, { include: 'SpaceID,TargetID,Bogus', where: "Slug = 'web'" }),
    );
    expect(answer.status).toBe(200);
    const [envelope] = answer.json as Record<string, Record<string, unknown>>[];
    expect(envelope!['Space']).toMatchObject({ SpaceID: PROD_ID, Slug: 'shop-prod' });
    expect(envelope!['Target']).toMatchObject({ Slug: 'shop-prod-cluster' });
    expect(Object.keys(envelope!).sort()).toEqual(['Space', 'Target', 'Unit']);
  });

  it('leaves Target out for units without one, and expands revisions of a unit', async () => {
    const answer = await call(
      emu(),
      withQuery(UNITS, { include: 'TargetID,HeadRevisionNum', where: "Slug = 'web-properties'" }),
    );
    const [envelope] = answer.json as Record<string, Record<string, unknown>>[];
    expect(envelope).not.toHaveProperty('Target');
    expect(envelope!['HeadRevision']).toMatchObject({ RevisionNum: 3 });
  });
});

describe('include on other entities', () => {
  it("expands a revision's tags, releases and author", async () => {
    const answer = await call(
      emu(),
      withQuery(`${UNITS}/${PROD_WEB_ID}/revision`, {
        include: 'Tags,Releases,UserID',
        where: 'RevisionNum = 3',
      }),
    );
    const [envelope] = answer.json as Record<string, unknown>[];
    expect((envelope!['Tags'] as { Slug: string }[]).map((t) => t.Slug)).toEqual(['release-1']);
    expect((envelope!['Releases'] as { ReleaseNum: number }[]).map((r) => r.ReleaseNum)).toEqual([1]);
    expect(envelope!['User']).toMatchObject({ Username: 'alice' });
  });

  it("expands a release's tag and a space's release target", async () => {
    const releases = await call(
      emu(),
      withQuery(`/api/space/${PROD_ID}/release`, { include: 'TagID,SpaceID' }),
    );
    const [release] = releases.json as Record<string, Record<string, unknown>>[];
    expect(release!['Tag']).toMatchObject({ Slug: 'release-1' });
    expect(release!['Space']).toMatchObject({ Slug: 'shop-prod' });
    const space = await call(emu(), withQuery(`/api/space/${PROD_ID}`, { include: 'ReleaseTargetID' }));
    expect((space.json as Record<string, unknown>)['ReleaseTarget']).toMatchObject({
      Slug: 'shop-prod-cluster',
    });
  });
});

describe('include_hidden', () => {
  it('hides the backing unit unless asked for or selected by slug', async () => {
    expect(await unitSlugs({})).toEqual(VISIBLE);
    expect(await unitSlugs({ include_hidden: 'BackingUnit' })).toContain('space-shop-prod');
    expect(await unitSlugs({ include_hidden: 'true' })).toContain('space-shop-prod');
    expect(await unitSlugs({ include_hidden: 'SomethingElse' })).toEqual(VISIBLE);
    expect(await unitSlugs({ where: "Slug = 'space-shop-prod'" })).toEqual(['space-shop-prod']);
    expect(await unitSlugs({ where: "ToolchainType = 'ConfigHub/YAML'" })).toEqual([]);
  });
});

describe('paging and order_by', () => {
  it('pages with limit and ConfigHub-Continue until a response has no header', async () => {
    const pages = await readAll(UNITS, { limit: '2' });
    expect(pages.map((p) => p.slugs)).toEqual([
      ['namespace', 'web'],
      ['web-config', 'web-hpa'],
      ['web-properties', 'web-svc'],
    ]);
    expect(pages.map((p) => p.token === null)).toEqual([false, false, true]);
  });

  it('returns everything in one response without limit, and no header', async () => {
    const answer = await call(emu(), UNITS);
    expect(answer.headers.get('confighub-continue')).toBeNull();
    expect(slugs(answer)).toHaveLength(6);
  });

  it('orders descending and keeps paging stable', async () => {
    const pages = await readAll(UNITS, { limit: '4', order_by: 'DESC:Slug' });
    expect(pages.flatMap((p) => p.slugs)).toEqual([...VISIBLE].reverse());
    expect(pages).toHaveLength(2);
  });

  it('breaks ties by ID', async () => {
    const answer = await call(
      emu(),
      withQuery('/api/unit', { order_by: 'HeadRevisionNum', where: "Slug = 'web'" }),
    );
    const units = entities(answer, 'Unit');
    expect(units.map((u) => u['SpaceSlug'])).toEqual(['shop-staging', 'shop-prod']);
    const ties = await call(
      emu(),
      withQuery('/api/unit', { order_by: 'ASC:ToolchainType', where: "Slug = 'namespace'" }),
    );
    const ids = entities(ties, 'Unit').map((u) => u['UnitID'] as string);
    expect(ids).toEqual([...ids].sort());
  });

  it('orders revisions and releases by their numbers', async () => {
    const revisions = await call(
      emu(),
      withQuery(`${UNITS}/${PROD_WEB_ID}/revision`, { order_by: 'DESC:RevisionNum', limit: '1' }),
    );
    expect(entities(revisions, 'Revision').map((r) => r['RevisionNum'])).toEqual([4]);
    expect(revisions.headers.get('confighub-continue')).not.toBeNull();
  });

  it.each([
    ['limit above 1000', { limit: '1001' }],
    ['limit 0', { limit: '0' }],
    ['non-integer limit', { limit: 'ten' }],
    ['garbage continue', { continue: '!!!' }],
    ['continue that is not a token', { continue: Buffer.from('[1]').toString('base64url') }],
    ['unknown order_by field', { order_by: 'Colour' }],
    ['malformed order_by', { order_by: 'UP:Slug' }],
  ])('answers 400 for %s', async (_reason, params) => {
    expect((await call(emu(), withQuery(UNITS, params))).status).toBe(400);
  });

  it('accepts limit=1000 and rejects a continue token from another ordering', async () => {
    expect((await call(emu(), withQuery(UNITS, { limit: '1000' }))).status).toBe(200);
    const first = await call(emu(), withQuery(UNITS, { limit: '1' }));
    const token = first.headers.get('confighub-continue')!;
    expect((await call(emu(), withQuery(UNITS, { limit: '1', continue: token }))).status).toBe(200);
    expect(
      (await call(emu(), withQuery(UNITS, { limit: '1', continue: token, order_by: 'DESC:Slug' }))).status,
    ).toBe(400);
  });
});
