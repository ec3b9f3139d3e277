// The read-only API routes: each handler returns a Reply the server sends (after faults had their say).
import {
  type Attrs,
  type EntityDescriptor,
  type EntityKind,
  RELEASE,
  RELEASE_BEFORE_0_8_10,
  REVISION,
  REVISION_DATA,
  SPACE,
  TAG,
  TARGET,
  toJSON,
  UNIT,
  UNIT_DATA,
} from '../model/descriptors.ts';
import { isUUID } from '../model/ids.ts';
import { type Release, type Revision, type Space, Store, type Unit } from '../model/store.ts';
import { type ListQuery, type PagingFault, paginate, parseListQuery } from '../query/list-query.ts';
import type { Row } from '../query/where-eval.ts';
import type { Principal } from './auth.ts';
import { badRequest, forbidden, notFound } from './errors.ts';
import type { Renderer } from './render.ts';

export type Reply =
  | { kind: 'json'; status: number; body: unknown; headers?: Record<string, string> }
  | { kind: 'bytes'; status: number; body: Buffer; headers: Record<string, string> };

/** What a handler may ask of the request and of the faults that apply to it. */
export interface RouteContext {
  readonly store: Store;
  readonly render: Renderer;
  readonly params: URLSearchParams;
  readonly version: string;
  /** Behave as a server before v0.8.10 (see EmulatorOptions.olderServer). */
  readonly olderServer: boolean;
  readonly serverUrl: string;
  readonly ifNoneMatch: string | undefined;
  /** The authenticated caller; throws 401. */
  principal(): Principal;
  /** True when a `wrongDataHash` fault covers this unit (marks the fault used). */
  corruptData(unitSlug: string): boolean;
  /** The paging fault in force for this list, if any (marks the fault used). */
  pagingFault(): PagingFault;
}

type Handler = (ctx: RouteContext, path: string[]) => Reply;

const DESCRIPTORS: Partial<Record<EntityKind, EntityDescriptor>> = {
  Space: SPACE,
  Unit: UNIT,
  Revision: REVISION,
  Tag: TAG,
  Release: RELEASE,
  Target: TARGET,
};

function json(body: unknown, headers?: Record<string, string>): Reply {
  return headers === undefined
    ? { kind: 'json', status: 200, body }
    : { kind: 'json', status: 200, body, headers };
}

function canSee(principal: Principal, space: Space): boolean {
  return (
    principal.spaces === null || principal.spaces.includes(space.id) || principal.spaces.includes(space.slug)
  );
}

function uuidParam(value: string, name: string): string {
  if (!isUUID(value)) throw badRequest(`${name} must be a UUID`);
  return value;
}

/** Resolves `{space_id}`: 400 for a non-UUID, 404 unknown, 403 not visible to the caller. */
function spaceParam(ctx: RouteContext, raw: string): Space {
  const principal = ctx.principal();
  const space = ctx.store.spaces.get(uuidParam(raw, 'space_id'));
  if (space === undefined) throw notFound(`space ${raw} not found`);
  if (!canSee(principal, space)) throw forbidden(`not allowed to read space ${raw}`);
  return space;
}

function unitParam(ctx: RouteContext, space: Space, raw: string): Unit {
  const unit = ctx.store.units.get(uuidParam(raw, 'unit_id'));
  if (unit === undefined || unit.spaceId !== space.id)
    throw notFound(`unit ${raw} not found in space ${space.id}`);
  return unit;
}

function revisionParam(unit: Unit, raw: string): Revision {
  const revision = unit.revisions.find((r) => r.id === uuidParam(raw, 'revision_id'));
  if (revision === undefined) throw notFound(`revision ${raw} not found for unit ${unit.id}`);
  return revision;
}

function listQuery(ctx: RouteContext, descriptor: EntityDescriptor, requireWhere = false): ListQuery {
  return parseListQuery(ctx.params, descriptor, DESCRIPTORS, { requireWhere });
}

/** Filters by `where`, drops hidden entities unless asked for, orders and pages; sets `ConfigHub-Continue`. */
function list<T>(
  ctx: RouteContext,
  query: ListQuery,
  descriptor: EntityDescriptor,
  rows: { item: T; row: Row }[],
  render: (item: T) => unknown,
): Reply {
  const matched = rows.filter(({ row }) => {
    const reason = row.attrs['HiddenReason'];
    if (typeof reason === 'string' && reason !== '') {
      const shown =
        query.includeHidden === true || query.includeHidden.has(reason) || query.where?.selectsByIdentity;
      if (!shown) return false;
    }
    return query.where === undefined || query.where.test(row);
  });
  const page = paginate(
    matched,
    (r) => r.row.attrs,
    query,
    descriptor.idField,
    ctx.pagingFault(),
    ctx.params.get('continue'),
  );
  const body = page.items.map(({ item }) => render(item));
  return page.next === undefined ? json(body) : json(body, { 'ConfigHub-Continue': page.next });
}

/** An older server has no `SkippedUnits` on releases. */
function releaseJSON(ctx: RouteContext, release: Release, query: ListQuery): unknown {
  const envelope = ctx.render.release(release, query.include, query.select) as {
    Release: Record<string, unknown>;
  };
  if (ctx.olderServer) delete envelope.Release['SkippedUnits'];
  return envelope;
}

function unitRow(store: Store, unit: Unit): Row {
  return {
    attrs: store.unitAttrs(unit),
    related: (relation) => {
      if (relation === 'Space') {
        const space = store.spaces.get(unit.spaceId);
        return space === undefined ? undefined : store.spaceAttrs(space);
      }
      const target = store.targets.get(unit.targetId);
      return target === undefined ? undefined : store.targetAttrs(target);
    },
  };
}

function revisionRow(store: Store, unit: Unit, revision: Revision): Row {
  return {
    attrs: store.revisionAttrs(unit, revision),
    related: (relation) => {
      if (relation === 'Unit') return store.unitAttrs(unit);
      const space = store.spaces.get(unit.spaceId);
      return space === undefined ? undefined : store.spaceAttrs(space);
    },
  };
}

function spaceRelated(store: Store, spaceId: string): Row['related'] {
  return (relation) => {
    const space = store.spaces.get(spaceId);
    return relation === 'Space' && space !== undefined ? store.spaceAttrs(space) : undefined;
  };
}

/** Parses If-None-Match (quoted, unquoted, `W/`-prefixed, lists, `*`) against an entity tag. */
export function etagMatches(header: string | undefined, tag: string): boolean {
  if (header === undefined) return false;
  return header
    .split(',')
    .map((part) =>
      part
        .trim()
        .replace(/^W\//i, '')
        .replace(/^"(.*)"$/, '$1'),
    )
    .some((candidate) => candidate === '*' || candidate === tag);
}

function bytes(
  ctx: RouteContext,
  data: Buffer,
  tag: string,
  contentType = 'application/octet-stream',
): Reply {
  const headers = { ETag: `"${tag}"` };
  if (etagMatches(ctx.ifNoneMatch, tag))
    return { kind: 'bytes', status: 304, body: Buffer.alloc(0), headers };
  return { kind: 'bytes', status: 200, body: data, headers: { ...headers, 'Content-Type': contentType } };
}

const TAMPER = Buffer.from('# altered in transit\n');

function unitBytes(ctx: RouteContext, unit: Unit, data: Buffer): Buffer {
  return ctx.corruptData(unit.slug) ? Buffer.concat([data, TAMPER]) : data;
}

const handlers: Record<string, Handler> = {
  info: (ctx) =>
    json({
      Version: ctx.version,
      Build: 'emulator',
      AuthIssuer: ctx.serverUrl,
      OCIHost: 'oci.example.test',
      OCIPort: '443',
      ClientID: '',
      WorkerPort: '',
    }),

  me: (ctx) => {
    const { user } = ctx.principal();
    return json({
      UserID: user.id,
      OrganizationID: ctx.store.org.id,
      Username: user.username,
      Email: user.email,
      DisplayName: user.username,
      EntityType: 'OrganizationMember',
    });
  },

  spaces: (ctx) => {
    const principal = ctx.principal();
    const query = listQuery(ctx, SPACE);
    const visible = [...ctx.store.spaces.values()].filter((s) => canSee(principal, s));
    const rows = visible.map((item) => ({
      item,
      row: { attrs: ctx.store.spaceAttrs(item), related: () => undefined },
    }));
    return list(ctx, query, SPACE, rows, (s) => ctx.render.space(s, query.include, query.select));
  },

  space: (ctx, [sid]) => {
    const space = spaceParam(ctx, sid!);
    const query = listQuery(ctx, SPACE);
    return json(ctx.render.space(space, query.include, query.select));
  },

  units: (ctx, [sid]) => {
    const space = sid === undefined ? undefined : spaceParam(ctx, sid);
    const principal = ctx.principal();
    const query = listQuery(ctx, UNIT);
    const units = [...ctx.store.units.values()].filter((u) =>
      space === undefined ? canSee(principal, ctx.store.spaces.get(u.spaceId)!) : u.spaceId === space.id,
    );
    const rows = units.map((item) => ({ item, row: unitRow(ctx.store, item) }));
    return list(ctx, query, UNIT, rows, (u) => ctx.render.unit(u, query.include, query.select));
  },

  unit: (ctx, [sid, uid]) => {
    const space = spaceParam(ctx, sid!);
    const unit = unitParam(ctx, space, uid!);
    const query = listQuery(ctx, UNIT);
    return json(ctx.render.unit(unit, query.include, query.select));
  },

  unitData: (ctx, [sid, uid]) => {
    const space = spaceParam(ctx, sid!);
    const unit = unitParam(ctx, space, uid!);
    const head = Store.head(unit);
    return bytes(ctx, unitBytes(ctx, unit, head.data), head.hash);
  },

  bulkUnitData: (ctx) => {
    const principal = ctx.principal();
    const query = listQuery(ctx, UNIT_DATA, true);
    const units = [...ctx.store.units.values()].filter((u) =>
      canSee(principal, ctx.store.spaces.get(u.spaceId)!),
    );
    const rows = units.map((item) => ({ item, row: unitRow(ctx.store, item) }));
    return list(ctx, query, UNIT_DATA, rows, (u) =>
      ctx.render.unitData(u, unitBytes(ctx, u, Store.head(u).data)),
    );
  },

  revisions: (ctx, [sid, uid]) => {
    const space = spaceParam(ctx, sid!);
    const unit = unitParam(ctx, space, uid!);
    const query = listQuery(ctx, REVISION);
    const rows = unit.revisions.map((item) => ({ item, row: revisionRow(ctx.store, unit, item) }));
    return list(ctx, query, REVISION, rows, (r) => ctx.render.revision(unit, r, query.include, query.select));
  },

  bulkRevisionData: (ctx) => {
    const principal = ctx.principal();
    const query = listQuery(ctx, REVISION_DATA, true);
    const rows = [...ctx.store.units.values()]
      .filter((u) => canSee(principal, ctx.store.spaces.get(u.spaceId)!))
      .flatMap((unit) =>
        unit.revisions.map((revision) => ({
          item: { unit, revision },
          row: revisionRow(ctx.store, unit, revision),
        })),
      );
    return list(ctx, query, REVISION_DATA, rows, ({ unit, revision }) =>
      ctx.render.revisionData(unit, revision, unitBytes(ctx, unit, revision.data)),
    );
  },

  revision: (ctx, [sid, uid, rid]) => {
    const space = spaceParam(ctx, sid!);
    const unit = unitParam(ctx, space, uid!);
    const revision = revisionParam(unit, rid!);
    const query = listQuery(ctx, REVISION);
    return json(ctx.render.revision(unit, revision, query.include, query.select));
  },

  revisionData: (ctx, [sid, uid, rid]) => {
    const space = spaceParam(ctx, sid!);
    const unit = unitParam(ctx, space, uid!);
    const revision = revisionParam(unit, rid!);
    return bytes(ctx, unitBytes(ctx, unit, revision.data), revision.hash);
  },

  allTags: (ctx) => {
    const principal = ctx.principal();
    const query = listQuery(ctx, TAG);
    const rows = [...ctx.store.tags.values()]
      .filter((t) => canSee(principal, ctx.store.spaces.get(t.spaceId)!))
      .map((item) => ({
        item,
        row: { attrs: ctx.store.tagAttrs(item), related: spaceRelated(ctx.store, item.spaceId) },
      }));
    return list(ctx, query, TAG, rows, (t) => ctx.render.tag(t, query.include, query.select));
  },

  tags: (ctx, [sid]) => {
    const space = spaceParam(ctx, sid!);
    const query = listQuery(ctx, TAG);
    const rows = ctx.store.tagsOf(space.id).map((item) => ({
      item,
      row: { attrs: ctx.store.tagAttrs(item), related: spaceRelated(ctx.store, space.id) },
    }));
    return list(ctx, query, TAG, rows, (t) => ctx.render.tag(t, query.include, query.select));
  },

  tag: (ctx, [sid, tid]) => {
    const space = spaceParam(ctx, sid!);
    const tag = ctx.store.tags.get(uuidParam(tid!, 'tag_id'));
    if (tag === undefined || tag.spaceId !== space.id)
      throw notFound(`tag ${tid} not found in space ${space.id}`);
    const query = listQuery(ctx, TAG);
    return json(ctx.render.tag(tag, query.include, query.select));
  },

  targets: (ctx, [sid]) => {
    const space = spaceParam(ctx, sid!);
    const query = listQuery(ctx, TARGET);
    const targets = [...ctx.store.targets.values()].filter((t) => t.spaceId === space.id);
    const rows = targets.map((item) => ({
      item,
      row: { attrs: ctx.store.targetAttrs(item), related: spaceRelated(ctx.store, space.id) },
    }));
    return list(ctx, query, TARGET, rows, (t) => ({
      Target: toJSON(ctx.store.targetAttrs(t), query.select),
    }));
  },

  releases: (ctx, [sid]) => {
    const space = spaceParam(ctx, sid!);
    const descriptor = ctx.olderServer ? RELEASE_BEFORE_0_8_10 : RELEASE;
    const query = listQuery(ctx, descriptor);
    const rows = ctx.store.releasesOf(space.id).map((item) => ({
      item,
      row: {
        attrs: ctx.store.releaseAttrs(item),
        related: (relation: string): Attrs | undefined => {
          if (relation === 'Space') return ctx.store.spaceAttrs(space);
          const tag = ctx.store.tags.get(item.tagId);
          return tag === undefined ? undefined : ctx.store.tagAttrs(tag);
        },
      },
    }));
    return list(ctx, query, descriptor, rows, (r) => releaseJSON(ctx, r, query));
  },

  release: (ctx, [sid, rid]) => {
    const space = spaceParam(ctx, sid!);
    const release = ctx.store.releases.get(uuidParam(rid!, 'release_id'));
    if (release === undefined || release.spaceId !== space.id) throw notFound(`release ${rid} not found`);
    const query = listQuery(ctx, ctx.olderServer ? RELEASE_BEFORE_0_8_10 : RELEASE);
    return json(releaseJSON(ctx, release, query));
  },

  releaseData: (ctx, [sid, rid]) => {
    const space = spaceParam(ctx, sid!);
    const release = ctx.store.releases.get(uuidParam(rid!, 'release_id'));
    if (release === undefined || release.spaceId !== space.id) throw notFound(`release ${rid} not found`);
    // A withdrawn release keeps its metadata but its bundle is no longer served.
    if (!release.published) throw notFound(`release ${rid} is not published`);
    return bytes(ctx, release.bundle, release.digest);
  },
};

const SEG = '([^/]+)';
const SPACE_PREFIX = `/api/space/${SEG}`;

/** Route table: pathname pattern → handler name. `public` routes need no token. */
const ROUTES: { pattern: RegExp; handler: keyof typeof handlers; public?: true }[] = [
  { pattern: /^\/api\/info$/, handler: 'info', public: true },
  { pattern: /^\/api\/me$/, handler: 'me' },
  { pattern: /^\/api\/space$/, handler: 'spaces' },
  { pattern: /^\/api\/unit$/, handler: 'units' },
  { pattern: /^\/api\/unit_data$/, handler: 'bulkUnitData' },
  { pattern: /^\/api\/revision_data$/, handler: 'bulkRevisionData' },
  { pattern: /^\/api\/tag$/, handler: 'allTags' },
  { pattern: new RegExp(`^${SPACE_PREFIX}$`), handler: 'space' },
  { pattern: new RegExp(`^${SPACE_PREFIX}/unit$`), handler: 'units' },
  { pattern: new RegExp(`^${SPACE_PREFIX}/unit/${SEG}$`), handler: 'unit' },
  { pattern: new RegExp(`^${SPACE_PREFIX}/unit/${SEG}/data$`), handler: 'unitData' },
  { pattern: new RegExp(`^${SPACE_PREFIX}/unit/${SEG}/revision$`), handler: 'revisions' },
  { pattern: new RegExp(`^${SPACE_PREFIX}/unit/${SEG}/revision/${SEG}$`), handler: 'revision' },
  { pattern: new RegExp(`^${SPACE_PREFIX}/unit/${SEG}/revision/${SEG}/data$`), handler: 'revisionData' },
  { pattern: new RegExp(`^${SPACE_PREFIX}/tag$`), handler: 'tags' },
  { pattern: new RegExp(`^${SPACE_PREFIX}/tag/${SEG}$`), handler: 'tag' },
  { pattern: new RegExp(`^${SPACE_PREFIX}/target$`), handler: 'targets' },
  { pattern: new RegExp(`^${SPACE_PREFIX}/release$`), handler: 'releases' },
  { pattern: new RegExp(`^${SPACE_PREFIX}/release/${SEG}$`), handler: 'release' },
  { pattern: new RegExp(`^${SPACE_PREFIX}/release/${SEG}/data$`), handler: 'releaseData' },
];

export interface MatchedRoute {
  handle(ctx: RouteContext): Reply;
  isPublic: boolean;
}

/** Finds the API route for a pathname, or undefined (404). */
export function matchRoute(pathname: string): MatchedRoute | undefined {
  for (const route of ROUTES) {
    const match = route.pattern.exec(pathname);
    if (match === null) continue;
    const segments = match.slice(1).map((s) => {
      try {
        return decodeURIComponent(s);
      } catch {
        return s;
      }
    });
    const handler = handlers[route.handler]!;
    return { handle: (ctx) => handler(ctx, segments), isPublic: route.public === true };
  }
  return undefined;
}
