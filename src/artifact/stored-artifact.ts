// What the storage hands back for a published artifact, and how it becomes a Flux Artifact.

/** The storage half of a Flux Artifact; the caller adds `revision` (and `metadata`). */
export type StoredArtifact = {
  path: string;
  url: string;
  digest: `sha256:${string}`;
  size: number;
  lastUpdateTime: string;
};

/** `created`: new file; `reused`: identical file already published; `repaired`: a corrupt file replaced. */
export type StoreOutcome = 'created' | 'reused' | 'repaired';
export type StoreResult = StoredArtifact & { outcome: StoreOutcome };
export type VerifyResult = 'ok' | 'missing' | 'mismatch';
export type ObjectDir = { namespace: string; name: string; path: string };

/** Kubernetes-style timestamp: RFC 3339, UTC, second precision. */
export function formatTime(date: Date): string {
  return `${date.toISOString().slice(0, 19)}Z`;
}

/** Copies exactly the Artifact fields, so bookkeeping fields such as `outcome` never reach a status. */
export function toArtifact(
  stored: StoredArtifact,
  revision: string,
  metadata?: Record<string, string>,
): StoredArtifact & { revision: string; metadata?: Record<string, string> } {
  const { path, url, digest, size, lastUpdateTime } = stored;
  return { path, url, revision, digest, lastUpdateTime, size, ...(metadata ? { metadata } : {}) };
}
