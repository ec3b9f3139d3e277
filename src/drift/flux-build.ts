// Desired state as kustomize-controller builds it for one Kustomization: the artifact's objects with
// the overlay fields Flux sets (targetNamespace, images, targeted JSON 6902 patches), commonMetadata,
// and postBuild substitution. Transformations that need kustomize itself (strategic-merge patches,
// components, name prefixes/suffixes and the references they rename) are not reproduced: the consumer is named as unsupported instead, so its
// objects are not compared against a desired state Flux never applied.
import { parseDocument, stringify } from 'yaml';
import type { ConsumerObject, KustomizeBuild } from '../delivery/consumer.ts';
import { errorMessage } from '../util/errors.ts';
import { isRecord } from '../util/is-record.ts';
import type { DesiredObject } from './desired.ts';
import { formatImageRef, parseImageRef } from './image-ref.ts';
import { applyRules, jsonPatchRules } from './json6902.ts';
import { SubstitutionUnsupportedError, substitute, VAR_NAME } from './substitute.ts';

const NOT_REPRODUCED = [
  'namePrefix',
  'nameSuffix',
  'patchesStrategicMerge',
  'patchesJson6902',
  'components',
] as const satisfies ReadonlyArray<keyof KustomizeBuild>;

const SUBSTITUTE_KEY = 'kustomize.toolkit.fluxcd.io/substitute';

/** Reads a ConfigMap's or Secret's `data` in the consumer's namespace; undefined when absent. */
export type VarSource = (
  kind: 'ConfigMap' | 'Secret',
  namespace: string,
  name: string,
) => Promise<Record<string, string> | undefined>;

export type FluxBuildResult = { objects: DesiredObject[] } | { unsupported: string };

export async function buildForConsumer(
  artifact: readonly DesiredObject[],
  consumer: ConsumerObject,
  readVars: VarSource,
): Promise<FluxBuildResult> {
  const build = consumer.build ?? {};
  if (build.unreadable?.length) {
    return { unsupported: `spec.${build.unreadable.join(', spec.')} not readable` };
  }
  const used = NOT_REPRODUCED.filter((field) => {
    const value = build[field];
    return Array.isArray(value) ? value.length > 0 : Boolean(value);
  });
  if (used.length > 0) {
    return { unsupported: `spec.${used.join(', spec.')} not reproduced` };
  }
  const rules = jsonPatchRules(build.patches ?? []);
  if (rules === undefined) {
    return { unsupported: 'spec.patches not reproduced (only targeted JSON 6902 patches are)' };
  }
  let vars: Map<string, string> | undefined;
  if (build.postBuild !== undefined) {
    vars = new Map();
    for (const ref of build.postBuild.substituteFrom ?? []) {
      if (ref.kind !== 'ConfigMap' && ref.kind !== 'Secret') continue;
      let data: Record<string, string> | undefined;
      try {
        data = await readVars(ref.kind, consumer.namespace, ref.name);
      } catch (error) {
        return {
          unsupported: `postBuild.substituteFrom ${ref.kind}/${ref.name} unreadable (${errorMessage(error)})`,
        };
      }
      if (data === undefined) {
        if (ref.optional) continue;
        return { unsupported: `postBuild.substituteFrom ${ref.kind}/${ref.name} not found` };
      }
      for (const [key, value] of Object.entries(data)) {
        const text = ref.kind === 'Secret' ? Buffer.from(value, 'base64').toString('utf8') : value;
        vars.set(key, text.replaceAll('\n', ''));
      }
    }
    for (const [key, value] of Object.entries(build.postBuild.substitute ?? {})) {
      vars.set(key, value.replaceAll('\n', ''));
    }
    const bad = [...vars.keys()].find((k) => !VAR_NAME.test(k));
    if (bad !== undefined) return { unsupported: `postBuild variable name '${bad}' is invalid` };
  }
  const objects: DesiredObject[] = [];
  for (const original of artifact) {
    let object = structuredClone(original.object);
    // kustomize patches before its namespace transformer, so targets see the artifact's names.
    try {
      object = applyRules(object, original, rules);
    } catch (error) {
      return { unsupported: `spec.patches: ${errorMessage(error)}` };
    }
    const metadata = metadataOf(object);
    if (build.targetNamespace) {
      // kustomize's namespace transformer renames Namespace objects and sets it on the others.
      if (original.kind === 'Namespace') metadata['name'] = build.targetNamespace;
      else metadata['namespace'] = build.targetNamespace;
    }
    for (const image of build.images ?? []) setImages(object, image);
    if (vars !== undefined && vars.size > 0 && !substitutionDisabled(metadata)) {
      try {
        object = parseDocument(substitute(stringify(object), vars)).toJS() as Record<string, unknown>;
      } catch (error) {
        if (error instanceof SubstitutionUnsupportedError) {
          return { unsupported: `postBuild: ${error.message}` };
        }
        throw error;
      }
    }
    const meta = metadataOf(object);
    if (build.commonMetadata?.labels)
      meta['labels'] = { ...recordOf(meta['labels']), ...build.commonMetadata.labels };
    if (build.commonMetadata?.annotations) {
      meta['annotations'] = { ...recordOf(meta['annotations']), ...build.commonMetadata.annotations };
    }
    const name = typeof meta['name'] === 'string' ? meta['name'] : original.name;
    const namespace = typeof meta['namespace'] === 'string' ? meta['namespace'] : undefined;
    objects.push({
      ...original,
      name,
      ...(namespace !== undefined ? { namespace } : {}),
      object,
    });
  }
  return { objects };
}

function metadataOf(object: Record<string, unknown>): Record<string, unknown> {
  if (!isRecord(object['metadata'])) object['metadata'] = {};
  return object['metadata'] as Record<string, unknown>;
}

function recordOf(value: unknown): Record<string, unknown> {
  return isRecord(value) ? value : {};
}

function substitutionDisabled(metadata: Record<string, unknown>): boolean {
  return (
    recordOf(metadata['labels'])[SUBSTITUTE_KEY] === 'disabled' ||
    recordOf(metadata['annotations'])[SUBSTITUTE_KEY] === 'disabled'
  );
}

/** kustomize's image transformer: every `image` of a `containers`/`initContainers` list, anywhere. */
function setImages(node: unknown, image: NonNullable<KustomizeBuild['images']>[number]): void {
  if (Array.isArray(node)) {
    for (const item of node) setImages(item, image);
    return;
  }
  if (!isRecord(node)) return;
  for (const [key, value] of Object.entries(node)) {
    if ((key === 'containers' || key === 'initContainers') && Array.isArray(value)) {
      for (const container of value) {
        if (isRecord(container) && typeof container['image'] === 'string') {
          container['image'] = retag(container['image'], image);
        }
      }
    }
    setImages(value, image);
  }
}

function retag(reference: string, image: NonNullable<KustomizeBuild['images']>[number]): string {
  const ref = parseImageRef(reference);
  if (ref.name !== image.name) return reference;
  const name = image.newName ?? ref.name;
  if (image.digest) return formatImageRef({ name, digest: image.digest });
  if (image.newTag) return formatImageRef({ name, tag: image.newTag });
  return formatImageRef({ ...ref, name });
}
