// The ConfigHub API routes this client reads: templates name them in messages and metrics.

export const ROUTES = {
  spaces: 'GET /api/space',
  space: 'GET /api/space/{space_id}',
  units: 'GET /api/space/{space_id}/unit',
  unitData: 'GET /api/unit_data',
  data: 'GET /api/space/{space_id}/unit/{unit_id}/data',
  tags: 'GET /api/space/{space_id}/tag',
  releases: 'GET /api/space/{space_id}/release',
  revisions: 'GET /api/space/{space_id}/unit/{unit_id}/revision',
  revisionData: 'GET /api/space/{space_id}/unit/{unit_id}/revision/{revision_id}/data',
} as const;

/** The largest `limit` a list request may send. */
export const MAX_PAGE_SIZE = 1000;

export function enc(segment: string): string {
  return encodeURIComponent(segment);
}
