// Which stored files this process knows to hash to a digest, so verifying an unchanged file on every
// reconcile costs an lstat instead of a read of the whole file.
import { createHash } from 'node:crypto';
import { constants, type Stats } from 'node:fs';
import { lstat, open } from 'node:fs/promises';
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

export class VerifiedFiles {
  /** Keyed by path relative to the storage root. */
  readonly #files = new Map<string, VerifiedFile>();

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
      const known = this.#files.get(relativePath);
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
      const { size, mtimeMs, ctimeMs, ino } = info;
      this.#files.set(relativePath, { digest, size, mtimeMs, ctimeMs, ino });
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
    if (info?.isFile()) {
      const { size, mtimeMs, ctimeMs, ino } = info;
      this.#files.set(relativePath, { digest, size, mtimeMs, ctimeMs, ino });
    }
  }

  /** Forgets `relativePath` and everything under it. */
  forget(relativePath: string): void {
    for (const [path] of this.#files) {
      if (path === relativePath || path.startsWith(`${relativePath}/`)) this.#files.delete(path);
    }
  }
}
