// The units of a space without their data: the head listing (paged, filtered) and, for a tag or a
// release, the tagged revision of each unit.
import { mapLimit } from '../util/map-limit.ts';
import type { ApiRequests } from './api-requests.ts';
import { InvalidFilterError, InvalidResponseError, UnitChangedError } from './errors.ts';
import type { ListedUnit } from './listing.ts';
import { enc, ROUTES } from './routes.ts';
import { type ApiUnit, EMPTY_SHA256, revisionListSchema, unitListSchema } from './schemas.ts';
import { type ResolvedSpace, spaceGone } from './space-resolver.ts';
import { quoteLiteral } from './where.ts';

const UNIT_SELECT = [
  'UnitID',
  'Slug',
  'SpaceID',
  'ToolchainType',
  'DataHash',
  'DataSize',
  'HeadRevisionNum',
  'HeadRevisionID',
  'Labels',
  'HiddenReason',
  'ValidationErrors',
  'ApplyGates',
].join(',');

export class UnitLister {
  readonly #api: ApiRequests;
  /** False once the server refused our unit `select` (an older server): lists then ask for whole units. */
  #select = true;

  constructor(api: ApiRequests) {
    this.#api = api;
  }

  /** The visible units of the selected toolchains; IDs and slugs checked to be unique. */
  async list(
    space: ResolvedSpace,
    where: string,
    toolchains: readonly string[],
    userFilter: boolean,
    signal: AbortSignal | undefined,
  ): Promise<ApiUnit[]> {
    const route = ROUTES.units;
    let envelopes: Array<{ Unit: ApiUnit }>;
    const listUnits = (select: boolean) =>
      this.#api.listAll(
        {
          route,
          path: `/api/space/${enc(space.id)}/unit`,
          query: select
            ? [
                ['where', where],
                ['select', UNIT_SELECT],
              ]
            : [['where', where]],
          signal,
        },
        unitListSchema,
        spaceGone(space, route),
        this.#api.limits.maxUnits,
        'units',
      );
    try {
      try {
        envelopes = await listUnits(this.#select);
      } catch (error) {
        // Servers before a field existed refuse to select it (400): ask once more for whole units, and
        // keep doing so if that works. A 400 that remains is about the where filter.
        if (!(this.#select && error instanceof InvalidFilterError && error.status === 400)) throw error;
        envelopes = await listUnits(false);
        this.#select = false;
      }
    } catch (error) {
      if (error instanceof InvalidFilterError && error.status === 400 && userFilter) {
        throw new InvalidFilterError(error.message.replace('the query', 'the where filter'), {
          route,
          status: 400,
        });
      }
      throw error;
    }
    const seenIDs = new Set<string>();
    const seenSlugs = new Set<string>();
    const units: ApiUnit[] = [];
    for (const { Unit: unit } of envelopes) {
      if (seenIDs.has(unit.UnitID)) {
        throw new InvalidResponseError(`${route}: unit ${unit.UnitID} was returned twice across pages`, {
          route,
        });
      }
      seenIDs.add(unit.UnitID);
      if (unit.HiddenReason !== undefined && unit.HiddenReason !== '') continue;
      if (unit.ToolchainType === undefined || !toolchains.includes(unit.ToolchainType)) continue;
      if (seenSlugs.has(unit.Slug)) {
        throw new InvalidResponseError(`${route}: two units share the slug '${unit.Slug}'`, { route });
      }
      seenSlugs.add(unit.Slug);
      units.push(unit);
    }
    return units;
  }
}

export function headUnit(unit: ApiUnit): ListedUnit {
  const dataSize = unit.DataSize ?? 0;
  if (unit.DataHash === undefined && dataSize > 0) {
    throw new InvalidResponseError(
      `${ROUTES.units}: unit '${unit.Slug}' has ${dataSize} bytes of data but no DataHash`,
      {
        route: ROUTES.units,
      },
    );
  }
  const listed: ListedUnit = {
    unitID: unit.UnitID.toLowerCase(),
    slug: unit.Slug,
    toolchainType: unit.ToolchainType ?? '',
    revisionNum: unit.HeadRevisionNum ?? 0,
    dataHash: unit.DataHash ?? EMPTY_SHA256,
    dataSize,
  };
  if (unit.HeadRevisionID !== undefined) listed.revisionID = unit.HeadRevisionID.toLowerCase();
  if (unit.Labels != null && Object.keys(unit.Labels).length > 0) listed.labels = { ...unit.Labels };
  const validationErrors = Object.keys(unit.ValidationErrors ?? {}).sort();
  if (validationErrors.length > 0) listed.validationErrors = validationErrors;
  const applyGates = Object.keys(unit.ApplyGates ?? {}).sort();
  if (applyGates.length > 0) listed.applyGates = applyGates;
  return listed;
}

/** Per unit, the revision carrying the tag with the highest RevisionNum; units without one are left out. */
export async function taggedUnits(
  api: ApiRequests,
  space: ResolvedSpace,
  units: readonly ApiUnit[],
  tagID: string,
  signal: AbortSignal | undefined,
): Promise<ListedUnit[]> {
  const route = ROUTES.revisions;
  const found = await mapLimit(units, api.concurrency, async (unit) => {
    const revisions = await api
      .listAll(
        {
          route,
          path: `/api/space/${enc(space.id)}/unit/${enc(unit.UnitID)}/revision`,
          query: [['where', `Tags ? ${quoteLiteral(tagID, 'tag ID')}`]],
          signal,
        },
        revisionListSchema,
        // Deleted since the unit list: it simply has no tagged revision any more.
        () => new UnitChangedError(`unit '${unit.Slug}' disappeared while listing`, { route, status: 404 }),
        api.limits.maxPages * api.pageSize,
        'revisions',
      )
      .catch((error: unknown) => {
        if (error instanceof UnitChangedError) return [];
        throw error;
      });
    let best: (typeof revisions)[number]['Revision'] | undefined;
    for (const { Revision: r } of revisions) {
      if (best === undefined || r.RevisionNum > best.RevisionNum) best = r;
    }
    if (best === undefined) return undefined;
    const dataSize = best.DataSize ?? 0;
    if (best.DataHash === undefined && dataSize > 0) {
      throw new InvalidResponseError(
        `${route}: revision ${best.RevisionNum} of unit '${unit.Slug}' has data but no DataHash`,
        { route },
      );
    }
    const listed: ListedUnit = {
      unitID: unit.UnitID.toLowerCase(),
      slug: unit.Slug,
      toolchainType: unit.ToolchainType ?? '',
      revisionNum: best.RevisionNum,
      revisionID: best.RevisionID.toLowerCase(),
      dataHash: best.DataHash ?? EMPTY_SHA256,
      dataSize,
    };
    if (unit.Labels != null && Object.keys(unit.Labels).length > 0) listed.labels = { ...unit.Labels };
    return listed;
  });
  return found.filter((u): u is ListedUnit => u !== undefined);
}
