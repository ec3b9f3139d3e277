// File system calls of the artifact storage, their failures mapped to StorageError.
import type { Stats } from 'node:fs';
import { lstat, open, readdir } from 'node:fs/promises';
import { errnoCode, StorageError } from './errors.ts';

/** Storage files are 0600 and directories 0700: the server reading them runs in this same process. */
export const FILE_MODE = 0o600;
export const DIR_MODE = 0o700;

/** Creates `path` (which must not exist yet) with FILE_MODE, writes `bytes` and fsyncs them. */
export async function writeNewFile(path: string, bytes: Uint8Array): Promise<void> {
  const handle = await open(path, 'wx', FILE_MODE);
  try {
    await handle.writeFile(bytes);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export async function statFile(absolute: string, relativePath: string): Promise<Stats> {
  try {
    return await lstat(absolute);
  } catch (cause) {
    throw new StorageError('StatOperationFailed', `cannot stat ${relativePath}: ${errnoCode(cause)}`, {
      cause,
    });
  }
}

export async function listDirectories(absolute: string): Promise<string[]> {
  try {
    const entries = await readdir(absolute, { withFileTypes: true });
    return entries.filter((entry) => entry.isDirectory()).map((entry) => entry.name);
  } catch (cause) {
    if (errnoCode(cause) === 'ENOENT') return [];
    throw new StorageError('StatOperationFailed', `cannot list storage: ${errnoCode(cause)}`, { cause });
  }
}

/** fsync the directory so the rename survives a crash; not every file system supports it. */
export async function syncDirectory(absoluteDir: string): Promise<void> {
  try {
    const handle = await open(absoluteDir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // Best effort: the data file itself was fsynced before the rename.
  }
}
