// Download and extraction as kustomize-controller does it (fluxcd/pkg http/fetch + tar.Untar): status
// must be exactly 200, the digest is checked on the bytes received, and only regular files and
// directories with safe relative names are extracted; symlinks are skipped.
import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { gunzipSync } from 'node:zlib';

export class ArtifactFetchError extends Error {
  override readonly name = 'ArtifactFetchError';
  /** 404: the source is not ready yet; Flux retries without a warning event. */
  readonly notFound: boolean;
  constructor(message: string, notFound = false) {
    super(message);
    this.notFound = notFound;
  }
}

const ALGORITHMS: Record<string, number> = { sha256: 64, sha384: 96, sha512: 128 };

export async function fetchArtifact(url: string, digest: string): Promise<Buffer> {
  const response = await fetch(url);
  if (response.status === 404) {
    throw new ArtifactFetchError(`artifact not found: ${url}`, true);
  }
  if (response.status !== 200) {
    throw new ArtifactFetchError(`failed to download archive from ${url}: status ${response.status}`);
  }
  const bytes = Buffer.from(await response.arrayBuffer());
  verifyDigest(bytes, digest);
  return bytes;
}

export function verifyDigest(bytes: Buffer, digest: string): void {
  if (digest === '') throw new ArtifactFetchError('failed to verify archive: digest is empty');
  const [algorithm, hex] = digest.includes(':')
    ? (digest.split(':', 2) as [string, string])
    : ['sha256', digest];
  const length = ALGORITHMS[algorithm];
  if (length === undefined || !new RegExp(`^[a-f0-9]{${length}}$`).test(hex)) {
    throw new ArtifactFetchError(`failed to verify archive: invalid digest '${digest}'`);
  }
  const computed = createHash(algorithm).update(bytes).digest('hex');
  if (computed !== hex) {
    throw new ArtifactFetchError(
      `failed to verify archive: computed digest doesn't match provided '${digest}'`,
    );
  }
}

/** Extracts a gzipped tar into `dir` with fluxcd/pkg tar.Untar's rules (WithSkipSymlinks). */
export async function untar(bytes: Buffer, dir: string): Promise<void> {
  let tar: Buffer;
  try {
    tar = gunzipSync(bytes);
  } catch {
    throw new ArtifactFetchError('requires gzip-compressed body');
  }
  let offset = 0;
  let longName: string | undefined;
  while (offset + 512 <= tar.length) {
    const header = tar.subarray(offset, offset + 512);
    if (header.every((b) => b === 0)) break;
    const size = Number.parseInt(field(header, 124, 12).trim() || '0', 8);
    const type = String.fromCharCode(header[156] ?? 0);
    const prefix = field(header, 345, 155);
    const short = field(header, 0, 100);
    const name = longName ?? (prefix ? `${prefix}/${short}` : short);
    longName = undefined;
    const mode = Number.parseInt(field(header, 100, 8).trim() || '644', 8) & 0o777;
    const body = tar.subarray(offset + 512, offset + 512 + size);
    offset += 512 + Math.ceil(size / 512) * 512;
    if (type === 'L') {
      longName = body.toString('utf8').replace(/\0.*$/s, '');
      continue;
    }
    if (type === 'x' || type === 'g') continue;
    if (type === '2') continue; // symlinks are skipped
    if (name === '' || name.includes('\\') || name.startsWith('/') || name.includes('../')) {
      throw new ArtifactFetchError(`tar contained invalid name error "${name}"`);
    }
    const target = join(dir, name);
    if (type === '5') {
      await mkdir(target, { recursive: true, mode: mode | 0o700 });
    } else if (type === '0' || type === '\0') {
      await mkdir(dirname(target), { recursive: true, mode: 0o750 });
      await writeFile(target, body, { mode });
    } else {
      throw new ArtifactFetchError(`tar file entry ${name} contained unsupported file type ${type}`);
    }
  }
}

function field(header: Buffer, start: number, length: number): string {
  const bytes = header.subarray(start, start + length);
  const end = bytes.indexOf(0);
  return (end === -1 ? bytes : bytes.subarray(0, end)).toString('utf8');
}
