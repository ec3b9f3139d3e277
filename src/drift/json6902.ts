// Kustomization `patches` whose body is an RFC 6902 operation list, as kustomize applies them: to every
// object the target selects (group/version/kind exactly, name and namespace as anchored regular
// expressions), before the namespace transformer runs. Strategic-merge bodies and label/annotation
// selectors are not reproduced: the caller reports the consumer instead.
import fastJsonPatch from 'fast-json-patch';
import { parse } from 'yaml';
import { parseApiVersion } from '../kube/resources.ts';
import { isRecord } from '../util/is-record.ts';
import type { DesiredObject } from './desired.ts';

interface Target {
  group?: string;
  version?: string;
  kind?: string;
  name?: string;
  namespace?: string;
}

export interface JsonPatchRule {
  operations: fastJsonPatch.Operation[];
  target: Target;
}

/** The rules, or undefined when any patch is not a targeted RFC 6902 list this module reproduces. */
export function jsonPatchRules(patches: readonly unknown[]): JsonPatchRule[] | undefined {
  const rules: JsonPatchRule[] = [];
  for (const entry of patches) {
    if (!isRecord(entry) || typeof entry['patch'] !== 'string' || !isRecord(entry['target']))
      return undefined;
    const target = entry['target'];
    if (target['labelSelector'] !== undefined || target['annotationSelector'] !== undefined) return undefined;
    let body: unknown;
    try {
      body = parse(entry['patch']);
    } catch {
      return undefined;
    }
    if (!Array.isArray(body) || !body.every((op) => isRecord(op) && typeof op['op'] === 'string')) {
      return undefined;
    }
    const strings = Object.fromEntries(
      ['group', 'version', 'kind', 'name', 'namespace']
        .filter((k) => typeof target[k] === 'string' && target[k] !== '')
        .map((k) => [k, target[k] as string]),
    );
    rules.push({ operations: body as fastJsonPatch.Operation[], target: strings });
  }
  return rules;
}

export function selects(target: Target, object: DesiredObject): boolean {
  const { group, version } = parseApiVersion(object.apiVersion);
  if (target.group !== undefined && target.group !== group) return false;
  if (target.version !== undefined && target.version !== version) return false;
  if (target.kind !== undefined && target.kind !== object.kind) return false;
  if (target.name !== undefined && !new RegExp(`^(?:${target.name})$`).test(object.name)) return false;
  if (
    target.namespace !== undefined &&
    !new RegExp(`^(?:${target.namespace})$`).test(object.namespace ?? '')
  ) {
    return false;
  }
  return true;
}

/** @throws when an operation does not apply (kustomize fails the build the same way). */
export function applyRules(
  object: Record<string, unknown>,
  original: DesiredObject,
  rules: readonly JsonPatchRule[],
): Record<string, unknown> {
  let out = object;
  for (const rule of rules) {
    if (!selects(rule.target, original)) continue;
    out = fastJsonPatch.applyPatch(out, structuredClone(rule.operations), true, false).newDocument;
  }
  return out;
}
