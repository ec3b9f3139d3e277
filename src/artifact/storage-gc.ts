// Garbage collection of one object directory: old artifacts past retention, and temp files left by
// interrupted writes.
import type { Dirent } from 'node:fs';
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { errnoCode, StorageError } from './errors.ts';
import { selectForDeletion } from './retention.ts';
import { statFile } from './storage-fs.ts';
import { LOCK_SUFFIX, TEMP_SUFFIX } from './storage-paths.ts';

/** Entries looked at per object directory in one GC pass, as Flux caps its walk. */
export const GC_WALK_LIMIT = 1000;

export interface GcPolicy {
  retentionTtlMs: number;
  retentionRecords: number;
  now: () => Date;
}

export interface GcResult {
  deleted: string[];
  /**
   * Until when (ms since the epoch) another pass would delete nothing, as long as no file is added:
   * the first moment a file kept now passes the TTL (`Infinity` when none can).
   */
  quietUntilMs: number;
}

/**
 * Deletes from `absoluteDir` (the object directory `dir`) the artifacts retention selects, `current`
 * never among them, and temp files older than the TTL, each with its `.lock` file; `changed` hears of
 * every deleted relative path. The caller holds the directory's lock.
 */
export async function collectGarbage(
  absoluteDir: string,
  dir: string,
  current: string | undefined,
  policy: GcPolicy,
  changed: (relativePath: string) => void,
): Promise<GcResult> {
  let entries: Dirent[];
  try {
    entries = await readdir(absoluteDir, { withFileTypes: true });
  } catch (cause) {
    if (errnoCode(cause) === 'ENOENT') return { deleted: [], quietUntilMs: Number.POSITIVE_INFINITY };
    throw new StorageError('StatOperationFailed', `cannot list ${dir}: ${errnoCode(cause)}`, { cause });
  }
  const nowMs = policy.now().getTime();
  const artifacts: { name: string; mtimeMs: number }[] = [];
  const staleTemps: string[] = [];
  // A directory longer than one walk is never quiet: the next pass sees other entries.
  let quietUntilMs = entries.length > GC_WALK_LIMIT ? nowMs : Number.POSITIVE_INFINITY;
  for (const entry of entries.slice(0, GC_WALK_LIMIT)) {
    if (!entry.isFile() || entry.name.endsWith(LOCK_SUFFIX)) continue;
    const info = await statFile(join(absoluteDir, entry.name), `${dir}/${entry.name}`);
    if (entry.name.startsWith('.')) {
      // Hidden files are ours (temp files of interrupted writes) and never artifacts.
      if (!entry.name.endsWith(TEMP_SUFFIX)) continue;
      if (nowMs - info.mtimeMs > policy.retentionTtlMs) staleTemps.push(entry.name);
      else quietUntilMs = Math.min(quietUntilMs, info.mtimeMs + policy.retentionTtlMs);
      continue;
    }
    if (entry.name !== current) {
      quietUntilMs = Math.min(quietUntilMs, info.mtimeMs + policy.retentionTtlMs);
    }
    artifacts.push({ name: entry.name, mtimeMs: info.mtimeMs });
  }
  const doomed = selectForDeletion(artifacts, current, {
    ttlMs: policy.retentionTtlMs,
    records: policy.retentionRecords,
    nowMs,
  });
  const deleted: string[] = [];
  for (const file of [...doomed, ...staleTemps]) {
    try {
      await rm(join(absoluteDir, file), { force: true });
      await rm(join(absoluteDir, file + LOCK_SUFFIX), { force: true });
    } catch (cause) {
      throw new StorageError('ArchiveOperationFailed', `cannot delete ${dir}/${file}: ${errnoCode(cause)}`, {
        cause,
      });
    }
    deleted.push(`${dir}/${file}`);
    changed(`${dir}/${file}`);
  }
  return { deleted, quietUntilMs };
}
