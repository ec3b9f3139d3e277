// Every read route of the emulator: success shapes, headers and each documented error status.
import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  call,
  entities,
  MISSING_ID,
  PROD_ID,
  PROD_WEB_ID,
  STAGING_ID,
  slugs,
  useEmulator,
  withQuery,
} from './support.ts';

const emu = useEmulator({ version: 'v0.8.99' });
const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');
const UNIT_PATH = `/api/space/${PROD_ID}/unit/${PROD_WEB_ID}`;

function expectError(answer: { status: number; json: unknown; headers: Headers }, status: number): void {
  expect(answer.status).toBe(status);
  expect(answer.headers.get('content-type')).toBe('application/json');
  expect(answer.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  const body = answer.json as { Code: string; Message: string };
  expect(body.Code).toBe(String(status));
  expect(body.Message.length).toBeGreaterThan(0);
}

describe('/api/info and /api/me', () => {
  it('serves info without a token, with the configured version header', async () => {
    const answer = await call(emu(), '/api/info', { token: null });
    expect(answer.status).toBe(200);
    expect(answer.headers.get('confighub-version')).toBe('v0.8.99');
    expect(answer.headers.get('content-type')).toBe('application/json');
    expect(answer.json).toMatchObject({ Version: 'v0.8.99', OCIHost: 'oci.example.test', OCIPort: '443' });
  });

  it('returns the caller as a bare OrganizationMember', async () => {
    const answer = await call(emu(), '/api/me');
    expect(answer.status).toBe(200);
    expect(answer.json).toMatchObject({ Username: 'alice', OrganizationID: emu().fixture.orgID });
    expectError(await call(emu(), '/api/me', { token: null }), 401);
  });
});

describe('/api/space', () => {
  it('lists every visible space as ExtendedSpace envelopes with counters', async () => {
    const answer = await call(emu(), '/api/space');
    expect(answer.status).toBe(200);
    expect(slugs(answer, 'Space')).toEqual(['shop-prod', 'shop-staging']);
    const prod = (answer.json as Record<string, unknown>[])[0]!;
    expect(prod).toMatchObject({ TotalUnitCount: 6, UnreleasedUnitCount: 2, TotalReleaseCount: 1 });
    expect(prod['Space']).toMatchObject({ SpaceID: PROD_ID, Labels: { env: 'prod' }, EntityType: 'Space' });
  });

  it('filters by where and answers [] for no match', async () => {
    const one = await call(emu(), withQuery('/api/space', { where: "Slug = 'shop-staging'", limit: '2' }));
    expect(entities(one, 'Space').map((s) => s['SpaceID'])).toEqual([STAGING_ID]);
    const none = await call(emu(), withQuery('/api/space', { where: "Slug = 'nope'" }));
    expect(none.status).toBe(200);
    expect(none.json).toEqual([]);
  });

  it('omits spaces the token may not see', async () => {
    const answer = await call(emu(), '/api/space', { token: emu().fixture.restrictedToken });
    expect(slugs(answer, 'Space')).toEqual(['shop-staging']);
  });

  it('rejects bad where, bad limit and missing tokens', async () => {
    expectError(await call(emu(), withQuery('/api/space', { where: 'Nope = 1' })), 400);
    expectError(await call(emu(), withQuery('/api/space', { limit: '1001' })), 400);
    expectError(await call(emu(), '/api/space', { token: null }), 401);
  });

  it('gets one space by ID with 400/401/403/404 errors', async () => {
    const answer = await call(emu(), `/api/space/${PROD_ID}`);
    expect(answer.status).toBe(200);
    expect((answer.json as { Space: { Slug: string } }).Space.Slug).toBe('shop-prod');
    expectError(await call(emu(), '/api/space/shop-prod'), 400);
    expectError(await call(emu(), `/api/space/${PROD_ID}`, { token: null }), 401);
    expectError(await call(emu(), `/api/space/${PROD_ID}`, { token: emu().fixture.restrictedToken }), 403);
    expectError(await call(emu(), `/api/space/${MISSING_ID}`), 404);
  });
});

describe('units', () => {
  it('lists the units of a space without the hidden backing unit', async () => {
    const answer = await call(emu(), `/api/space/${PROD_ID}/unit`);
    expect(answer.status).toBe(200);
    expect(slugs(answer)).toEqual(['namespace', 'web', 'web-config', 'web-hpa', 'web-properties', 'web-svc']);
    const web = entities(answer, 'Unit').find((u) => u['Slug'] === 'web')!;
    expect(web).toMatchObject({
      UnitID: PROD_WEB_ID,
      SpaceSlug: 'shop-prod',
      ToolchainType: 'Kubernetes/YAML',
      HeadRevisionNum: 4,
      LastReleasedRevisionNum: 3,
      Labels: { app: 'web', tier: 'frontend' },
      EntityType: 'Unit',
    });
    expect(web).not.toHaveProperty('Data');
  });

  it('answers 400/401/403/404 on the space-scoped list', async () => {
    expectError(await call(emu(), withQuery(`/api/space/${PROD_ID}/unit`, { where: "Slug = 'x" })), 400);
    expectError(await call(emu(), `/api/space/${PROD_ID}/unit`, { token: 'not-a-token' }), 401);
    expectError(
      await call(emu(), `/api/space/${PROD_ID}/unit`, { token: emu().fixture.restrictedToken }),
      403,
    );
    expectError(await call(emu(), `/api/space/${MISSING_ID}/unit`), 404);
  });

  it('lists org-wide units, leaving out invisible spaces', async () => {
    const all = await call(emu(), '/api/unit');
    expect(entities(all, 'Unit')).toHaveLength(12);
    const restricted = await call(emu(), '/api/unit', { token: emu().fixture.restrictedToken });
    expect(new Set(entities(restricted, 'Unit').map((u) => u['SpaceSlug']))).toEqual(
      new Set(['shop-staging']),
    );
    expectError(await call(emu(), withQuery('/api/unit', { limit: '0' })), 400);
    expectError(await call(emu(), '/api/unit', { token: null }), 401);
  });

  it('gets one unit, and 400/403/404 for bad IDs, hidden spaces, and units of other spaces', async () => {
    const answer = await call(emu(), UNIT_PATH);
    expect(answer.status).toBe(200);
    expect((answer.json as { Unit: { Slug: string } }).Unit.Slug).toBe('web');
    expectError(await call(emu(), `/api/space/${PROD_ID}/unit/web`), 400);
    expectError(await call(emu(), UNIT_PATH, { token: emu().fixture.restrictedToken }), 403);
    expectError(await call(emu(), `/api/space/${PROD_ID}/unit/${MISSING_ID}`), 404);
    expectError(await call(emu(), `/api/space/${STAGING_ID}/unit/${PROD_WEB_ID}`), 404);
  });
});

describe('unit data', () => {
  it('serves the raw bytes with ETag = DataHash', async () => {
    const unit = emu().getUnit('shop-prod', 'web');
    const answer = await call(emu(), `${UNIT_PATH}/data`);
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toBe('application/octet-stream');
    expect(answer.headers.get('etag')).toBe(`"${unit.DataHash}"`);
    expect(sha256(answer.bytes)).toBe(unit.DataHash);
    expect(answer.text).toContain('replicas: 3');
  });

  it.each([
    ['quoted', (h: string) => `"${h}"`],
    ['unquoted', (h: string) => h],
    ['weak', (h: string) => `W/"${h}"`],
    ['in a list', (h: string) => `"other", "${h}"`],
    ['wildcard', () => '*'],
  ])('answers 304 when If-None-Match matches (%s)', async (_name, format) => {
    const hash = emu().getUnit('shop-prod', 'web').DataHash;
    const answer = await call(emu(), `${UNIT_PATH}/data`, { headers: { 'if-none-match': format(hash) } });
    expect(answer.status).toBe(304);
    expect(answer.bytes.byteLength).toBe(0);
    expect(answer.headers.get('etag')).toBe(`"${hash}"`);
  });

  it('answers 200 when If-None-Match names another hash', async () => {
    const answer = await call(emu(), `${UNIT_PATH}/data`, { headers: { 'if-none-match': '"0000"' } });
    expect(answer.status).toBe(200);
  });

  it('answers 401/403/404 on /data', async () => {
    expectError(await call(emu(), `${UNIT_PATH}/data`, { token: null }), 401);
    expectError(await call(emu(), `${UNIT_PATH}/data`, { token: emu().fixture.restrictedToken }), 403);
    expectError(await call(emu(), `/api/space/${PROD_ID}/unit/${MISSING_ID}/data`), 404);
  });

  it('requires a where on /api/unit_data and returns flat records with Data as a string', async () => {
    expectError(await call(emu(), '/api/unit_data'), 400);
    expectError(await call(emu(), '/api/unit_data', { token: null }), 401);
    const answer = await call(emu(), withQuery('/api/unit_data', { where: `SpaceID = '${PROD_ID}'` }));
    expect(answer.status).toBe(200);
    const records = answer.json as Record<string, unknown>[];
    expect(records.map((r) => r['Slug'])).toEqual([
      'namespace',
      'web',
      'web-config',
      'web-hpa',
      'web-properties',
      'web-svc',
    ]);
    for (const record of records) {
      expect(Object.keys(record).sort()).toEqual([
        'Data',
        'DataHash',
        'DataSize',
        'Slug',
        'SpaceID',
        'SpaceSlug',
        'UnitID',
      ]);
      expect(sha256(Buffer.from(record['Data'] as string))).toBe(record['DataHash']);
      expect(Buffer.byteLength(record['Data'] as string)).toBe(record['DataSize']);
    }
  });
});

describe('revisions', () => {
  it('serves revision history in bulk from /api/revision_data (where required)', async () => {
    expectError(await call(emu(), '/api/revision_data'), 400);
    expectError(await call(emu(), '/api/revision_data', { token: null }), 401);
    const answer = await call(
      emu(),
      withQuery('/api/revision_data', {
        where: `UnitID = '${PROD_WEB_ID}' AND RevisionNum > 1`,
        order_by: 'DESC:RevisionNum',
      }),
    );
    expect(answer.status).toBe(200);
    const records = answer.json as Record<string, unknown>[];
    expect(records.map((r) => r['RevisionNum'])).toEqual([4, 3, 2]);
    for (const record of records) {
      expect(sha256(Buffer.from(record['Data'] as string))).toBe(record['DataHash']);
      expect(record).toMatchObject({ UnitID: PROD_WEB_ID, SpaceID: PROD_ID });
    }
    const hidden = await call(
      emu(),
      withQuery('/api/revision_data', { where: `UnitID = '${PROD_WEB_ID}'` }),
      {
        token: emu().fixture.restrictedToken,
      },
    );
    expect(hidden.json).toEqual([]);
  });

  it('lists the history in RevisionNum order, starting with the empty revision 1', async () => {
    const answer = await call(emu(), `${UNIT_PATH}/revision`);
    expect(answer.status).toBe(200);
    const revisions = entities(answer, 'Revision');
    expect(revisions.map((r) => r['RevisionNum'])).toEqual([1, 2, 3, 4]);
    expect(revisions[0]).toMatchObject({
      DataHash: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
      Source: 'CreateUnit',
      UnitSlug: 'web',
      SpaceSlug: 'shop-prod',
    });
    expect(revisions[0]).not.toHaveProperty('DataSize');
    expect(revisions[3]!['RevisionID']).toBe(emu().getUnit('shop-prod', 'web').HeadRevisionID);
  });

  it('gets one revision and its data by RevisionID', async () => {
    const list = entities(await call(emu(), `${UNIT_PATH}/revision`), 'Revision');
    const second = list[1]!;
    const one = await call(emu(), `${UNIT_PATH}/revision/${second['RevisionID']}`);
    expect(one.status).toBe(200);
    expect((one.json as { Revision: { RevisionNum: number } }).Revision.RevisionNum).toBe(2);
    const data = await call(emu(), `${UNIT_PATH}/revision/${second['RevisionID']}/data`);
    expect(data.status).toBe(200);
    expect(sha256(data.bytes)).toBe(second['DataHash']);
    expect(data.text).toContain('nginx-unprivileged:1.27.0');
    const again = await call(emu(), `${UNIT_PATH}/revision/${second['RevisionID']}/data`, {
      headers: { 'if-none-match': `"${second['DataHash']}"` },
    });
    expect(again.status).toBe(304);
  });

  it('answers 400/401/403/404 on revision routes', async () => {
    expectError(await call(emu(), `${UNIT_PATH}/revision/2`), 400);
    expectError(await call(emu(), withQuery(`${UNIT_PATH}/revision`, { order_by: 'Labels' })), 400);
    expectError(await call(emu(), `${UNIT_PATH}/revision`, { token: null }), 401);
    expectError(await call(emu(), `${UNIT_PATH}/revision`, { token: emu().fixture.restrictedToken }), 403);
    expectError(await call(emu(), `${UNIT_PATH}/revision/${MISSING_ID}`), 404);
    expectError(await call(emu(), `${UNIT_PATH}/revision/${MISSING_ID}/data`), 404);
    expectError(await call(emu(), `/api/space/${PROD_ID}/unit/${MISSING_ID}/revision`), 404);
  });
});

describe('tags and releases', () => {
  it('lists tags, including the release tag', async () => {
    const answer = await call(emu(), `/api/space/${PROD_ID}/tag`);
    expect(answer.status).toBe(200);
    expect(slugs(answer, 'Tag')).toEqual(['release-1', 'v1']);
    const tagId = entities(answer, 'Tag')[1]!['TagID'] as string;
    const one = await call(emu(), `/api/space/${PROD_ID}/tag/${tagId}`);
    expect((one.json as { Tag: { Slug: string } }).Tag.Slug).toBe('v1');
    expectError(
      await call(emu(), `/api/space/${PROD_ID}/tag`, { token: emu().fixture.restrictedToken }),
      403,
    );
    expectError(await call(emu(), `/api/space/${MISSING_ID}/tag`), 404);
    expectError(await call(emu(), withQuery(`/api/space/${PROD_ID}/tag`, { where: 'Slug ~ 1' })), 400);
  });

  it('lists releases and serves the published bundle with ETag = Digest', async () => {
    const answer = await call(emu(), `/api/space/${PROD_ID}/release`);
    expect(answer.status).toBe(200);
    const [release] = entities(answer, 'Release');
    expect(release).toMatchObject({ ReleaseNum: 1, Published: true, UnitCount: 5, SpaceSlug: 'shop-prod' });
    const one = await call(emu(), `/api/space/${PROD_ID}/release/${release!['ReleaseID']}`);
    expect((one.json as { Release: { Digest: string } }).Release.Digest).toBe(release!['Digest']);
    const data = await call(emu(), `/api/space/${PROD_ID}/release/${release!['ReleaseID']}/data`);
    expect(data.status).toBe(200);
    expect(data.headers.get('etag')).toBe(`"${release!['Digest']}"`);
    expect(`sha256:${sha256(data.bytes)}`).toBe(release!['Digest']);
    expect(data.bytes.byteLength).toBe(release!['DataSize']);
    expect(gunzipSync(data.bytes).byteLength % 512).toBe(0);
    const cached = await call(emu(), `/api/space/${PROD_ID}/release/${release!['ReleaseID']}/data`, {
      headers: { 'if-none-match': `"${release!['Digest']}"` },
    });
    expect(cached.status).toBe(304);
    expectError(await call(emu(), `/api/space/${PROD_ID}/release`, { token: null }), 401);
    expectError(await call(emu(), `/api/space/${PROD_ID}/release/${MISSING_ID}/data`), 404);
    expectError(
      await call(emu(), `/api/space/${PROD_ID}/release`, { token: emu().fixture.restrictedToken }),
      403,
    );
    expectError(await call(emu(), `/api/space/${STAGING_ID}/release/${release!['ReleaseID']}`), 404);
  });

  it('lists tags org-wide, leaving out invisible spaces', async () => {
    const all = await call(emu(), '/api/tag');
    expect(slugs(all, 'Tag').sort()).toEqual(['release-1', 'v1']);
    const restricted = await call(emu(), '/api/tag', { token: emu().fixture.restrictedToken });
    expect(restricted.json).toEqual([]);
    expectError(await call(emu(), '/api/tag', { token: null }), 401);
  });

  it('lists the targets of a space', async () => {
    const answer = await call(emu(), `/api/space/${PROD_ID}/target`);
    expect(slugs(answer, 'Target')).toEqual(['shop-prod-cluster']);
  });
});

describe('read-only surface and unknown routes', () => {
  it.each(['POST', 'PUT', 'PATCH', 'DELETE'])('answers 405 to %s on API routes', async (method) => {
    for (const path of ['/api/space', `/api/space/${PROD_ID}/unit`, `${UNIT_PATH}/data`]) {
      const answer = await call(emu(), path, { method, body: method === 'DELETE' ? undefined : '{}' });
      expectError(answer, 405);
      expect(answer.headers.get('allow')).toBe('GET, HEAD');
    }
  });

  it('answers 405 to GET /auth/worker and 404 JSON to unknown routes', async () => {
    expectError(await call(emu(), '/auth/worker'), 405);
    const unknown = await call(emu(), '/api/spaces');
    expectError(unknown, 404);
    expect(unknown.headers.get('confighub-version')).toBe('v0.8.99');
    expectError(await call(emu(), '/'), 404);
  });

  it('never echoes the presented token in an error', async () => {
    const secret = 'chx_leaky_value_that_must_not_appear';
    const answer = await call(emu(), '/api/space', { token: secret });
    expectError(answer, 401);
    expect(answer.text).not.toContain(secret);
  });

  it('supports HEAD on data routes without a body', async () => {
    const answer = await call(emu(), `${UNIT_PATH}/data`, { method: 'HEAD' });
    expect(answer.status).toBe(200);
    expect(answer.bytes.byteLength).toBe(0);
    expect(answer.headers.get('etag')).toBe(`"${emu().getUnit('shop-prod', 'web').DataHash}"`);
  });
});
