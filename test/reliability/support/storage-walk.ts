// Every file under a storage root, as paths relative to it (symlinks reported, never followed).
import { lstat, readdir } from 'node:fs/promises';
import { join, relative } from 'node:path';

export async function walk(root: string): Promise<string[]> {
  const out: string[] = [];
  const visit = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) await visit(path);
      else out.push(relative(root, path) + ((await lstat(path)).isSymbolicLink() ? ' -> symlink' : ''));
    }
  };
  await visit(root);
  return out.sort();
}

/** What a healthy storage root may hold: content-addressed artifacts in per-object directories. */
export const ARTIFACT_FILE = /^confighubrepository\/[a-z0-9-]+\/[a-z0-9.-]+\/[a-f0-9]{64}\.tar\.gz$/;
