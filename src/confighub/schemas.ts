// zod schemas for the parts of ConfigHub responses the client reads. Objects are loose: ConfigHub adds
// fields often and the client must not break on them. Only the fields used are declared.
//
// List bodies: `null` is read as an empty list (ConfigHub and proxies send it for "nothing"). A `null`
// *element* is rejected, never skipped: silently dropping an entry could drop a unit from the artifact,
// and Flux would then prune its objects from the cluster.
import { z } from 'zod';

const uuid = z
  .string()
  .regex(/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/, {
    message: 'must be a UUID',
  });
const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, { message: 'must be a lowercase hex SHA-256' });
const count = z.number().int().nonnegative();
/** A ConfigHub gate map (name → value); only the names are used, so values are not constrained. */
const gateMap = z.record(z.string(), z.unknown()).nullish();

/** SHA-256 of zero bytes: ConfigHub omits DataHash/DataSize for empty data. */
export const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

/** A list body: `null` → `[]`; elements must all match. */
export function listOf<T extends z.ZodType>(element: T) {
  return z
    .array(element)
    .nullable()
    .transform((items) => items ?? []);
}

export const spaceSchema = z.looseObject({
  SpaceID: uuid,
  Slug: z.string().min(1),
});
export const spaceEnvelopeSchema = z.looseObject({ Space: spaceSchema });
export const spaceListSchema = listOf(spaceEnvelopeSchema);

export const unitSchema = z.looseObject({
  UnitID: uuid,
  Slug: z.string().min(1),
  SpaceID: uuid.optional(),
  ToolchainType: z.string().optional(),
  DataHash: sha256Hex.optional(),
  DataSize: count.optional(),
  HeadRevisionNum: count.optional(),
  HeadRevisionID: uuid.optional(),
  Labels: z.record(z.string(), z.string()).nullish(),
  HiddenReason: z.string().optional(),
  /** Gate name → failed; ConfigHub refuses to release a unit with any. */
  ValidationErrors: gateMap,
  /** Open apply gates (set on write until the validation triggers ran); deprecated copy on newer servers. */
  ApplyGates: gateMap,
});
export const unitEnvelopeSchema = z.looseObject({ Unit: unitSchema });
export const unitListSchema = listOf(unitEnvelopeSchema);
export type ApiUnit = z.infer<typeof unitSchema>;

/** One record of `GET /api/unit_data`: the data is the document as a JSON string. */
export const unitDataSchema = z.looseObject({
  UnitID: uuid,
  Slug: z.string().optional(),
  Data: z.string().nullish(),
  DataHash: sha256Hex.optional(),
  DataSize: count.optional(),
});
export const unitDataListSchema = listOf(unitDataSchema);

export const tagSchema = z.looseObject({ TagID: uuid, Slug: z.string().min(1) });
export const tagListSchema = listOf(z.looseObject({ Tag: tagSchema }));

export const releaseSchema = z.looseObject({
  ReleaseID: uuid,
  ReleaseNum: z.number().int().positive(),
  TagID: uuid.optional(),
  Published: z.boolean().optional(),
  /** Digest of the release's OCI manifest: what Flux's OCIRepository records as `latest@sha256:…`. */
  ManifestDigest: z.string().optional(),
  /**
   * Units the release left out. The wire shape is not documented; unit IDs, `{UnitID, Slug}` records
   * and a map keyed by unit ID are all read.
   */
  SkippedUnits: z
    .union([
      z.array(z.union([uuid, z.looseObject({ UnitID: uuid, Slug: z.string().optional() })])),
      z.record(z.string(), z.unknown()),
    ])
    .nullish(),
});
export const releaseListSchema = listOf(z.looseObject({ Release: releaseSchema }));

export const revisionSchema = z.looseObject({
  RevisionID: uuid,
  RevisionNum: count,
  DataHash: sha256Hex.optional(),
  DataSize: count.optional(),
});
export const revisionListSchema = listOf(z.looseObject({ Revision: revisionSchema }));

/** `POST /auth/worker` success body. */
export const workerSessionSchema = z.looseObject({ access_token: z.string().min(1) });

/** JWT payload fields used to schedule renewal. */
export const jwtClaimsSchema = z.looseObject({
  exp: z.number().optional(),
  iat: z.number().optional(),
});

/** `{"Code": "404", "Message": "…"}`; both optional because proxies answer with anything. */
export const errorBodySchema = z.looseObject({
  Code: z.union([z.string(), z.number()]).optional(),
  Message: z.string().optional(),
});
