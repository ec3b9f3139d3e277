// Which artifact files garbage collection deletes (flux-contract §2.7), as a pure function:
// first every non-current file older than the TTL, then the oldest non-current files until at most
// `records` remain, the current one counting toward that number and never deleted.

export type RetainedFile = { name: string; mtimeMs: number };
export type RetentionPolicy = { ttlMs: number; records: number; nowMs: number };

export function selectForDeletion(
  files: readonly RetainedFile[],
  current: string | undefined,
  policy: RetentionPolicy,
): string[] {
  const deleted: string[] = [];
  const kept: RetainedFile[] = [];
  for (const file of files) {
    if (file.name !== current && policy.nowMs - file.mtimeMs > policy.ttlMs) deleted.push(file.name);
    else kept.push(file);
  }
  // Oldest first; the name breaks ties so the choice does not depend on directory order.
  const candidates = kept
    .filter((file) => file.name !== current)
    .sort((a, b) => a.mtimeMs - b.mtimeMs || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  let remaining = kept.length;
  for (const file of candidates) {
    if (remaining <= policy.records) break;
    deleted.push(file.name);
    remaining--;
  }
  return deleted.sort();
}
