// Envelopes ("Extended" entities) as the list and get endpoints return them, with `include` expansions.
import type { Attrs } from '../model/descriptors.ts';
import { toJSON } from '../model/descriptors.ts';
import { type Release, type Revision, type Space, Store, type Tag, type Unit } from '../model/store.ts';

type Json = Record<string, unknown>;

/** `include` values this emulator expands; other values are accepted and ignored, as for unmodelled relations. */
export const INCLUDES = {
  Space: ['ReleaseTargetID', 'OrganizationID'],
  Unit: ['SpaceID', 'TargetID', 'HeadRevisionNum', 'LastReleasedRevisionNum', 'OrganizationID'],
  Revision: ['UnitID', 'SpaceID', 'UserID', 'Tags', 'Releases'],
  Tag: ['SpaceID', 'ReleaseID'],
  Release: ['SpaceID', 'TagID', 'TargetID', 'OrganizationID'],
} as const;

export class Renderer {
  private readonly store: Store;

  constructor(store: Store) {
    this.store = store;
  }

  organization(): Json {
    const org = this.store.org;
    return {
      OrganizationID: org.id,
      Slug: org.slug,
      DisplayName: org.displayName,
      EntityType: 'Organization',
    };
  }

  private spaceJSON(spaceId: string): Json | undefined {
    const space = this.store.spaces.get(spaceId);
    return space === undefined ? undefined : toJSON(this.store.spaceAttrs(space));
  }

  private targetJSON(targetId: string): Json | undefined {
    const target = this.store.targets.get(targetId);
    return target === undefined ? undefined : toJSON(this.store.targetAttrs(target));
  }

  private put(envelope: Json, key: string, value: unknown): void {
    if (value !== undefined) envelope[key] = value;
  }

  space(space: Space, include: ReadonlySet<string>, select?: ReadonlySet<string>): Json {
    const envelope: Json = { Space: toJSON(this.store.spaceAttrs(space), select) };
    for (const [key, count] of Object.entries(this.store.spaceCounters(space))) {
      if (count !== 0) envelope[key] = count;
    }
    if (include.has('ReleaseTargetID'))
      this.put(envelope, 'ReleaseTarget', this.targetJSON(space.releaseTargetId));
    if (include.has('OrganizationID')) envelope['Organization'] = this.organization();
    return envelope;
  }

  unit(unit: Unit, include: ReadonlySet<string>, select?: ReadonlySet<string>): Json {
    const envelope: Json = { Unit: toJSON(this.store.unitAttrs(unit), select) };
    if (include.has('SpaceID')) this.put(envelope, 'Space', this.spaceJSON(unit.spaceId));
    if (include.has('TargetID')) this.put(envelope, 'Target', this.targetJSON(unit.targetId));
    if (include.has('HeadRevisionNum')) {
      envelope['HeadRevision'] = toJSON(this.store.revisionAttrs(unit, Store.head(unit)));
    }
    if (include.has('LastReleasedRevisionNum') && unit.lastReleasedRevisionNum > 0) {
      const revision = unit.revisions.find((r) => r.num === unit.lastReleasedRevisionNum);
      if (revision !== undefined)
        envelope['LastReleasedRevision'] = toJSON(this.store.revisionAttrs(unit, revision));
    }
    if (include.has('OrganizationID')) envelope['Organization'] = this.organization();
    return envelope;
  }

  revision(unit: Unit, revision: Revision, include: ReadonlySet<string>, select?: ReadonlySet<string>): Json {
    const envelope: Json = { Revision: toJSON(this.store.revisionAttrs(unit, revision), select) };
    if (include.has('UnitID')) envelope['Unit'] = toJSON(this.store.unitAttrs(unit));
    if (include.has('SpaceID')) this.put(envelope, 'Space', this.spaceJSON(unit.spaceId));
    if (include.has('UserID')) {
      const user = this.store.users.get(revision.userId);
      if (user !== undefined) {
        envelope['User'] = {
          UserID: user.id,
          Username: user.username,
          Email: user.email,
          EntityType: 'User',
        };
      }
    }
    if (include.has('Tags')) {
      envelope['Tags'] = [...revision.tags]
        .map((id) => this.store.tags.get(id))
        .filter((t): t is Tag => t !== undefined)
        .map((t) => toJSON(this.store.tagAttrs(t)));
    }
    if (include.has('Releases')) {
      envelope['Releases'] = [...revision.releases]
        .map((id) => this.store.releases.get(id))
        .filter((r): r is Release => r !== undefined)
        .map((r) => toJSON(this.store.releaseAttrs(r)));
    }
    return envelope;
  }

  tag(tag: Tag, include: ReadonlySet<string>, select?: ReadonlySet<string>): Json {
    const envelope: Json = { Tag: toJSON(this.store.tagAttrs(tag), select) };
    if (include.has('SpaceID')) this.put(envelope, 'Space', this.spaceJSON(tag.spaceId));
    if (include.has('ReleaseID') && tag.releaseId !== '') {
      const release = this.store.releases.get(tag.releaseId);
      if (release !== undefined) envelope['Release'] = toJSON(this.store.releaseAttrs(release));
    }
    return envelope;
  }

  release(release: Release, include: ReadonlySet<string>, select?: ReadonlySet<string>): Json {
    const envelope: Json = { Release: toJSON(this.store.releaseAttrs(release), select) };
    if (include.has('SpaceID')) this.put(envelope, 'Space', this.spaceJSON(release.spaceId));
    if (include.has('TagID')) {
      const tag = this.store.tags.get(release.tagId);
      if (tag !== undefined) envelope['Tag'] = toJSON(this.store.tagAttrs(tag));
    }
    if (include.has('TargetID')) this.put(envelope, 'Target', this.targetJSON(release.targetId));
    if (include.has('OrganizationID')) envelope['Organization'] = this.organization();
    return envelope;
  }

  /** Flat record of `/api/unit_data`: `Data` is the document as a plain string. */
  unitData(unit: Unit, data: Buffer): Json {
    const attrs: Attrs = this.store.unitAttrs(unit);
    const record: Json = {
      UnitID: attrs['UnitID'],
      Slug: attrs['Slug'],
      SpaceID: attrs['SpaceID'],
      SpaceSlug: attrs['SpaceSlug'],
      Data: data.toString('utf8'),
      DataHash: attrs['DataHash'],
    };
    if (attrs['DataSize'] !== 0) record['DataSize'] = attrs['DataSize'];
    return record;
  }

  /** Flat record of `/api/revision_data`. */
  revisionData(unit: Unit, revision: Revision, data: Buffer): Json {
    const record: Json = {
      RevisionID: revision.id,
      RevisionNum: revision.num,
      UnitID: unit.id,
      SpaceID: unit.spaceId,
      Data: data.toString('utf8'),
      DataHash: revision.hash,
    };
    if (revision.data.byteLength !== 0) record['DataSize'] = revision.data.byteLength;
    return record;
  }
}
