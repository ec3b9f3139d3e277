// Which stored files this process knows to hash to a digest, so verifying an unchanged file on every
// reconcile costs an lstat instead of a read of the whole file.
import { createHash } from 'node:crypto';
import { constants, type Stats } from 'node:fs';
import { lstat, open } from 'node:fs/promises';
import { posix } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { errnoCode, StorageError } from './errors.ts';
import type { VerifyResult } from './stored-artifact.ts';

/** A file's digest with the lstat fields that would change if the file did. */
interface VerifiedFile {
  digest: string;
  size: number;
  mtimeMs: number;
  ctimeMs: number;
  ino: number;
}

function sameFile(known: VerifiedFile, info: Stats): boolean {
  return (
    known.size === info.size &&
    known.mtimeMs === info.mtimeMs &&
    known.ctimeMs === info.ctimeMs &&
    known.ino === info.ino
  );
}

/** Splits `dir/file` (a storage path: POSIX separators). */
function split(relativePath: string): [dir: string, file: string] {
  return [posix.dirname(relativePath), posix.basename(relativePath)];
}

export class VerifiedFiles {
  /**
   * Directory → file name → what was verified (paths relative to the storage root). Grouped by the
   * object directory every stored file sits in, so forgetting a file or a whole object is one lookup,
   * not a scan of every file of every object.
   */
  readonly #dirs = new Map<string, Map<string, VerifiedFile>>();

  #get(relativePath: string): VerifiedFile | undefined {
    const [dir, file] = split(relativePath);
    return this.#dirs.get(dir)?.get(file);
  }

  #set(relativePath: string, info: Stats, digest: string): void {
    const [dir, file] = split(relativePath);
    let files = this.#dirs.get(dir);
    if (files === undefined) {
      files = new Map();
      this.#dirs.set(dir, files);
    }
    const { size, mtimeMs, ctimeMs, ino } = info;
    files.set(file, { digest, size, mtimeMs, ctimeMs, ino });
  }

  /**
   * Whether the regular file at `absolute` hashes to `digest` (of hex `hex`), with its lstat when it is
   * one; hashed as a stream unless known unchanged since it was last hashed or written.
   */
  async check(
    absolute: string,
    relativePath: string,
    digest: string,
    hex: string,
  ): Promise<{ result: VerifyResult; info?: Stats }> {
    let handle: Awaited<ReturnType<typeof open>>;
    let info: Stats;
    try {
      info = await lstat(absolute);
      if (!info.isFile()) return { result: 'mismatch' };
      const known = this.#get(relativePath);
      if (known !== undefined && known.digest === digest && sameFile(known, info))
        return { result: 'ok', info };
      handle = await open(absolute, constants.O_RDONLY | constants.O_NOFOLLOW);
    } catch (error) {
      const code = errnoCode(error);
      if (code === 'ENOENT' || code === 'ENOTDIR') return { result: 'missing' };
      throw new StorageError('StatOperationFailed', `cannot read ${relativePath}: ${code}`, { cause: error });
    }
    try {
      const hash = createHash('sha256');
      await pipeline(handle.createReadStream({ autoClose: false }), hash);
      if (hash.digest('hex') !== hex) return { result: 'mismatch' };
      this.#set(relativePath, info, digest);
      return { result: 'ok', info };
    } catch (error) {
      throw new StorageError('StatOperationFailed', `cannot hash ${relativePath}: ${errnoCode(error)}`, {
        cause: error,
      });
    } finally {
      await handle.close();
    }
  }

  /** Records a file this process just wrote with `digest`. */
  async remember(relativePath: string, absolute: string, digest: string): Promise<void> {
    const info = await lstat(absolute).catch(() => undefined);
    if (info?.isFile()) this.#set(relativePath, info, digest);
  }

  /** Forgets a file, or every file of a directory. */
  forget(relativePath: string, kind: 'file' | 'directory'): void {
    if (kind === 'directory') {
      this.#dirs.delete(relativePath);
      return;
    }
    const [dir, file] = split(relativePath);
    const files = this.#dirs.get(dir);
    files?.delete(file);
    if (files?.size === 0) this.#dirs.delete(dir);
  }

  /** Files known, for tests. */
  get size(): number {
    let count = 0;
    for (const files of this.#dirs.values()) count += files.size;
    return count;
  }
}
