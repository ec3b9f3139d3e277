// Names and paths inside the artifact storage: which names an object and its files may have, and the
// absolute path of a relative one, refused when it leaves the root lexically or through a symlink.
import { lstat, realpath } from 'node:fs/promises';
import { dirname, resolve, sep } from 'node:path';
import { errnoCode, StorageError } from './errors.ts';
import { relativePathProblem } from './paths.ts';
import { quoteName } from './quote.ts';

export const ARTIFACT_EXTENSION = '.tar.gz';
export const LOCK_SUFFIX = '.lock';
export const TEMP_SUFFIX = '.tmp';

export const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
export const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
export const HEX64 = /^[a-f0-9]{64}$/;
export const ARTIFACT_FILE = /^[a-f0-9]{64}\.tar\.gz$/;

export function checkObjectKey(namespace: string, name: string): void {
  if (!DNS1123_LABEL.test(namespace)) {
    throw new StorageError('InvalidPath', `namespace ${quoteName(namespace)} is not a DNS-1123 label`);
  }
  if (name.length > 253 || !DNS1123_SUBDOMAIN.test(name)) {
    throw new StorageError('InvalidPath', `name ${quoteName(name)} is not a DNS-1123 subdomain`);
  }
}

/**
 * Absolute path of `relativePath` under the real `root`, refusing anything that leaves it lexically or
 * through a symlink (the deepest existing ancestor is resolved with realpath). `realDirs` holds the
 * directories known to be real, each learnt from a realpath that came back unchanged: a path in one of
 * them needs an lstat of its last component only, and none at all when the caller, which lstat()s the
 * path itself and refuses anything but a regular file, passes `checkLast: false`.
 */
export async function resolveContained(
  root: string,
  realDirs: Set<string>,
  relativePath: string,
  checkLast: boolean,
): Promise<string> {
  const problem = relativePathProblem(relativePath);
  if (problem) throw new StorageError('InvalidPath', `path ${quoteName(relativePath)} ${problem}`);
  const absolute = resolve(root, relativePath);
  if (!absolute.startsWith(root + sep)) {
    throw new StorageError('InvalidPath', `path ${quoteName(relativePath)} leaves the storage root`);
  }
  // A directory known to be real is no symlink: an object directory costs no system call.
  if (realDirs.has(absolute)) return absolute;
  if (realDirs.has(dirname(absolute))) {
    if (!checkLast || !(await isSymlink(absolute, relativePath))) return absolute;
  }
  let probe = absolute;
  for (;;) {
    try {
      const real = await realpath(probe);
      if (real !== root && !real.startsWith(root + sep)) {
        throw new StorageError('InvalidPath', `path ${quoteName(relativePath)} leaves the storage root`);
      }
      // The parent resolved to itself: no symlink on the way, remember it (also when the file itself
      // does not exist yet, as on a first build).
      const parent = dirname(absolute);
      if (real === probe && (probe === absolute || probe === parent) && parent !== root) {
        realDirs.add(parent);
      }
      return absolute;
    } catch (error) {
      if (error instanceof StorageError) throw error;
      const code = errnoCode(error);
      if (code !== 'ENOENT' && code !== 'ENOTDIR') {
        throw new StorageError('StatOperationFailed', `cannot resolve ${quoteName(relativePath)}: ${code}`, {
          cause: error,
        });
      }
      if (probe === root) return absolute;
      probe = dirname(probe);
    }
  }
}

/** Whether the last component is a symlink (false when it does not exist). */
async function isSymlink(absolute: string, relativePath: string): Promise<boolean> {
  try {
    return (await lstat(absolute)).isSymbolicLink();
  } catch (error) {
    const code = errnoCode(error);
    if (code === 'ENOENT' || code === 'ENOTDIR') return false;
    throw new StorageError('StatOperationFailed', `cannot resolve ${quoteName(relativePath)}: ${code}`, {
      cause: error,
    });
  }
}

/**
 * Forgets the real directories an object directory removal took away (and its parent, which may go).
 * Object directories hold files only, so there is nothing deeper to forget.
 */
export function forgetRealDirs(realDirs: Set<string>, absoluteDir: string): void {
  realDirs.delete(absoluteDir);
  realDirs.delete(dirname(absoluteDir));
}
