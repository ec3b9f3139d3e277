// The data of a listing's units: cached bytes, bulk JSON batches for small head units, raw downloads
// for the rest, and sha256 verification of every byte against the listed DataHash.
import { sha256Hex } from '../util/hash.ts';
import { mapLimit } from '../util/map-limit.ts';
import type { ApiRequests } from './api-requests.ts';
import {
  IntegrityError,
  InvalidResponseError,
  LimitExceededError,
  UnitChangedError,
  UpstreamUnavailableError,
} from './errors.ts';
import { type HttpRequest, headerValue } from './http.ts';
import type { FetchOptions, ListedUnit, SpaceListing, SpaceSnapshot } from './listing.ts';
import { refIdOf } from './ref.ts';
import { enc, MAX_PAGE_SIZE, ROUTES } from './routes.ts';
import { EMPTY_SHA256, unitDataListSchema } from './schemas.ts';
import { andWhere, batchInClauses, inList, quoteLiteral } from './where.ts';

/** Units larger than this are downloaded one by one as raw bytes, not inside a bulk JSON answer. */
export const BULK_UNIT_MAX_BYTES = 256 * 1024;
/** Units downloaded one at a time. */
const LARGE_UNIT_BYTES = 4 * 1024 * 1024;
/** Unit data per bulk request: a JSON body of a few MiB parses in milliseconds. */
export const BULK_BATCH_BYTES = 2 * 1024 * 1024;

/** Above this, hashing runs on the thread pool (WebCrypto) instead of blocking the event loop. */
const HASH_OFF_LOOP_BYTES = 1 << 20;

async function sha256HexOffLoop(data: Buffer): Promise<string> {
  if (data.length < HASH_OFF_LOOP_BYTES) return sha256Hex(data);
  return Buffer.from(await globalThis.crypto.subtle.digest('SHA-256', data)).toString('hex');
}

/** Downloads (or takes from the cache) the data of every listed unit, within the size limits. */
export async function fetchSnapshot(
  api: ApiRequests,
  listing: SpaceListing,
  options: FetchOptions,
): Promise<SpaceSnapshot> {
  const { cache, signal } = options;
  const revalidate = options.revalidate ?? true;
  let total = 0;
  for (const unit of listing.units) {
    if (unit.dataSize > api.limits.maxUnitDataBytes) {
      throw new LimitExceededError(
        `unit '${unit.slug}' has ${unit.dataSize} bytes of data; the limit is ${api.limits.maxUnitDataBytes}`,
      );
    }
    total += unit.dataSize;
  }
  if (total > api.limits.maxTotalDataBytes) {
    throw new LimitExceededError(
      `the selected units hold ${total} bytes of data; the limit is ${api.limits.maxTotalDataBytes}`,
    );
  }

  const head = listing.refId === refIdOf('head');
  const data = new Map<string, Buffer>();
  const toDownload: ListedUnit[] = [];
  const toRevalidate: ListedUnit[] = [];
  for (const unit of listing.units) {
    if (unit.dataHash === EMPTY_SHA256) {
      data.set(unit.unitID, Buffer.alloc(0));
      continue;
    }
    const hit = cache?.get(unit.dataHash);
    if (hit === undefined) toDownload.push(unit);
    // Revision data is immutable: only a head can move away from what was listed.
    else if (revalidate && head) toRevalidate.push(unit);
    else data.set(unit.unitID, hit);
  }

  const store = (unit: ListedUnit, bytes: Buffer): void => {
    data.set(unit.unitID, bytes);
    cache?.set(unit.dataHash, bytes);
  };
  // Large units come one by one as raw bytes: in a bulk JSON answer their data would be escaped,
  // parsed on the event loop in one piece and held twice.
  const bulk = head ? toDownload.filter((unit) => unit.dataSize <= BULK_UNIT_MAX_BYTES) : [];
  if (bulk.length > 0) {
    for (const [unit, bytes] of await bulkData(api, listing, bulk, signal)) store(unit, bytes);
  }
  const oneByOne = head
    ? [...toRevalidate, ...toDownload.filter((unit) => unit.dataSize > BULK_UNIT_MAX_BYTES)]
    : toDownload;
  const one = async (unit: ListedUnit) => {
    store(unit, await unitData(api, listing, unit, head, cache?.get(unit.dataHash), signal));
  };
  // Small units in parallel; units of several MiB one at a time, so a space of large units never has
  // many of them half-received at once.
  await mapLimit(
    oneByOne.filter((unit) => unit.dataSize <= LARGE_UNIT_BYTES),
    api.concurrency,
    one,
  );
  await mapLimit(
    oneByOne.filter((unit) => unit.dataSize > LARGE_UNIT_BYTES),
    1,
    one,
  );

  return {
    spaceID: listing.spaceID,
    spaceSlug: listing.spaceSlug,
    refId: listing.refId,
    fingerprint: listing.fingerprint,
    units: listing.units.map((unit) => ({ ...unit, data: data.get(unit.unitID)! })),
  };
}

/** Head data of many units through `GET /api/unit_data`, in batches below the where and body caps. */
async function bulkData(
  api: ApiRequests,
  listing: SpaceListing,
  units: readonly ListedUnit[],
  signal: AbortSignal | undefined,
): Promise<Array<[ListedUnit, Buffer]>> {
  if (units.length === 0) return [];
  const route = ROUTES.unitData;
  const prefix = `SpaceID = ${quoteLiteral(listing.spaceID, 'space ID')}`;
  // JSON escaping can double a document's size; each batch's body stays small, because it is parsed
  // on the event loop in one piece.
  const byteBudget = Math.max(1, Math.min(BULK_BATCH_BYTES, Math.floor(api.limits.maxJsonBytes / 2)));
  const groups: ListedUnit[][] = [];
  let current: ListedUnit[] = [];
  let bytes = 0;
  for (const unit of units) {
    if (current.length > 0 && bytes + unit.dataSize > byteBudget) {
      groups.push(current);
      current = [];
      bytes = 0;
    }
    current.push(unit);
    bytes += unit.dataSize;
  }
  groups.push(current);

  const results: Array<[ListedUnit, Buffer]> = [];
  for (const group of groups) {
    const byID = new Map(group.map((u) => [u.unitID, u]));
    for (const ids of batchInClauses(
      prefix,
      'UnitID',
      [...byID.keys()],
      'unit ID',
      undefined,
      MAX_PAGE_SIZE,
    )) {
      const records = await api.listAll(
        {
          route,
          path: '/api/unit_data',
          query: [['where', andWhere(prefix, inList('UnitID', ids, 'unit ID'))]],
          signal,
        },
        unitDataListSchema,
        () =>
          new UpstreamUnavailableError(`${route}: the server has no bulk data route (404)`, {
            route,
            status: 404,
          }),
        ids.length,
        'unit data records',
      );
      const received = new Map(records.map((r) => [r.UnitID.toLowerCase(), r]));
      for (const id of ids) {
        const unit = byID.get(id)!;
        const record = received.get(id);
        if (record === undefined) {
          throw new UnitChangedError(`unit '${unit.slug}' was deleted or moved after it was listed`, {
            route,
          });
        }
        const bytesOf = Buffer.from(record.Data ?? '', 'utf8');
        if (bytesOf.length > api.limits.maxUnitDataBytes) {
          throw new LimitExceededError(
            `unit '${unit.slug}' has ${bytesOf.length} bytes of data; the limit is ${api.limits.maxUnitDataBytes}`,
            { route },
          );
        }
        await verify(route, unit, bytesOf, record.DataHash);
        results.push([unit, bytesOf]);
      }
    }
  }
  return results;
}

/** One unit's data: head `/data` or `/revision/{id}/data`, conditional when `cached` is given. */
async function unitData(
  api: ApiRequests,
  listing: SpaceListing,
  unit: ListedUnit,
  head: boolean,
  cached: Buffer | undefined,
  signal: AbortSignal | undefined,
): Promise<Buffer> {
  const base = `/api/space/${enc(listing.spaceID)}/unit/${enc(unit.unitID)}`;
  let route: string;
  let path: string;
  if (head) {
    route = ROUTES.data;
    path = `${base}/data`;
  } else {
    if (unit.revisionID === undefined) {
      throw new InvalidResponseError(`unit '${unit.slug}' was listed without a revision ID`, {});
    }
    route = ROUTES.revisionData;
    path = `${base}/revision/${enc(unit.revisionID)}/data`;
  }
  const headers: Record<string, string> = { accept: 'application/octet-stream' };
  if (cached !== undefined) headers['if-none-match'] = `"${unit.dataHash}"`;
  const req: HttpRequest = {
    method: 'GET',
    route,
    path,
    headers,
    maxBytes: api.limits.maxUnitDataBytes,
    signal,
  };
  const response = await api.call(req);
  const etag = headerValue(response.headers, 'etag')
    ?.replace(/^W\//, '')
    .replace(/^"(.*)"$/, '$1');
  if (response.status === 304) {
    if (cached === undefined) {
      throw new InvalidResponseError(`${route}: 304 Not Modified for a request that was not conditional`, {
        route,
        status: 304,
      });
    }
    if (etag !== undefined && etag !== '' && etag !== unit.dataHash) {
      throw new UnitChangedError(`unit '${unit.slug}' changed after it was listed`, { route, status: 304 });
    }
    return cached;
  }
  if (response.status !== 200) {
    throw api.unexpected(
      req,
      response,
      () =>
        new UnitChangedError(`unit '${unit.slug}' was deleted after it was listed`, { route, status: 404 }),
    );
  }
  if (/text\/html/i.test(headerValue(response.headers, 'content-type') ?? '')) {
    throw new UpstreamUnavailableError(
      `${route}: the server answered with an HTML page instead of the data of unit '${unit.slug}'`,
      { route, status: 200 },
    );
  }
  await verify(route, unit, response.body, etag);
  return response.body;
}

/**
 * sha256(bytes) must equal the listed DataHash. When the server itself labels the bytes with another
 * hash that they do match, the unit moved after listing (retry) rather than being corrupt.
 */
async function verify(
  route: string,
  unit: ListedUnit,
  data: Buffer,
  claimed: string | undefined,
): Promise<void> {
  const actual = await sha256HexOffLoop(data);
  if (actual === unit.dataHash) return;
  if (claimed !== undefined && claimed !== unit.dataHash && claimed === actual) {
    throw new UnitChangedError(
      `unit '${unit.slug}' changed after it was listed (DataHash ${unit.dataHash.slice(0, 12)}… → ${actual.slice(0, 12)}…)`,
      { route },
    );
  }
  throw new IntegrityError(
    `unit '${unit.slug}': sha256 of the downloaded data is ${actual} but its DataHash is ${unit.dataHash}`,
    { route },
  );
}
