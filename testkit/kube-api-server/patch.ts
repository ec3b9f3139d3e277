// JSON Patch (RFC 6902) and JSON Merge Patch (RFC 7386) applied to a stored object.

import fastJsonPatch from 'fast-json-patch';
import { ApiError, badRequest } from './errors.ts';
import type { Json, JsonObject } from './types.ts';

const isObject = (v: unknown): v is JsonObject => v !== null && typeof v === 'object' && !Array.isArray(v);

/** RFC 7386: objects merge recursively, `null` deletes, anything else replaces. */
export const mergePatch = (target: Json | undefined, patch: Json): Json => {
  if (!isObject(patch)) return structuredClone(patch);
  const out: JsonObject = isObject(target) ? structuredClone(target) : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete out[key];
    else out[key] = mergePatch(out[key], value);
  }
  return out;
};

const OPS = new Set(['add', 'remove', 'replace', 'move', 'copy', 'test']);

/** Messages in the words of evanphx/json-patch, which kube-apiserver uses. */
const describeFailure = (op: { op: string; path: string }, name: string): string => {
  switch (name) {
    case 'TEST_OPERATION_FAILED':
      return `testing value ${op.path} failed: test failed`;
    case 'OPERATION_PATH_UNRESOLVABLE':
      return `${op.op} operation does not apply: doc is missing path: "${op.path}": missing value`;
    default:
      return `${op.op} operation does not apply: doc is missing path: "${op.path}"`;
  }
};

/** Applies RFC 6902 operations; a malformed patch is 400, a patch that does not apply is 422. */
export const jsonPatch = (target: JsonObject, patch: Json): JsonObject => {
  if (!Array.isArray(patch)) {
    throw badRequest('json: cannot unmarshal object into Go value of type jsonpatch.Patch');
  }
  for (const op of patch) {
    if (
      !isObject(op) ||
      typeof op['op'] !== 'string' ||
      !OPS.has(op['op']) ||
      typeof op['path'] !== 'string'
    ) {
      throw badRequest(`Unexpected kind: ${isObject(op) ? String(op['op']) : typeof op}`);
    }
  }
  let doc: JsonObject = structuredClone(target);
  for (const raw of patch as JsonObject[]) {
    const op = raw as unknown as fastJsonPatch.Operation;
    try {
      doc = fastJsonPatch.applyOperation(doc, op, true, true, false).newDocument as JsonObject;
    } catch (err) {
      const name = (err as { name?: string }).name ?? '';
      throw new ApiError(422, 'Invalid', describeFailure({ op: op.op, path: op.path }, name));
    }
  }
  return doc;
};
