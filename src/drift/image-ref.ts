// Container image references as kustomize's `images` transformer reads them: `name[:tag][@digest]`,
// where a `:` before the last `/` belongs to a registry port (`registry:5000/app`), not to a tag.

export interface ImageRef {
  /** Registry and repository, e.g. `ghcr.io/acme/web` or `registry:5000/app`. */
  name: string;
  tag?: string;
  /** Without the `@`, e.g. `sha256:…`. */
  digest?: string;
}

export function parseImageRef(reference: string): ImageRef {
  const at = reference.indexOf('@');
  const withoutDigest = at >= 0 ? reference.slice(0, at) : reference;
  const colon = withoutDigest.lastIndexOf(':');
  const hasTag = colon > withoutDigest.lastIndexOf('/');
  return {
    name: hasTag ? withoutDigest.slice(0, colon) : withoutDigest,
    ...(hasTag ? { tag: withoutDigest.slice(colon + 1) } : {}),
    ...(at >= 0 ? { digest: reference.slice(at + 1) } : {}),
  };
}

/** The reference written back: `name[:tag][@digest]`. */
export function formatImageRef(ref: ImageRef): string {
  return `${ref.name}${ref.tag !== undefined ? `:${ref.tag}` : ''}${ref.digest !== undefined ? `@${ref.digest}` : ''}`;
}
