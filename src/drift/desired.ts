// The desired objects: every Kubernetes object in our artifact's YAML files, whether the controller just
// built them or they were read back from the stored .tar.gz (artifact/tarball-reader.ts).
import { CORE_SCHEMA, loadAll } from 'js-yaml';
import { ArtifactReadError } from '../artifact/errors.ts';
import { MAX_NESTING_DEPTH } from '../artifact/yaml-check.ts';
import { parseApiVersion } from '../kube/resources.ts';
import { isRecord } from '../util/is-record.ts';

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
      if (KUSTOMIZE_KINDS.has(`${parseApiVersion(apiVersion).group}/${kind}`)) continue;
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
