// Build as kustomize-controller builds: overlay → kustomize → postBuild substitution per object →
// commonMetadata → the owner labels `kustomize.toolkit.fluxcd.io/name|namespace`.
import { parseAllDocuments } from 'yaml';
import type { KubeClient } from '../../src/kube/client.ts';
import { isNotFound } from '../../src/kube/errors.ts';
import { resources } from '../../src/kube/resources.ts';
import { kustomizeBuild } from './kubectl.ts';
import { BuildError, type OverlaySpec, writeOverlay } from './overlay.ts';
import { envsubst, SUBSTITUTE_KEY, SubstitutionError, validateVarNames } from './varsub.ts';

export type Manifest = {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  [key: string]: unknown;
};

export interface BuildSpec extends OverlaySpec {
  commonMetadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
  postBuild?: {
    substitute?: Record<string, string>;
    substituteFrom?: Array<{ kind: string; name: string; optional?: boolean }>;
  };
}

export interface Owner {
  name: string;
  namespace: string;
}

const CONFIG_MAP = { group: '', version: 'v1', plural: 'configmaps', kind: 'ConfigMap', namespaced: true };

export async function build(
  kubectl: string,
  dir: string,
  spec: BuildSpec,
  owner: Owner,
  kube: KubeClient,
): Promise<Manifest[]> {
  await writeOverlay(dir, spec);
  const stream = await kustomizeBuild(kubectl, dir);
  const vars = spec.postBuild ? await loadVars(kube, owner.namespace, spec.postBuild) : {};
  const objects: Manifest[] = [];
  for (const doc of parseAllDocuments(stream)) {
    let object = doc.toJS() as Manifest | null;
    if (object === null) continue;
    const meta = object.metadata;
    const disabled =
      meta.labels?.[SUBSTITUTE_KEY] === 'disabled' || meta.annotations?.[SUBSTITUTE_KEY] === 'disabled';
    if (Object.keys(vars).length > 0 && !disabled) {
      const substituted = parseAllDocuments(envsubst(doc.toString(), vars));
      const first = substituted[0];
      if (first === undefined || first.errors.length > 0) {
        throw new BuildError(`YAMLToJSON: ${first?.errors[0]?.message ?? 'empty document'}`);
      }
      object = first.toJS() as Manifest;
    }
    const metadata = object.metadata;
    if (spec.commonMetadata?.labels) metadata.labels = { ...metadata.labels, ...spec.commonMetadata.labels };
    if (spec.commonMetadata?.annotations) {
      metadata.annotations = { ...metadata.annotations, ...spec.commonMetadata.annotations };
    }
    metadata.labels = {
      ...metadata.labels,
      'kustomize.toolkit.fluxcd.io/name': owner.name,
      'kustomize.toolkit.fluxcd.io/namespace': owner.namespace,
    };
    objects.push(object);
  }
  return objects;
}

async function loadVars(
  kube: KubeClient,
  namespace: string,
  postBuild: NonNullable<BuildSpec['postBuild']>,
): Promise<Record<string, string>> {
  const vars: Record<string, string> = {};
  for (const ref of postBuild.substituteFrom ?? []) {
    const type = ref.kind === 'Secret' ? resources.secret : CONFIG_MAP;
    let object: { data?: Record<string, string> };
    try {
      object = await kube.get(type, namespace, ref.name);
    } catch (error) {
      if (isNotFound(error) && ref.optional) continue;
      throw new SubstitutionError(
        `substitute from '${ref.kind}/${ref.name}' error: ${error instanceof Error ? error.message : error}`,
      );
    }
    for (const [key, value] of Object.entries(object.data ?? {})) {
      const text = ref.kind === 'Secret' ? Buffer.from(value, 'base64').toString('utf8') : value;
      vars[key] = text.replaceAll('\n', '');
    }
  }
  for (const [key, value] of Object.entries(postBuild.substitute ?? {}))
    vars[key] = value.replaceAll('\n', '');
  validateVarNames(vars);
  return vars;
}
