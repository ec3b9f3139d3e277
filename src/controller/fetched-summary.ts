// status.fetched: what the last listing found, bounded for the status (the unit list is cut at
// MAX_STATUS_UNITS and says so).
import { MAX_STATUS_UNITS } from '../api/constants.ts';
import type { FetchedSummary } from '../api/v1beta1.ts';
import type { SpaceListing } from '../confighub/index.ts';

export function fetchedSummary(listing: SpaceListing, ignoredGates: string[]): FetchedSummary {
  const units = listing.units.slice(0, MAX_STATUS_UNITS).map((u) => ({
    slug: u.slug,
    unitID: u.unitID,
    revisionNum: u.revisionNum,
    dataHash: u.dataHash,
  }));
  return {
    spaceID: listing.spaceID,
    spaceSlug: listing.spaceSlug,
    ref: listing.refId,
    fingerprint: listing.fingerprint,
    unitCount: listing.units.length,
    units,
    ...(listing.units.length > MAX_STATUS_UNITS ? { unitsTruncated: true } : {}),
    ...(listing.serverVersion === undefined ? {} : { serverVersion: listing.serverVersion }),
    ...(listing.manifestDigest === undefined ? {} : { releaseManifestDigest: listing.manifestDigest }),
    ...(listing.skippedUnits === undefined
      ? {}
      : { skippedUnits: listing.skippedUnits.slice(0, MAX_STATUS_UNITS).map((u) => u.slug ?? u.unitID) }),
    ...(ignoredGates.length === 0 ? {} : { ignoredGates: ignoredGates.slice(0, MAX_STATUS_UNITS) }),
  };
}
