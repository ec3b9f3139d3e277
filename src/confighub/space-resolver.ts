// Space slug or UUID → space ID and slug, each resolution reused for a while.
import { UUID_PATTERN } from '../api/v1beta1.ts';
import type { ApiRequests } from './api-requests.ts';
import { AmbiguousSpaceError, SpaceNotFoundError, UpstreamUnavailableError } from './errors.ts';
import { enc, ROUTES } from './routes.ts';
import { spaceEnvelopeSchema, spaceListSchema } from './schemas.ts';
import { quoteLiteral } from './where.ts';

export const uuidPattern = new RegExp(UUID_PATTERN);

export interface ResolvedSpace {
  id: string;
  slug: string;
}

export class SpaceResolver {
  readonly #api: ApiRequests;
  readonly #ttlMs: number;
  readonly #now: () => number;
  readonly #spaces = new Map<string, { space: ResolvedSpace; expiresAt: number }>();

  constructor(api: ApiRequests, ttlMs: number, now: () => number) {
    this.#api = api;
    this.#ttlMs = ttlMs;
    this.#now = now;
  }

  /** The resolution of `space` while it is still fresh. */
  cached(space: string): ResolvedSpace | undefined {
    const cached = this.#spaces.get(space);
    return cached !== undefined && this.#now() < cached.expiresAt ? cached.space : undefined;
  }

  forget(space: string): void {
    this.#spaces.delete(space);
  }

  clear(): void {
    this.#spaces.clear();
  }

  async resolve(space: string, signal: AbortSignal | undefined): Promise<ResolvedSpace> {
    let resolved: ResolvedSpace;
    if (uuidPattern.test(space)) {
      const id = space.toLowerCase();
      const { body } = await this.#api.getJson(
        { route: ROUTES.space, path: `/api/space/${enc(id)}`, signal },
        spaceEnvelopeSchema,
        () =>
          new SpaceNotFoundError(`space ${id} does not exist or is not visible to this credential`, {
            route: ROUTES.space,
            status: 404,
          }),
      );
      resolved = { id: body.Space.SpaceID.toLowerCase(), slug: body.Space.Slug };
    } else {
      const where = `Slug = ${quoteLiteral(space, 'space slug')}`;
      const { body } = await this.#api.getJson(
        {
          route: ROUTES.spaces,
          path: '/api/space',
          query: [
            ['where', where],
            ['limit', '2'],
          ],
          signal,
        },
        spaceListSchema,
        () =>
          new UpstreamUnavailableError(`${ROUTES.spaces}: the server has no space list route (404)`, {
            route: ROUTES.spaces,
            status: 404,
          }),
      );
      const matches = body.filter((e) => e.Space.Slug === space);
      if (matches.length === 0) {
        throw new SpaceNotFoundError(`no space with slug '${space}' is visible to this credential`, {
          route: ROUTES.spaces,
        });
      }
      if (matches.length > 1) {
        throw new AmbiguousSpaceError(`more than one space has slug '${space}'; use the space ID instead`, {
          route: ROUTES.spaces,
        });
      }
      resolved = { id: matches[0]!.Space.SpaceID.toLowerCase(), slug: matches[0]!.Space.Slug };
    }
    this.#spaces.set(space, { space: resolved, expiresAt: this.#now() + this.#ttlMs });
    return resolved;
  }
}

/** What a 404 means on a route under a space that was resolved: the space is gone. */
export function spaceGone(space: ResolvedSpace, route: string): () => SpaceNotFoundError {
  return () =>
    new SpaceNotFoundError(`space '${space.slug}' (${space.id}) no longer exists`, {
      route,
      status: 404,
    });
}
