// Deterministic tar.gz builder for artifacts (flux-contract §2.4, §2.5; checklist 22-29).
//
// Same files in → same bytes out, whatever order the files come in: entries are emitted in the
// order of Go's filepath.Walk (each directory's children sorted byte-wise, depth-first, a directory
// before its contents), with fixed owner, times and modes and a fixed gzip header. Only regular
// files and directories are written, as ustar headers without extensions.
//
// Modes follow Flux's own `Storage.Archive`: files 0600 (0700 when executable), directories 0750.
// Consumers get exactly the permissions a GitRepository artifact would give them, and since units may
// hold Secret manifests, nothing in the tree is group- or world-readable.
import { promisify } from 'node:util';
import { crc32, deflateRaw, constants as zlibConstants } from 'node:zlib';
import { UnsafePathError } from './errors.ts';
import { relativePathProblem } from './paths.ts';
import { BLOCK_SIZE, EntryType, encodeHeader, MAX_USTAR_SIZE, splitUstarName } from './ustar.ts';

export type ArtifactFile = {
  /** Relative, `/`-separated; sub-directories are implied by the path. */
  path: string;
  data: Uint8Array;
  executable?: boolean;
};

export const FILE_MODE = 0o600;
export const EXECUTABLE_MODE = 0o700;
export const DIRECTORY_MODE = 0o750;
export const GZIP_LEVEL = 6;

/**
 * The 10-byte gzip header Go's compress/gzip writes by default: magic, deflate, no flags (so no file
 * name or comment), mtime 0, no extra flags, OS 255 ("unknown"). Writing it ourselves keeps it
 * independent of the zlib build, which would otherwise stamp its own OS byte.
 */
export const GZIP_HEADER = Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff]);

type DirNode = { kind: 'dir'; children: Map<string, Node> };
type FileNode = { kind: 'file'; file: ArtifactFile };
type Node = DirNode | FileNode;

function buildTree(files: readonly ArtifactFile[]): DirNode {
  const root: DirNode = { kind: 'dir', children: new Map() };
  for (const file of files) {
    const problem = relativePathProblem(file.path);
    if (problem) throw new UnsafePathError(file.path, problem);
    const segments = file.path.split('/');
    let dir = root;
    for (const [index, segment] of segments.entries()) {
      const existing = dir.children.get(segment);
      const isLast = index === segments.length - 1;
      if (isLast) {
        if (existing) {
          throw new UnsafePathError(
            file.path,
            existing.kind === 'file' ? 'is listed twice' : 'is also a directory of other files',
          );
        }
        dir.children.set(segment, { kind: 'file', file });
      } else if (existing === undefined) {
        const child: DirNode = { kind: 'dir', children: new Map() };
        dir.children.set(segment, child);
        dir = child;
      } else if (existing.kind === 'dir') {
        dir = existing;
      } else {
        throw new UnsafePathError(
          file.path,
          `its parent ${segments.slice(0, index + 1).join('/')} is a file`,
        );
      }
    }
  }
  return root;
}

/** Byte-wise order of UTF-8 names, as Go's sort.Strings orders directory entries. */
function compareNames(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

function padding(size: number): number {
  return (BLOCK_SIZE - (size % BLOCK_SIZE)) % BLOCK_SIZE;
}

function emit(dir: DirNode, prefix: string, out: Buffer[]): void {
  const names = [...dir.children.keys()].sort(compareNames);
  for (const name of names) {
    const node = dir.children.get(name)!;
    const path = prefix + name;
    if (node.kind === 'dir') {
      const entryName = `${path}/`;
      if (!splitUstarName(entryName)) throw new UnsafePathError(path, 'is too long for a ustar header');
      out.push(encodeHeader({ name: entryName, type: EntryType.Directory, mode: DIRECTORY_MODE, size: 0 }));
      emit(node, entryName, out);
      continue;
    }
    const { data, executable } = node.file;
    if (!splitUstarName(path)) throw new UnsafePathError(path, 'is too long for a ustar header');
    if (data.byteLength > MAX_USTAR_SIZE) throw new UnsafePathError(path, 'is larger than ustar allows');
    const mode = executable ? EXECUTABLE_MODE : FILE_MODE;
    out.push(encodeHeader({ name: path, type: EntryType.File, mode, size: data.byteLength }));
    out.push(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
    const pad = padding(data.byteLength);
    if (pad > 0) out.push(Buffer.alloc(pad));
  }
}

/**
 * The tar stream for `files` as a list of pieces in order: headers, padding and views of the files'
 * own bytes (nothing is copied), ending with two zero blocks.
 */
export function tarPieces(files: readonly ArtifactFile[]): Buffer[] {
  const out: Buffer[] = [];
  emit(buildTree(files), '', out);
  out.push(Buffer.alloc(2 * BLOCK_SIZE));
  return out;
}

/** The uncompressed, deterministic tar stream for `files` (ends with two zero blocks). */
export function buildTar(files: readonly ArtifactFile[]): Buffer {
  return Buffer.concat(tarPieces(files));
}

const deflateRawAsync = promisify(deflateRaw);

export const DEFLATE_OPTIONS = {
  level: GZIP_LEVEL,
  windowBits: 15,
  memLevel: 8,
  strategy: zlibConstants.Z_DEFAULT_STRATEGY,
} as const;

/**
 * Gzip with a fixed header and level. The deflate stream itself is only as stable as the bundled
 * zlib: the same Node build always produces the same bytes, a different zlib may not (the project
 * pins its Node version for this reason).
 */
export async function gzipDeterministic(data: Uint8Array): Promise<Buffer> {
  const body = await deflateRawAsync(data, DEFLATE_OPTIONS);
  const trailer = Buffer.alloc(8);
  trailer.writeUInt32LE(crc32(data), 0);
  trailer.writeUInt32LE(data.byteLength % 2 ** 32, 4);
  return Buffer.concat([GZIP_HEADER, body, trailer]);
}

/** Builds the artifact tarball: byte-identical output for the same set of files. */
export async function buildTarGz(files: readonly ArtifactFile[]): Promise<Buffer> {
  return gzipDeterministic(buildTar(files));
}
