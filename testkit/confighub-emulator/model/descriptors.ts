// The attributes of each entity as the API exposes them: their types drive `where`, `select` and `order_by`.

/** `map` = string-keyed object (Labels), `set` = array of IDs (Tags). Times compare as RFC 3339 strings. */
export type FieldType = 'string' | 'uuid' | 'time' | 'int' | 'bool' | 'map' | 'set';

export type AttrValue = string | number | boolean | Record<string, string | boolean> | string[];
/** Every attribute of an entity, zero values included (the JSON form omits them). */
export type Attrs = Record<string, AttrValue>;

export type EntityKind =
  | 'Space'
  | 'Unit'
  | 'Revision'
  | 'Tag'
  | 'Release'
  | 'Target'
  | 'UnitData'
  | 'RevisionData';

export interface EntityDescriptor {
  kind: EntityKind;
  /** The entity's own ID attribute: the final tie-break of every ordering and the paging key. */
  idField: string;
  fields: Record<string, FieldType>;
  /** Returned whatever `select` says. */
  alwaysSelected: readonly string[];
  /** Related entities usable as a `where` prefix (`Space.Labels.env = 'prod'`). */
  relations: Partial<Record<string, EntityKind>>;
  /** Fields `select` may not name. */
  unselectable: readonly string[];
  defaultOrder: readonly string[];
  /** Attributes `where` refuses (400) though entities carry them: an older server's gaps. */
  whereRefused?: readonly string[];
}

const common = {
  OrganizationID: 'uuid',
  EntityType: 'string',
  Labels: 'map',
  Annotations: 'map',
  CreatedAt: 'time',
  UpdatedAt: 'time',
  Version: 'int',
} as const satisfies Record<string, FieldType>;

const NOT_SELECTABLE = ['Data', 'MutationSources'] as const;

export const SPACE: EntityDescriptor = {
  kind: 'Space',
  idField: 'SpaceID',
  fields: {
    ...common,
    SpaceID: 'uuid',
    Slug: 'string',
    DisplayName: 'string',
    ReleaseTargetID: 'uuid',
    ComponentID: 'uuid',
    UpstreamSpaceID: 'uuid',
    BackingUnitID: 'uuid',
    HiddenReason: 'string',
  },
  alwaysSelected: ['SpaceID', 'OrganizationID', 'Slug'],
  relations: {},
  unselectable: NOT_SELECTABLE,
  defaultOrder: ['Slug'],
};

export const TARGET: EntityDescriptor = {
  kind: 'Target',
  idField: 'TargetID',
  fields: { ...common, TargetID: 'uuid', Slug: 'string', DisplayName: 'string', SpaceID: 'uuid' },
  alwaysSelected: ['TargetID', 'SpaceID', 'OrganizationID', 'Slug'],
  relations: { Space: 'Space' },
  unselectable: NOT_SELECTABLE,
  defaultOrder: ['Slug'],
};

export const UNIT: EntityDescriptor = {
  kind: 'Unit',
  idField: 'UnitID',
  fields: {
    ...common,
    UnitID: 'uuid',
    Slug: 'string',
    DisplayName: 'string',
    SpaceID: 'uuid',
    SpaceSlug: 'string',
    ToolchainType: 'string',
    DataHash: 'string',
    DataSize: 'int',
    HeadRevisionNum: 'int',
    HeadRevisionID: 'uuid',
    HeadMutationNum: 'int',
    LastChangeDescription: 'string',
    TargetID: 'uuid',
    ProviderType: 'string',
    LastReleasedRevisionNum: 'int',
    UpstreamUnitID: 'uuid',
    UpstreamSpaceID: 'uuid',
    UpstreamRevisionNum: 'int',
    FromLinkID: 'uuid',
    ChangeSetID: 'uuid',
    ValidationErrors: 'map',
    ValidationWarnings: 'map',
    ApplyGates: 'map',
    HiddenReason: 'string',
  },
  alwaysSelected: ['UnitID', 'SpaceID', 'OrganizationID', 'Slug'],
  relations: { Space: 'Space', Target: 'Target' },
  unselectable: NOT_SELECTABLE,
  defaultOrder: ['Slug'],
};

/** `/api/unit_data` filters on the unit's attributes. */
export const UNIT_DATA: EntityDescriptor = { ...UNIT, kind: 'UnitData' };

export const REVISION: EntityDescriptor = {
  kind: 'Revision',
  idField: 'RevisionID',
  fields: {
    OrganizationID: 'uuid',
    EntityType: 'string',
    CreatedAt: 'time',
    UpdatedAt: 'time',
    Version: 'int',
    RevisionID: 'uuid',
    RevisionNum: 'int',
    UnitID: 'uuid',
    UnitSlug: 'string',
    SpaceID: 'uuid',
    SpaceSlug: 'string',
    DataHash: 'string',
    DataSize: 'int',
    Description: 'string',
    Source: 'string',
    UserID: 'uuid',
    UserAgent: 'string',
    Tags: 'set',
    Releases: 'set',
    ChangeSetID: 'uuid',
    ValidationErrors: 'map',
  },
  alwaysSelected: ['RevisionID', 'UnitID', 'SpaceID', 'OrganizationID'],
  relations: { Space: 'Space', Unit: 'Unit' },
  unselectable: NOT_SELECTABLE,
  defaultOrder: ['RevisionNum'],
};

/** `/api/revision_data` filters on the revision's attributes. */
export const REVISION_DATA: EntityDescriptor = { ...REVISION, kind: 'RevisionData' };

export const TAG: EntityDescriptor = {
  kind: 'Tag',
  idField: 'TagID',
  fields: {
    ...common,
    TagID: 'uuid',
    Slug: 'string',
    DisplayName: 'string',
    SpaceID: 'uuid',
    ReleaseID: 'uuid',
    ChangeSetID: 'uuid',
    ChangeOrderID: 'uuid',
  },
  alwaysSelected: ['TagID', 'SpaceID', 'OrganizationID', 'Slug'],
  relations: { Space: 'Space' },
  unselectable: NOT_SELECTABLE,
  defaultOrder: ['Slug'],
};

export const RELEASE: EntityDescriptor = {
  kind: 'Release',
  idField: 'ReleaseID',
  fields: {
    ...common,
    ReleaseID: 'uuid',
    ReleaseNum: 'int',
    SpaceID: 'uuid',
    SpaceSlug: 'string',
    TargetID: 'uuid',
    TagID: 'uuid',
    ChangeOrderID: 'uuid',
    Digest: 'string',
    ManifestDigest: 'string',
    DataSize: 'int',
    UnitCount: 'int',
    Published: 'bool',
    BundleBaseName: 'string',
    SkippedUnits: 'set',
    UserID: 'uuid',
  },
  alwaysSelected: ['ReleaseID', 'SpaceID', 'OrganizationID'],
  relations: { Space: 'Space', Tag: 'Tag' },
  unselectable: NOT_SELECTABLE,
  defaultOrder: ['ReleaseNum'],
};

/** Releases as servers before v0.8.10 filter them: `ReleaseNum` is not a `where` attribute there. */
export const RELEASE_BEFORE_0_8_10: EntityDescriptor = {
  ...RELEASE,
  fields: Object.fromEntries(Object.entries(RELEASE.fields).filter(([name]) => name !== 'SkippedUnits')),
  whereRefused: ['ReleaseNum'],
};

function isZero(value: AttrValue): boolean {
  if (value === '' || value === 0 || value === false) return true;
  if (Array.isArray(value)) return value.length === 0;
  if (typeof value === 'object') return Object.keys(value).length === 0;
  return false;
}

/** The wire form: zero values and empty maps/sets are omitted, as the real API does. */
export function toJSON(attrs: Attrs, fields?: ReadonlySet<string>): Record<string, AttrValue> {
  const out: Record<string, AttrValue> = {};
  for (const [key, value] of Object.entries(attrs)) {
    if (fields !== undefined && !fields.has(key)) continue;
    if (key === 'DataHash' || !isZero(value)) out[key] = value;
  }
  return out;
}
