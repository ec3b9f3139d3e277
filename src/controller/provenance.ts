// Where an artifact comes from, in the annotation keys Flux reads from `artifact.metadata`:
// kustomize-controller sends `org.opencontainers.image.revision` as the origin revision of its events and
// `flux trace` prints both OCI keys. Kept out of the tarball, so its bytes (and digest) stay stable.
import { normalizeServer, type SpaceListing } from '../confighub/index.ts';

export const OCI_SOURCE = 'org.opencontainers.image.source';
export const OCI_REVISION = 'org.opencontainers.image.revision';
export const CONFIGHUB_REF = 'source.confighub.com/ref';
export const CONFIGHUB_SPACE = 'source.confighub.com/space';

/**
 * The space's address in ConfigHub's API, the ref, and a ConfigHub revision identifier: the listing
 * fingerprint (over every published unit's ID, slug, revision number and DataHash), so it changes when
 * any unit's revision changes, and only then.
 */
export function provenance(server: string, listing: SpaceListing): Record<string, string> {
  return {
    [OCI_SOURCE]: `${normalizeServer(server)}/api/space/${listing.spaceID}`,
    [OCI_REVISION]: `${listing.refId}@sha256:${listing.fingerprint}`,
    [CONFIGHUB_REF]: listing.refId,
    [CONFIGHUB_SPACE]: listing.spaceSlug,
  };
}
