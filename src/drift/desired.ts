// The desired objects: every Kubernetes object in our artifact's YAML files. Accepts the files the
// controller just built or the stored .tar.gz (our own deterministic ustar, read without extraction).
import { gunzipSync } from 'node:zlib';
import { CORE_SCHEMA, loadAll } from 'js-yaml';
import { MAX_NESTING_DEPTH } from '../artifact/yaml-check.ts';
import { errorMessage } from '../util/errors.ts';
import { isRecord } from './pointer.ts';

export interface ArtifactFileInput {
  path: string;
  data: Uint8Array;
}

export interface DesiredObject {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
  object: Record<string, unknown>;
  file: string;
}

export class ArtifactReadError extends Error {
  override readonly name = 'ArtifactReadError';
}

/** kustomize's own file is a build instruction, not an object to apply. */
const KUSTOMIZE_KINDS = new Set([
  'kustomize.config.k8s.io/Kustomization',
  'kustomize.config.k8s.io/Component',
]);

export function desiredObjects(files: readonly ArtifactFileInput[]): DesiredObject[] {
  const out: DesiredObject[] = [];
  for (const file of files) {
    if (!/\.ya?ml$/i.test(file.path)) continue;
    const text = Buffer.from(file.data).toString('utf8');
    let documents: unknown[];
    try {
      // js-yaml: linear in the input (the files were validated when the artifact was built).
      documents = loadAll(text, { schema: CORE_SCHEMA, maxDepth: MAX_NESTING_DEPTH + 1 });
    } catch (error) {
      const reason = error instanceof Error && 'reason' in error ? String(error.reason) : 'invalid YAML';
      throw new ArtifactReadError(`${file.path}: ${reason}`);
    }
    for (const value of documents) {
      if (!isRecord(value)) continue;
      const { apiVersion, kind, metadata } = value;
      if (typeof apiVersion !== 'string' || typeof kind !== 'string' || !isRecord(metadata)) continue;
      if (KUSTOMIZE_KINDS.has(`${apiVersion.split('/')[0]}/${kind}`)) continue;
      if (typeof metadata['name'] !== 'string') continue;
      out.push({
        apiVersion,
        kind,
        name: metadata['name'],
        ...(typeof metadata['namespace'] === 'string' ? { namespace: metadata['namespace'] } : {}),
        object: value,
        file: file.path,
      });
    }
  }
  return out;
}

/** Reads the regular files of a gzipped ustar archive (the format our artifact builder writes). */
export function readTarGz(bytes: Uint8Array): ArtifactFileInput[] {
  let tar: Buffer;
  try {
    tar = gunzipSync(bytes);
  } catch (error) {
    throw new ArtifactReadError(`artifact is not gzip: ${errorMessage(error)}`);
  }
  const files: ArtifactFileInput[] = [];
  let offset = 0;
  while (offset + 512 <= tar.length) {
    const header = tar.subarray(offset, offset + 512);
    if (header.every((b) => b === 0)) break;
    const name = cString(header.subarray(0, 100));
    const prefix = cString(header.subarray(345, 500));
    const size = Number.parseInt(cString(header.subarray(124, 136)).trim() || '0', 8);
    const type = String.fromCharCode(header[156] ?? 0);
    if (!Number.isFinite(size) || size < 0) throw new ArtifactReadError(`invalid tar header for ${name}`);
    const start = offset + 512;
    if (start + size > tar.length) throw new ArtifactReadError(`truncated tar entry ${name}`);
    if (type === '0' || type === '\0') {
      files.push({ path: prefix ? `${prefix}/${name}` : name, data: tar.subarray(start, start + size) });
    }
    offset = start + Math.ceil(size / 512) * 512;
  }
  return files;
}

function cString(bytes: Uint8Array): string {
  const end = bytes.indexOf(0);
  return Buffer.from(end === -1 ? bytes : bytes.subarray(0, end)).toString('utf8');
}
