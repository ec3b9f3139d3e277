// Reads an artifact tarball back (the gzipped ustar that tarball.ts writes) without extracting it, so
// drift detection can compare the stored artifact's objects with the cluster's.
import { gunzipSync } from 'node:zlib';
import { errorMessage } from '../util/errors.ts';
import { ArtifactReadError } from './errors.ts';
import { quoteName } from './quote.ts';
import type { ArtifactFile } from './tarball.ts';
import { BLOCK_SIZE, type DecodedHeader, decodeHeader, EntryType, isEndBlock } from './ustar.ts';

/** Old archives mark a regular file with a NUL type flag. */
const OLD_FILE_TYPE = '\0';

/**
 * The regular files of an uncompressed ustar stream, in archive order; directories are implied by the
 * paths, as on the way in. A file whose owner may execute it comes back `executable`.
 */
export function readTar(tar: Uint8Array): ArtifactFile[] {
  const files: ArtifactFile[] = [];
  let offset = 0;
  while (offset + BLOCK_SIZE <= tar.length) {
    const block = tar.subarray(offset, offset + BLOCK_SIZE);
    if (isEndBlock(block)) break;
    let header: DecodedHeader;
    try {
      header = decodeHeader(block);
    } catch (error) {
      throw new ArtifactReadError(`invalid tar header at byte ${offset}: ${errorMessage(error)}`);
    }
    const start = offset + BLOCK_SIZE;
    if (start + header.size > tar.length) {
      throw new ArtifactReadError(`truncated tar entry ${quoteName(header.name)}`);
    }
    if (header.type === EntryType.File || header.type === OLD_FILE_TYPE) {
      files.push({
        path: header.name,
        data: tar.subarray(start, start + header.size),
        ...((header.mode & 0o100) !== 0 ? { executable: true } : {}),
      });
    }
    offset = start + Math.ceil(header.size / BLOCK_SIZE) * BLOCK_SIZE;
  }
  return files;
}

/** The regular files of a gzipped ustar archive (see readTar). */
export function readTarGz(bytes: Uint8Array): ArtifactFile[] {
  let tar: Buffer;
  try {
    tar = gunzipSync(bytes);
  } catch (error) {
    throw new ArtifactReadError(`artifact is not gzip: ${errorMessage(error)}`);
  }
  return readTar(tar);
}
