// Digests and revisions in the exact shapes Flux consumers parse (flux-contract §2.2, §2.3):
// `sha256:<64 lowercase hex>` and `<ref>@sha256:<hex>` with exactly one `:`.
import { sha256Hex } from '../util/hash.ts';
import { DigestError } from './errors.ts';

export const DIGEST_PATTERN = /^sha256:([a-f0-9]{64})$/;
export const REVISION_PATTERN = /^[^@:]+@sha256:[a-f0-9]{64}$/;
/** What a revision's ref part may contain: printable ASCII without `@`, `:` or spaces. */
const REF_ID_PATTERN = /^[!-9;-?A-~]+$/;
const MAX_REF_ID_LENGTH = 128;

export type ParsedDigest = { algorithm: 'sha256'; hex: string };

export function sha256Digest(bytes: Uint8Array): `sha256:${string}` {
  return `sha256:${sha256Hex(bytes)}`;
}

export function isDigest(value: string): boolean {
  return DIGEST_PATTERN.test(value);
}

/** Parses a digest we publish or verify; only sha256 in lowercase hex of exact length is accepted. */
export function parseDigest(value: string): ParsedDigest {
  const match = DIGEST_PATTERN.exec(value);
  if (!match) throw new DigestError(value, 'is not a digest of the form sha256:<64 lowercase hex digits>');
  return { algorithm: 'sha256', hex: match[1]! };
}

/**
 * `<refId>@sha256:<hex>`, e.g. `head@sha256:3b6c…`. The ref must be non-empty printable ASCII without
 * `@` or `:` so that helm-controller, which splits the revision on `:`, finds exactly one.
 */
export function makeRevision(refId: string, digest: string): string {
  if (refId.length === 0) throw new DigestError(refId, 'cannot be used as a revision ref: it is empty');
  if (refId.length > MAX_REF_ID_LENGTH) {
    throw new DigestError(refId, `cannot be used as a revision ref: longer than ${MAX_REF_ID_LENGTH}`);
  }
  if (!REF_ID_PATTERN.test(refId)) {
    throw new DigestError(
      refId,
      'cannot be used as a revision ref: only printable ASCII without "@", ":" or spaces is allowed',
    );
  }
  parseDigest(digest);
  const revision = `${refId}@${digest}`;
  if (!REVISION_PATTERN.test(revision)) throw new DigestError(revision, 'is not a valid revision');
  return revision;
}
