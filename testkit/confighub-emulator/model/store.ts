// In-memory ConfigHub organization: spaces, targets, units with revision history, tags and releases.
// Every mutation keeps the invariants of the real service (hashes, revision numbering, versions, release tags).
import type { Fixture } from '../fixture/schema.ts';
import { buildBundle } from './bundle.ts';
import type { Attrs } from './descriptors.ts';
import { newUUID, sha256Hex, stableUUID } from './ids.ts';

export interface Organization {
  id: string;
  slug: string;
  displayName: string;
}

export interface User {
  id: string;
  username: string;
  email: string;
}

export interface Space {
  id: string;
  slug: string;
  displayName: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  releaseTargetId: string;
  backingUnitId: string;
  createdAt: string;
  updatedAt: string;
  version: number;
}

export interface Target {
  id: string;
  slug: string;
  displayName: string;
  spaceId: string;
  labels: Record<string, string>;
  createdAt: string;
  updatedAt: string;
  version: number;
}

export interface Revision {
  id: string;
  num: number;
  unitId: string;
  data: Buffer;
  hash: string;
  description: string;
  source: string;
  userId: string;
  userAgent: string;
  tags: Set<string>;
  releases: Set<string>;
  createdAt: string;
  updatedAt: string;
  version: number;
}

export interface Unit {
  id: string;
  slug: string;
  displayName: string;
  spaceId: string;
  toolchainType: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  targetId: string;
  providerType: string;
  hiddenReason: string;
  validationErrors: Record<string, boolean>;
  /** Open apply gates: a write leaves one until the validation triggers ran. */
  applyGates: Record<string, boolean>;
  /** Ordered by RevisionNum; the last one is the head. */
  revisions: Revision[];
  lastReleasedRevisionNum: number;
  createdAt: string;
  updatedAt: string;
  version: number;
}

export interface Tag {
  id: string;
  slug: string;
  spaceId: string;
  releaseId: string;
  createdAt: string;
  updatedAt: string;
  version: number;
}

export interface Release {
  id: string;
  num: number;
  spaceId: string;
  targetId: string;
  tagId: string;
  bundle: Buffer;
  digest: string;
  manifestDigest: string;
  unitCount: number;
  /** Unit IDs the publish left out (`Release.SkippedUnits`). */
  skippedUnits: string[];
  published: boolean;
  userId: string;
  createdAt: string;
  updatedAt: string;
  version: number;
}

/** A store operation refused because the named thing does not exist or the request is invalid. */
export class StoreError extends Error {
  override readonly name = 'StoreError';
}

const FIXTURE_USER_AGENT = 'cub/v0.8.12';
const MINUTE = 60_000;

export class Store {
  readonly org: Organization;
  readonly users = new Map<string, User>();
  readonly spaces = new Map<string, Space>();
  readonly targets = new Map<string, Target>();
  readonly units = new Map<string, Unit>();
  readonly tags = new Map<string, Tag>();
  readonly releases = new Map<string, Release>();
  /** Author of writes made through the in-process API. */
  readonly defaultUserId: string;
  /** While loading a fixture the clock ticks a minute per write from the fixture's epoch, for stable output. */
  private fixtureClock: number | undefined;

  constructor(fixture: Fixture) {
    this.org = { ...fixture.organization };
    for (const user of fixture.users) this.users.set(user.id, { ...user });
    this.defaultUserId = fixture.users[0]!.id;
    this.fixtureClock = Date.parse(fixture.epoch);
    for (const space of fixture.spaces) this.loadSpace(space);
    this.fixtureClock = undefined;
  }

  private now(): string {
    if (this.fixtureClock === undefined) return new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
    const at = new Date(this.fixtureClock).toISOString().replace(/\.\d{3}Z$/, 'Z');
    this.fixtureClock += MINUTE;
    return at;
  }

  private loadSpace(input: Fixture['spaces'][number]): void {
    const at = this.now();
    const space: Space = {
      id: input.id,
      slug: input.slug,
      displayName: input.displayName ?? input.slug,
      labels: { ...input.labels },
      annotations: { ...input.annotations },
      releaseTargetId: '',
      backingUnitId: '',
      createdAt: at,
      updatedAt: at,
      version: 1,
    };
    this.spaces.set(space.id, space);
    for (const t of input.targets) {
      const targetAt = this.now();
      this.targets.set(t.id, {
        id: t.id,
        slug: t.slug,
        displayName: t.displayName ?? t.slug,
        spaceId: space.id,
        labels: { ...t.labels },
        createdAt: targetAt,
        updatedAt: targetAt,
        version: 1,
      });
    }
    const targetId = (slug: string | undefined): string =>
      slug === undefined
        ? ''
        : [...this.targets.values()].find((t) => t.spaceId === space.id && t.slug === slug)!.id;
    space.releaseTargetId = targetId(input.releaseTarget);
    for (const u of input.units) {
      const unit = this.insertUnit(space, {
        id: u.id,
        slug: u.slug,
        displayName: u.displayName ?? u.slug,
        toolchainType: u.toolchainType,
        labels: u.labels,
        annotations: u.annotations,
        targetId: targetId(u.target),
        providerType: u.providerType ?? '',
        hiddenReason: u.hiddenReason ?? '',
        validationErrors: u.validationErrors,
        applyGates: {},
        userAgent: FIXTURE_USER_AGENT,
      });
      for (const r of u.revisions)
        this.appendRevision(unit, Buffer.from(r.data, 'utf8'), r.description, 'UpdateUnit');
      if (input.backingUnit === u.slug) space.backingUnitId = unit.id;
    }
    for (const t of input.tags) {
      const tag = this.insertTag(space, t.slug, t.id);
      for (const [unitSlug, num] of Object.entries(t.revisions)) {
        this.revisionByNum(this.unitBySlug(space.id, unitSlug), num).tags.add(tag.id);
      }
    }
    for (const r of input.releases) {
      const pins = Object.entries(r.revisions).map(([unitSlug, num]) => {
        const unit = this.unitBySlug(space.id, unitSlug);
        return { unit, revision: this.revisionByNum(unit, num) };
      });
      this.insertRelease(space, pins, { id: r.id, tagId: r.tagId, published: r.published });
    }
  }

  // ---- lookups -------------------------------------------------------------------------------------------

  findSpace(slugOrId: string): Space | undefined {
    return this.spaces.get(slugOrId) ?? [...this.spaces.values()].find((s) => s.slug === slugOrId);
  }

  space(slugOrId: string): Space {
    const space = this.findSpace(slugOrId);
    if (space === undefined) throw new StoreError(`no space '${slugOrId}'`);
    return space;
  }

  unitsOf(spaceId: string): Unit[] {
    return [...this.units.values()].filter((u) => u.spaceId === spaceId);
  }

  findUnitBySlug(spaceId: string, slug: string): Unit | undefined {
    return this.unitsOf(spaceId).find((u) => u.slug === slug);
  }

  unitBySlug(spaceId: string, slug: string): Unit {
    const unit = this.findUnitBySlug(spaceId, slug);
    if (unit === undefined)
      throw new StoreError(`no unit '${slug}' in space ${this.spaces.get(spaceId)?.slug}`);
    return unit;
  }

  revisionByNum(unit: Unit, num: number): Revision {
    const revision = unit.revisions.find((r) => r.num === num);
    if (revision === undefined) throw new StoreError(`unit '${unit.slug}' has no revision ${num}`);
    return revision;
  }

  tagsOf(spaceId: string): Tag[] {
    return [...this.tags.values()].filter((t) => t.spaceId === spaceId);
  }

  releasesOf(spaceId: string): Release[] {
    return [...this.releases.values()].filter((r) => r.spaceId === spaceId);
  }

  static head(unit: Unit): Revision {
    return unit.revisions[unit.revisions.length - 1]!;
  }

  // ---- mutations -----------------------------------------------------------------------------------------

  private insertUnit(
    space: Space,
    init: Omit<
      Unit,
      'revisions' | 'lastReleasedRevisionNum' | 'createdAt' | 'updatedAt' | 'version' | 'spaceId'
    > & {
      userAgent: string;
    },
  ): Unit {
    if (this.findUnitBySlug(space.id, init.slug) !== undefined) {
      throw new StoreError(`unit '${init.slug}' already exists in space ${space.slug}`);
    }
    const at = this.now();
    const { userAgent, ...fields } = init;
    const unit: Unit = {
      ...fields,
      labels: { ...init.labels },
      annotations: { ...init.annotations },
      validationErrors: { ...init.validationErrors },
      applyGates: { ...init.applyGates },
      spaceId: space.id,
      revisions: [],
      lastReleasedRevisionNum: 0,
      createdAt: at,
      updatedAt: at,
      version: 1,
    };
    // Real ConfigHub creates units with an empty revision 1; content arrives in revision 2.
    unit.revisions.push(this.newRevision(unit, 1, Buffer.alloc(0), '', 'CreateUnit', at, userAgent));
    this.units.set(unit.id, unit);
    return unit;
  }

  private newRevision(
    unit: Unit,
    num: number,
    data: Buffer,
    description: string,
    source: string,
    at: string,
    userAgent: string,
  ): Revision {
    return {
      id: this.fixtureClock === undefined ? newUUID() : stableUUID(`revision/${unit.id}/${num}`),
      num,
      unitId: unit.id,
      data,
      hash: sha256Hex(data),
      description,
      source,
      userId: this.defaultUserId,
      userAgent,
      tags: new Set(),
      releases: new Set(),
      createdAt: at,
      updatedAt: at,
      version: 1,
    };
  }

  private appendRevision(unit: Unit, data: Buffer, description: string, source: string): Revision {
    const at = this.now();
    const revision = this.newRevision(
      unit,
      Store.head(unit).num + 1,
      data,
      description,
      source,
      at,
      this.fixtureClock === undefined ? 'confighub-emulator' : FIXTURE_USER_AGENT,
    );
    unit.revisions.push(revision);
    unit.updatedAt = at;
    unit.version += 1;
    return revision;
  }

  private insertTag(space: Space, slug: string, id: string): Tag {
    if (this.tagsOf(space.id).some((t) => t.slug === slug)) {
      throw new StoreError(`tag '${slug}' already exists in space ${space.slug}`);
    }
    const at = this.now();
    const tag: Tag = { id, slug, spaceId: space.id, releaseId: '', createdAt: at, updatedAt: at, version: 1 };
    this.tags.set(id, tag);
    return tag;
  }

  private insertRelease(
    space: Space,
    pins: { unit: Unit; revision: Revision }[],
    init: { id: string; tagId: string; published: boolean; skippedUnits?: string[] },
  ): Release {
    const num = Math.max(0, ...this.releasesOf(space.id).map((r) => r.num)) + 1;
    const tag = this.insertTag(space, `release-${num}`, init.tagId);
    const bundle = buildBundle(pins.map((p) => ({ name: `${p.unit.slug}.yaml`, data: p.revision.data })));
    const digest = `sha256:${sha256Hex(bundle)}`;
    const at = this.now();
    const release: Release = {
      id: init.id,
      num,
      spaceId: space.id,
      targetId: space.releaseTargetId,
      tagId: tag.id,
      bundle,
      digest,
      // The OCI manifest is not modelled; its digest is derived from the layer digest so it is stable.
      manifestDigest: `sha256:${sha256Hex(`manifest/${digest}`)}`,
      unitCount: pins.length,
      skippedUnits: init.skippedUnits ?? [],
      published: init.published,
      userId: this.defaultUserId,
      createdAt: at,
      updatedAt: at,
      version: 1,
    };
    this.releases.set(release.id, release);
    tag.releaseId = release.id;
    for (const { unit, revision } of pins) {
      revision.tags.add(tag.id);
      revision.releases.add(release.id);
      revision.version += 1;
      if (init.published && revision.num > unit.lastReleasedRevisionNum) {
        unit.lastReleasedRevisionNum = revision.num;
        unit.version += 1;
      }
    }
    return release;
  }

  createUnit(
    spaceSlug: string,
    input: {
      slug: string;
      data: string | Uint8Array;
      labels?: Record<string, string>;
      toolchainType?: string;
    },
  ): Unit {
    const space = this.space(spaceSlug);
    if (!/^[a-z0-9][a-z0-9-]*$/.test(input.slug)) throw new StoreError(`invalid unit slug '${input.slug}'`);
    const unit = this.insertUnit(space, {
      id: newUUID(),
      slug: input.slug,
      displayName: input.slug,
      toolchainType: input.toolchainType ?? 'Kubernetes/YAML',
      labels: input.labels ?? {},
      annotations: {},
      targetId: space.releaseTargetId,
      providerType: '',
      hiddenReason: '',
      validationErrors: {},
      applyGates: {},
      userAgent: 'confighub-emulator',
    });
    const data = Buffer.from(input.data);
    if (data.byteLength > 0) this.appendRevision(unit, data, 'created', 'UpdateUnit');
    return unit;
  }

  setUnitData(spaceSlug: string, unitSlug: string, data: string | Uint8Array, description = ''): Unit {
    const unit = this.unitBySlug(this.space(spaceSlug).id, unitSlug);
    this.appendRevision(unit, Buffer.from(data), description, 'UpdateUnit');
    return unit;
  }

  setUnitLabels(spaceSlug: string, unitSlug: string, labels: Record<string, string>): Unit {
    const unit = this.unitBySlug(this.space(spaceSlug).id, unitSlug);
    unit.labels = { ...labels };
    this.touch(unit);
    return unit;
  }

  setUnitValidationErrors(spaceSlug: string, unitSlug: string, errors: Record<string, boolean>): Unit {
    const unit = this.unitBySlug(this.space(spaceSlug).id, unitSlug);
    unit.validationErrors = { ...errors };
    this.touch(unit);
    return unit;
  }

  setUnitApplyGates(spaceSlug: string, unitSlug: string, gates: Record<string, boolean>): Unit {
    const unit = this.unitBySlug(this.space(spaceSlug).id, unitSlug);
    unit.applyGates = { ...gates };
    this.touch(unit);
    return unit;
  }

  private touch(unit: Unit): void {
    unit.updatedAt = this.now();
    unit.version += 1;
  }

  deleteUnit(spaceSlug: string, unitSlug: string): void {
    const space = this.space(spaceSlug);
    const unit = this.unitBySlug(space.id, unitSlug);
    this.units.delete(unit.id);
    if (space.backingUnitId === unit.id) space.backingUnitId = '';
  }

  tagUnits(spaceSlug: string, tagSlug: string, unitSlugs?: string[]): Tag {
    const space = this.space(spaceSlug);
    const tag =
      this.tagsOf(space.id).find((t) => t.slug === tagSlug) ?? this.insertTag(space, tagSlug, newUUID());
    if (tag.releaseId !== '') throw new StoreError(`tag '${tagSlug}' belongs to a release and cannot move`);
    const units = unitSlugs?.map((slug) => this.unitBySlug(space.id, slug)) ?? this.unitsOf(space.id);
    for (const unit of units) {
      for (const revision of unit.revisions) {
        if (revision.tags.delete(tag.id)) revision.version += 1;
      }
      const head = Store.head(unit);
      head.tags.add(tag.id);
      head.version += 1;
    }
    tag.updatedAt = this.now();
    tag.version += 1;
    return tag;
  }

  /**
   * Bundles the head of every unit targeted at the space's release target (every visible unit when
   * unset), except the `skip`ped ones, which the release lists in `SkippedUnits`.
   */
  publishRelease(spaceSlug: string, options: { skip?: string[] } = {}): Release {
    const space = this.space(spaceSlug);
    const skip = new Set(options.skip ?? []);
    const candidates = this.unitsOf(space.id).filter((u) =>
      space.releaseTargetId === ''
        ? u.hiddenReason === '' && u.providerType !== 'None'
        : u.targetId === space.releaseTargetId,
    );
    const skipped = candidates.filter((u) => skip.has(u.slug));
    const units = candidates.filter((u) => !skip.has(u.slug));
    if (units.length === 0) throw new StoreError(`space ${space.slug} has no units to release`);
    const gated = units.filter(
      (u) => Object.keys(u.validationErrors).length > 0 || Object.keys(u.applyGates).length > 0,
    );
    if (gated.length > 0) {
      throw new StoreError(
        `cannot publish: units with validation errors or apply gates: ${gated.map((u) => u.slug).join(', ')}`,
      );
    }
    return this.insertRelease(
      space,
      units.map((unit) => ({ unit, revision: Store.head(unit) })),
      { id: newUUID(), tagId: newUUID(), published: true, skippedUnits: skipped.map((u) => u.id).sort() },
    );
  }

  withdrawRelease(spaceSlug: string, releaseNum: number): void {
    const space = this.space(spaceSlug);
    const release = this.releasesOf(space.id).find((r) => r.num === releaseNum);
    if (release === undefined) throw new StoreError(`space ${space.slug} has no release ${releaseNum}`);
    release.published = false;
    release.updatedAt = this.now();
    release.version += 1;
  }

  // ---- attribute records (wire form before zero-omission) ------------------------------------------------

  spaceAttrs(space: Space): Attrs {
    return {
      SpaceID: space.id,
      Slug: space.slug,
      DisplayName: space.displayName,
      OrganizationID: this.org.id,
      Labels: space.labels,
      Annotations: space.annotations,
      ReleaseTargetID: space.releaseTargetId,
      ComponentID: '',
      UpstreamSpaceID: '',
      BackingUnitID: space.backingUnitId,
      HiddenReason: '',
      EntityType: 'Space',
      CreatedAt: space.createdAt,
      UpdatedAt: space.updatedAt,
      Version: space.version,
    };
  }

  /** Counters the real API puts next to `Space` in an ExtendedSpace. */
  spaceCounters(space: Space): Record<string, number> {
    const units = this.unitsOf(space.id).filter((u) => u.hiddenReason === '');
    return {
      TotalUnitCount: units.length,
      UnreleasedUnitCount: units.filter((u) => Store.head(u).num > u.lastReleasedRevisionNum).length,
      GatedUnitCount: units.filter((u) => Object.keys(u.validationErrors).length > 0).length,
      TotalReleaseCount: this.releasesOf(space.id).length,
    };
  }

  targetAttrs(target: Target): Attrs {
    return {
      TargetID: target.id,
      Slug: target.slug,
      DisplayName: target.displayName,
      SpaceID: target.spaceId,
      OrganizationID: this.org.id,
      Labels: target.labels,
      Annotations: {},
      EntityType: 'Target',
      CreatedAt: target.createdAt,
      UpdatedAt: target.updatedAt,
      Version: target.version,
    };
  }

  unitAttrs(unit: Unit): Attrs {
    const head = Store.head(unit);
    return {
      UnitID: unit.id,
      Slug: unit.slug,
      DisplayName: unit.displayName,
      SpaceID: unit.spaceId,
      SpaceSlug: this.spaces.get(unit.spaceId)?.slug ?? '',
      OrganizationID: this.org.id,
      ToolchainType: unit.toolchainType,
      Labels: unit.labels,
      Annotations: unit.annotations,
      TargetID: unit.targetId,
      ProviderType: unit.providerType,
      DataHash: head.hash,
      DataSize: head.data.byteLength,
      HeadRevisionNum: head.num,
      HeadRevisionID: head.id,
      HeadMutationNum: head.num,
      LastChangeDescription: head.description,
      LastReleasedRevisionNum: unit.lastReleasedRevisionNum,
      UpstreamUnitID: '',
      UpstreamSpaceID: '',
      UpstreamRevisionNum: 0,
      FromLinkID: '',
      ChangeSetID: '',
      ValidationErrors: unit.validationErrors,
      ValidationWarnings: {},
      ApplyGates: unit.applyGates,
      HiddenReason: unit.hiddenReason,
      EntityType: 'Unit',
      CreatedAt: unit.createdAt,
      UpdatedAt: unit.updatedAt,
      Version: unit.version,
    };
  }

  revisionAttrs(unit: Unit, revision: Revision): Attrs {
    return {
      RevisionID: revision.id,
      RevisionNum: revision.num,
      UnitID: unit.id,
      UnitSlug: unit.slug,
      SpaceID: unit.spaceId,
      SpaceSlug: this.spaces.get(unit.spaceId)?.slug ?? '',
      OrganizationID: this.org.id,
      DataHash: revision.hash,
      DataSize: revision.data.byteLength,
      Description: revision.description,
      Source: revision.source,
      UserID: revision.userId,
      UserAgent: revision.userAgent,
      // On the wire a revision's Tags map each tag ID to its label (the tag's slug).
      Tags: Object.fromEntries([...revision.tags].sort().map((id) => [id, this.tags.get(id)?.slug ?? ''])),
      Releases: [...revision.releases].sort(),
      ChangeSetID: '',
      ValidationErrors: {},
      EntityType: 'Revision',
      CreatedAt: revision.createdAt,
      UpdatedAt: revision.updatedAt,
      Version: revision.version,
    };
  }

  tagAttrs(tag: Tag): Attrs {
    return {
      TagID: tag.id,
      Slug: tag.slug,
      DisplayName: tag.slug,
      SpaceID: tag.spaceId,
      OrganizationID: this.org.id,
      ReleaseID: tag.releaseId,
      ChangeSetID: '',
      ChangeOrderID: '',
      Labels: {},
      Annotations: {},
      EntityType: 'Tag',
      CreatedAt: tag.createdAt,
      UpdatedAt: tag.updatedAt,
      Version: tag.version,
    };
  }

  releaseAttrs(release: Release): Attrs {
    const space = this.spaces.get(release.spaceId);
    return {
      ReleaseID: release.id,
      ReleaseNum: release.num,
      SpaceID: release.spaceId,
      SpaceSlug: space?.slug ?? '',
      OrganizationID: this.org.id,
      TargetID: release.targetId,
      TagID: release.tagId,
      ChangeOrderID: '',
      Digest: release.digest,
      ManifestDigest: release.manifestDigest,
      DataSize: release.bundle.byteLength,
      UnitCount: release.unitCount,
      Published: release.published,
      BundleBaseName: space?.slug ?? '',
      SkippedUnits: release.skippedUnits,
      UserID: release.userId,
      Labels: {},
      Annotations: {},
      EntityType: 'Release',
      CreatedAt: release.createdAt,
      UpdatedAt: release.updatedAt,
      Version: release.version,
    };
  }
}
