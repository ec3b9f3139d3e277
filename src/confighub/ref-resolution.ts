// A tag or release of a space → the tag ID whose revisions make up the snapshot.
import type { z } from 'zod';
import type { ApiRequests } from './api-requests.ts';
import { InvalidResponseError, RefNotFoundError } from './errors.ts';
import type { SkippedUnit } from './listing.ts';
import { enc, ROUTES } from './routes.ts';
import { releaseListSchema, tagListSchema } from './schemas.ts';
import { type ResolvedSpace, spaceGone, uuidPattern } from './space-resolver.ts';
import { quoteLiteral } from './where.ts';

export interface ResolvedRelease {
  num: number;
  tagID: string;
  skipped: SkippedUnit[];
  manifestDigest: string | undefined;
}

/** Reads `Release.SkippedUnits` in any of the shapes the schema accepts. */
function skippedOf(
  value: z.infer<typeof releaseListSchema>[number]['Release']['SkippedUnits'],
): SkippedUnit[] {
  if (value == null) return [];
  const entries: Array<{ unitID: string; slug?: string | undefined }> = Array.isArray(value)
    ? value.map((v) => (typeof v === 'string' ? { unitID: v } : { unitID: v.UnitID, slug: v.Slug }))
    : Object.keys(value).map((unitID) => ({ unitID }));
  return entries
    .filter((e) => uuidPattern.test(e.unitID))
    .map((e) =>
      e.slug === undefined
        ? { unitID: e.unitID.toLowerCase() }
        : { unitID: e.unitID.toLowerCase(), slug: e.slug },
    );
}

/** Every tag or release of a space that `where` selects; a 404 means the space is gone. */
function listInSpace<T>(
  api: ApiRequests,
  space: ResolvedSpace,
  what: 'tags' | 'releases',
  where: string,
  schema: z.ZodType<T[]>,
  signal: AbortSignal | undefined,
): Promise<T[]> {
  const route = ROUTES[what];
  const collection = what === 'tags' ? 'tag' : 'release';
  return api.listAll(
    { route, path: `/api/space/${enc(space.id)}/${collection}`, query: [['where', where]], signal },
    schema,
    spaceGone(space, route),
    api.limits.maxUnits,
    what,
  );
}

export async function resolveTag(
  api: ApiRequests,
  space: ResolvedSpace,
  tag: string,
  signal: AbortSignal | undefined,
): Promise<string> {
  const where = `Slug = ${quoteLiteral(tag, 'tag')}`;
  const tags = await listInSpace(api, space, 'tags', where, tagListSchema, signal);
  const match = tags.find((t) => t.Tag.Slug === tag);
  if (match === undefined) {
    throw new RefNotFoundError(`tag '${tag}' does not exist in space '${space.slug}'`, {
      route: ROUTES.tags,
    });
  }
  return match.Tag.TagID.toLowerCase();
}

/**
 * Lists the published releases and chooses client-side: servers before about v0.8.10 refuse
 * `ReleaseNum` in a release `where`, while `Published = true` works on every v0.8 server.
 */
export async function resolveRelease(
  api: ApiRequests,
  space: ResolvedSpace,
  wanted: 'latest' | number,
  signal: AbortSignal | undefined,
): Promise<ResolvedRelease> {
  const route = ROUTES.releases;
  const releases = await listInSpace(api, space, 'releases', 'Published = true', releaseListSchema, signal);
  let release: (typeof releases)[number]['Release'] | undefined;
  for (const { Release: r } of releases) {
    if (r.Published !== true) continue;
    if (
      wanted === 'latest'
        ? release === undefined || r.ReleaseNum > release.ReleaseNum
        : r.ReleaseNum === wanted
    )
      release = r;
  }
  if (release === undefined) {
    throw new RefNotFoundError(
      wanted === 'latest'
        ? `space '${space.slug}' has no published release`
        : `release ${wanted} of space '${space.slug}' does not exist or is not published`,
      { route },
    );
  }
  if (release.TagID === undefined) {
    throw new InvalidResponseError(`${route}: release ${release.ReleaseNum} names no TagID`, { route });
  }
  return {
    num: release.ReleaseNum,
    tagID: release.TagID.toLowerCase(),
    skipped: skippedOf(release.SkippedUnits),
    manifestDigest: release.ManifestDigest,
  };
}
