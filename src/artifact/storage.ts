// Artifact storage on the local file system (flux-contract §2.6, §2.7; checklist 30-35).
//
// Layout: `<root>/confighubrepository/<namespace>/<name>/<sha256 hex>.tar.gz`. Files are content
// addressed, written to a hidden temp file in the same directory, fsynced and renamed into place,
// so a reader never sees a partial file and a published path never changes content. Storage files
// are 0600 and directories 0700: the server reading them runs in this same process. Path containment,
// verification, file system calls and GC live beside this file; the Storage class ties them together.
import { randomBytes } from 'node:crypto';
import type { Stats } from 'node:fs';
import { chmod, mkdir, open, realpath, rename, rm, rmdir, unlink, utimes } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { z } from 'zod';
import { STORAGE_KIND_DIR } from '../api/constants.ts';
import { sha256Hex } from '../util/hash.ts';
import { parseDigest } from './digest.ts';
import { errnoCode, StorageError } from './errors.ts';
import { KeyedMutex } from './keyed-mutex.ts';
import { relativePathProblem } from './paths.ts';
import { quoteName } from './quote.ts';
import { DIR_MODE, FILE_MODE, listDirectories, statFile, syncDirectory, writeNewFile } from './storage-fs.ts';
import { collectGarbage } from './storage-gc.ts';
import {
  ARTIFACT_EXTENSION,
  ARTIFACT_FILE,
  checkObjectKey,
  DNS1123_LABEL,
  DNS1123_SUBDOMAIN,
  forgetRealDirs,
  HEX64,
  resolveContained,
  TEMP_SUFFIX,
} from './storage-paths.ts';
import { formatTime, type ObjectDir, type StoreResult, type VerifyResult } from './stored-artifact.ts';
import { VerifiedFiles } from './verified-files.ts';

export { GC_WALK_LIMIT } from './storage-gc.ts';
export { ARTIFACT_EXTENSION, LOCK_SUFFIX, TEMP_SUFFIX } from './storage-paths.ts';
export {
  formatTime,
  type ObjectDir,
  type StoredArtifact,
  type StoreOutcome,
  type StoreResult,
  toArtifact,
  type VerifyResult,
} from './stored-artifact.ts';

export const DEFAULT_RETENTION_RECORDS = 2;
export const DEFAULT_RETENTION_TTL_MS = 60_000;

const storageOptionsSchema = z.object({
  root: z.string().min(1),
  advertisedAddress: z
    .string()
    .min(1)
    .regex(/^[^\s]+$/, 'must not contain whitespace'),
  retentionRecords: z.number().int().min(1).default(DEFAULT_RETENTION_RECORDS),
  retentionTtlMs: z.number().int().min(0).default(DEFAULT_RETENTION_TTL_MS),
  now: z
    .custom<() => Date>((value) => typeof value === 'function', 'must be a function')
    .default(() => () => new Date()),
});
export type StorageOptions = z.input<typeof storageOptionsSchema>;

/** Told of an artifact file rewritten or deleted, or of an object directory removed. */
export type ChangeListener = (relativePath: string, kind: 'file' | 'directory') => void;

export class Storage {
  readonly root: string;
  readonly advertisedAddress: string;
  readonly retentionRecords: number;
  readonly retentionTtlMs: number;
  readonly #now: () => Date;
  readonly #locks = new KeyedMutex();
  /** Real path of the root, known once init() succeeded. */
  #realRoot: string | undefined;
  /** Files known to hash to a digest: verify() re-hashes only a file that changed, not on every reconcile. */
  readonly #verified = new VerifiedFiles();
  readonly #changeListeners = new Set<ChangeListener>();
  /**
   * Directories under the root known to be real (no symlink on the way), each learnt from a realpath
   * that came back unchanged. Only this process creates and removes them, so a path in one of them
   * needs an lstat of its last component rather than a realpath of every component per access.
   */
  readonly #realDirs = new Set<string>();
  /** Per object directory: until when a GC pass with that current file would delete nothing. */
  readonly #gcQuiet = new Map<string, { current: string | undefined; untilMs: number }>();

  constructor(options: StorageOptions) {
    const parsed = storageOptionsSchema.parse(options);
    this.root = resolve(parsed.root);
    this.advertisedAddress = parsed.advertisedAddress;
    this.retentionRecords = parsed.retentionRecords;
    this.retentionTtlMs = parsed.retentionTtlMs;
    this.#now = parsed.now;
  }

  /** Creates the root and proves it is writable; the readiness probe stays red until this succeeds. */
  async init(): Promise<void> {
    try {
      await mkdir(this.root, { recursive: true, mode: DIR_MODE });
      const probe = join(this.root, `.probe-${randomBytes(6).toString('hex')}${TEMP_SUFFIX}`);
      await (await open(probe, 'wx', FILE_MODE)).close();
      await unlink(probe);
      this.#realRoot = await realpath(this.root);
    } catch (cause) {
      throw new StorageError(
        'DirectoryCreationFailed',
        `storage root ${this.root} is not a writable directory: ${errnoCode(cause)}`,
        { cause },
      );
    }
  }

  isReady(): boolean {
    return this.#realRoot !== undefined;
  }

  #requireRoot(): string {
    if (this.#realRoot === undefined) {
      throw new StorageError(
        'DirectoryCreationFailed',
        'storage is not initialised (init() has not succeeded)',
      );
    }
    return this.#realRoot;
  }

  objectDir(namespace: string, name: string): string {
    checkObjectKey(namespace, name);
    return `${STORAGE_KIND_DIR}/${namespace}/${name}`;
  }

  /** `confighubrepository/<ns>/<name>/<hex>.tar.gz` */
  relativePath(namespace: string, name: string, hex: string): string {
    if (!HEX64.test(hex))
      throw new StorageError('InvalidPath', `${quoteName(hex)} is not a sha256 hex digest`);
    return `${this.objectDir(namespace, name)}/${hex}${ARTIFACT_EXTENSION}`;
  }

  /** `http://<advertised address>/<path>`, or the address as prefix when it already has a scheme. */
  urlFor(relativePath: string): string {
    const problem = relativePathProblem(relativePath);
    if (problem) throw new StorageError('InvalidPath', `artifact path ${quoteName(relativePath)} ${problem}`);
    const address = this.advertisedAddress.replace(/\/+$/, '');
    const prefix = /^https?:\/\//.test(address) ? address : `http://${address}`;
    return `${prefix}/${relativePath}`;
  }

  /**
   * Absolute path of `relativePath`, refusing anything that leaves the root lexically or through a
   * symlink (the deepest existing ancestor is resolved with realpath).
   */
  async absolutePath(relativePath: string): Promise<string> {
    return this.#resolve(relativePath, true);
  }

  /**
   * `absolutePath`, where the caller that lstat()s the path itself and refuses anything but a regular
   * file passes `checkLast: false` to save the symlink check of the last component (one system call on
   * every reconcile).
   */
  async #resolve(relativePath: string, checkLast: boolean): Promise<string> {
    return resolveContained(this.#requireRoot(), this.#realDirs, relativePath, checkLast);
  }

  /**
   * Calls `listener` with the relative path of every artifact file rewritten or deleted, or with an
   * object directory removed as a whole (for caches of file contents). Every stored file sits directly
   * in its object directory.
   */
  onChange(listener: ChangeListener): () => void {
    this.#changeListeners.add(listener);
    return () => this.#changeListeners.delete(listener);
  }

  #changed(relativePath: string, kind: 'file' | 'directory'): void {
    this.#verified.forget(relativePath, kind);
    this.#gcQuiet.delete(kind === 'file' ? dirname(relativePath) : relativePath);
    for (const listener of this.#changeListeners) listener(relativePath, kind);
  }

  /**
   * Whether the file at `relativePath` exists and hashes to `digest`; hashed as a stream, unless this
   * process hashed (or wrote) it before and its size, mtime, ctime and inode have not changed since.
   */
  async verify(relativePath: string, digest: string): Promise<VerifyResult> {
    return (await this.#verify(relativePath, digest)).result;
  }

  /** `verify`, with the file's lstat when it is a regular file. */
  async #verify(relativePath: string, digest: string): Promise<{ result: VerifyResult; info?: Stats }> {
    const { hex } = parseDigest(digest);
    // The lstat below refuses a symlink as the last component (not a regular file).
    const absolute = await this.#resolve(relativePath, false);
    return this.#verified.check(absolute, relativePath, digest, hex);
  }

  /**
   * Publishes `bytes` for the object. An identical published file is reused as is (its mtime is the
   * lastUpdateTime); a corrupt one is replaced through a new temp file and rename.
   */
  async store(namespace: string, name: string, bytes: Uint8Array): Promise<StoreResult> {
    const temp = await this.tempFile(namespace, name);
    try {
      await writeNewFile(temp, bytes);
    } catch (cause) {
      await rm(temp, { force: true });
      throw new StorageError(
        'ArchiveOperationFailed',
        `cannot write ${this.objectDir(namespace, name)}: ${errnoCode(cause)}`,
        { cause },
      );
    }
    return this.commit(namespace, name, temp, sha256Hex(bytes));
  }

  /**
   * A new hidden temp file path in the object's directory, for a build to stream its artifact into
   * before `commit`. Hidden and suffixed, so neither the server nor GC treats it as an artifact; GC
   * removes it if the process dies before it is committed or discarded.
   */
  async tempFile(namespace: string, name: string): Promise<string> {
    this.#requireRoot();
    const dir = this.objectDir(namespace, name);
    const absoluteDir = await this.absolutePath(dir);
    try {
      // A directory this call created is real: later paths in it need no symlink check.
      if ((await mkdir(absoluteDir, { recursive: true, mode: DIR_MODE })) !== undefined) {
        this.#realDirs.add(absoluteDir);
      }
    } catch (cause) {
      throw new StorageError('DirectoryCreationFailed', `cannot create ${dir}: ${errnoCode(cause)}`, {
        cause,
      });
    }
    this.#gcQuiet.delete(dir);
    return join(absoluteDir, `.${randomBytes(8).toString('hex')}${TEMP_SUFFIX}`);
  }

  /**
   * Publishes a temp file from `tempFile` whose content hashes to `hex`: renamed into place, or dropped
   * when an identical artifact is already published. The temp file is gone afterwards either way.
   */
  async commit(namespace: string, name: string, temp: string, hex: string): Promise<StoreResult> {
    const digest: `sha256:${string}` = `sha256:${hex}`;
    const path = this.relativePath(namespace, name, hex);
    const dir = this.objectDir(namespace, name);
    let renamed = false;
    try {
      return await this.#locks.run(dir, async () => {
        const absoluteDir = await this.absolutePath(dir);
        if (dirname(temp) !== absoluteDir) {
          throw new StorageError('InvalidPath', `temp file is not in ${dir}`);
        }
        const url = this.urlFor(path);
        const { result: existing, info: published } = await this.#verify(path, digest);
        if (existing === 'ok' && published !== undefined) {
          const info = published;
          return {
            path,
            url,
            digest,
            size: info.size,
            lastUpdateTime: formatTime(info.mtime),
            outcome: 'reused',
          };
        }
        // In the directory just resolved; rename replaces whatever entry is there (a symlink too)
        // without following it, so the name needs no check of its own.
        const absolute = join(absoluteDir, basename(path));
        const now = this.#now();
        const info = await statFile(temp, path);
        try {
          await chmod(temp, FILE_MODE);
          await utimes(temp, now, now);
          await rename(temp, absolute);
          renamed = true;
        } catch (cause) {
          throw new StorageError('ArchiveOperationFailed', `cannot write ${path}: ${errnoCode(cause)}`, {
            cause,
          });
        }
        await syncDirectory(absoluteDir);
        this.#changed(path, 'file');
        await this.#verified.remember(path, absolute, digest);
        return {
          path,
          url,
          digest,
          size: info.size,
          lastUpdateTime: formatTime(now),
          outcome: existing === 'mismatch' ? 'repaired' : 'created',
        };
      });
    } finally {
      if (!renamed) await rm(temp, { force: true });
    }
  }

  /**
   * Deletes old artifacts of one object: non-current files older than the TTL, then the oldest until
   * at most `retentionRecords` remain (current included, never deleted), with their `.lock` files.
   * Stale temp files older than the TTL are removed too. Returns the deleted relative paths.
   */
  async gc(namespace: string, name: string, currentRelativePath?: string): Promise<{ deleted: string[] }> {
    this.#requireRoot();
    const dir = this.objectDir(namespace, name);
    let current: string | undefined;
    if (currentRelativePath !== undefined) {
      const prefix = `${dir}/`;
      const base = currentRelativePath.slice(prefix.length);
      if (!currentRelativePath.startsWith(prefix) || base.includes('/') || relativePathProblem(base)) {
        throw new StorageError(
          'InvalidPath',
          `current artifact ${quoteName(currentRelativePath)} is not a file of ${dir}`,
        );
      }
      current = base;
    }
    return this.#locks.run(dir, async () => {
      // Files enter the directory only through this class, which forgets the quiet time on any change;
      // until then a pass would list and stat every file to delete nothing (most polls change nothing).
      const quiet = this.#gcQuiet.get(dir);
      if (quiet !== undefined && quiet.current === current && this.#now().getTime() <= quiet.untilMs) {
        return { deleted: [] };
      }
      const absoluteDir = await this.absolutePath(dir);
      const policy = {
        retentionTtlMs: this.retentionTtlMs,
        retentionRecords: this.retentionRecords,
        now: this.#now,
      };
      const { deleted, quietUntilMs } = await collectGarbage(absoluteDir, dir, current, policy, (path) =>
        this.#changed(path, 'file'),
      );
      this.#gcQuiet.set(dir, { current, untilMs: quietUntilMs });
      return { deleted };
    });
  }

  /** Removes everything stored for the object (on deletion of the ConfigHubRepository). */
  async removeObjectDir(namespace: string, name: string): Promise<void> {
    this.#requireRoot();
    const dir = this.objectDir(namespace, name);
    await this.#locks.run(dir, async () => {
      const absoluteDir = await this.absolutePath(dir);
      try {
        await rm(absoluteDir, { recursive: true, force: true });
      } catch (cause) {
        throw new StorageError('ArchiveOperationFailed', `cannot remove ${dir}: ${errnoCode(cause)}`, {
          cause,
        });
      }
      this.#changed(dir, 'directory');
      forgetRealDirs(this.#realDirs, absoluteDir);
      // Drop the namespace directory once its last object is gone; another object may race us.
      await rmdir(dirname(absoluteDir)).catch(() => undefined);
    });
  }

  /** Every `<namespace>/<name>` directory present, for orphan cleanup at startup. */
  async listObjectDirs(): Promise<ObjectDir[]> {
    const root = this.#requireRoot();
    const kindDir = join(root, STORAGE_KIND_DIR);
    const result: ObjectDir[] = [];
    for (const namespace of await listDirectories(kindDir)) {
      if (!DNS1123_LABEL.test(namespace)) continue;
      for (const name of await listDirectories(join(kindDir, namespace))) {
        if (!DNS1123_SUBDOMAIN.test(name)) continue;
        result.push({ namespace, name, path: `${STORAGE_KIND_DIR}/${namespace}/${name}` });
      }
    }
    return result.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  /** Whether `name` is an artifact file name this storage writes (`<64 hex>.tar.gz`). */
  static isArtifactFileName(name: string): boolean {
    return ARTIFACT_FILE.test(name);
  }
}
