// Custom resource validation against the CRD's openAPIV3Schema, reported like kube-apiserver.

import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import ajvFormats from 'ajv-formats';
import { badRequest, invalid, type StatusCause } from './errors.ts';
import { pruneAndDefault, toJsonSchema } from './schema.ts';
import type { Json, KubeObject, ResourceDef } from './types.ts';

const ajv = new Ajv({ allErrors: true, strict: false, verbose: true, logger: false });
// ajv-formats is CommonJS: its plugin is the module's `default` export.
ajvFormats.default(ajv, ['date-time', 'date', 'email', 'hostname', 'ipv4', 'ipv6', 'uuid', 'uri']);

/** Compiled validators, keyed by the schema object itself (one per CRD version). */
const compiled = new WeakMap<object, ValidateFunction>();

const validatorFor = (schema: object): ValidateFunction => {
  let fn = compiled.get(schema);
  if (!fn) {
    fn = ajv.compile(toJsonSchema(schema as Json) as object);
    compiled.set(schema, fn);
  }
  return fn;
};

/** `/spec/toolchains/0` → `spec.toolchains[0]`, the field path style of apimachinery. */
export const fieldPath = (pointer: string, child?: string): string => {
  const parts = pointer
    .split('/')
    .slice(1)
    .map((p) => p.replaceAll('~1', '/').replaceAll('~0', '~'));
  if (child !== undefined) parts.push(child);
  let out = '';
  for (const part of parts) {
    if (/^\d+$/.test(part)) out += `[${part}]`;
    else out += out === '' ? part : `.${part}`;
  }
  return out;
};

const render = (value: unknown): string => {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'object') return `"${Array.isArray(value) ? 'array' : 'object'}"`;
  return JSON.stringify(value);
};

const jsonType = (value: unknown): string =>
  value === null
    ? 'null'
    : Array.isArray(value)
      ? 'array'
      : typeof value === 'number'
        ? 'number'
        : typeof value;

const toCause = (e: ErrorObject): StatusCause | undefined => {
  const field = fieldPath(e.instancePath);
  const value = render(e.data);
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'required':
      return {
        reason: 'FieldValueRequired',
        message: 'Required value',
        field: fieldPath(e.instancePath, String(p['missingProperty'])),
      };
    case 'enum': {
      const allowed = (p['allowedValues'] as unknown[]).map((v) => JSON.stringify(v)).join(', ');
      return {
        reason: 'FieldValueNotSupported',
        message: `Unsupported value: ${value}: supported values: ${allowed}`,
        field,
      };
    }
    case 'type':
      return {
        reason: 'FieldValueTypeInvalid',
        message: `Invalid value: ${value}: ${field} in body must be of type ${String(p['type'])}: "${jsonType(e.data)}"`,
        field,
      };
    case 'pattern':
      return {
        reason: 'FieldValueInvalid',
        message: `Invalid value: ${value}: ${field} in body should match '${String(p['pattern'])}'`,
        field,
      };
    case 'format':
      return {
        reason: 'FieldValueInvalid',
        message: `Invalid value: ${value}: ${field} in body must be of type ${String(p['format'])}: ${value}`,
        field,
      };
    case 'minLength':
      return {
        reason: 'FieldValueInvalid',
        message: `Invalid value: ${value}: ${field} in body should be at least ${String(p['limit'])} chars long`,
        field,
      };
    case 'maxLength':
      return {
        reason: 'FieldValueTooLong',
        message: `Too long: may not be more than ${String(p['limit'])} bytes`,
        field,
      };
    case 'minimum':
    case 'exclusiveMinimum':
      return {
        reason: 'FieldValueInvalid',
        message: `Invalid value: ${value}: ${field} in body should be greater than or equal to ${String(p['limit'])}`,
        field,
      };
    case 'maximum':
    case 'exclusiveMaximum':
      return {
        reason: 'FieldValueInvalid',
        message: `Invalid value: ${value}: ${field} in body should be less than or equal to ${String(p['limit'])}`,
        field,
      };
    case 'minItems':
      return {
        reason: 'FieldValueInvalid',
        message: `Invalid value: ${(e.data as unknown[]).length}: ${field} in body should have at least ${String(p['limit'])} items`,
        field,
      };
    case 'maxItems':
      return {
        reason: 'FieldValueTooMany',
        message: `Too many: ${(e.data as unknown[]).length}: must have at most ${String(p['limit'])} items`,
        field,
      };
    case 'anyOf':
    case 'oneOf':
      // The branch errors already describe the problem.
      return undefined;
    default:
      return {
        reason: 'FieldValueInvalid',
        message: `Invalid value: ${value}: ${e.message ?? e.keyword}`,
        field,
      };
  }
};

/** `fieldValidation`: Strict refuses unknown fields, Warn (the default) reports them, Ignore drops them. */
export interface FieldValidation {
  mode?: 'Strict' | 'Warn' | 'Ignore';
  warnings?: string[];
}

/**
 * Prunes unknown fields, applies defaults and validates `obj` in place; throws 422 Invalid with one
 * cause per field error. Kinds without a schema are stored as given.
 */
export const admitObject = (def: ResourceDef, obj: KubeObject, fields: FieldValidation = {}): void => {
  if (!def.schema) return;
  const pruned: string[] = [];
  pruneAndDefault(obj as unknown as Json, def.schema, true, pruned);
  if (pruned.length && fields.mode === 'Strict') {
    throw badRequest(
      `${def.kind} in version "${def.version}" cannot be handled as a ${def.kind}: strict decoding error: ${pruned.map((p) => `unknown field "${p}"`).join(', ')}`,
    );
  }
  if (fields.mode !== 'Ignore') fields.warnings?.push(...pruned.map((p) => `unknown field "${p}"`));
  const validate = validatorFor(def.schema);
  if (validate(obj as unknown)) return;
  const causes: StatusCause[] = [];
  const seen = new Set<string>();
  for (const e of validate.errors ?? []) {
    const cause = toCause(e);
    if (!cause) continue;
    const key = `${cause.field}|${cause.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    causes.push(cause);
  }
  throw invalid(def.kind, def.group, obj.metadata.name ?? '', causes);
};

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** ObjectMeta name rules: DNS-1123 labels for namespaces, subdomains for everything else. */
export const validateName = (def: ResourceDef, name: string): StatusCause | undefined => {
  if (def.kind === 'Namespace' && def.group === '') {
    if (name.length <= 63 && DNS_LABEL.test(name)) return undefined;
    return {
      reason: 'FieldValueInvalid',
      field: 'metadata.name',
      message: `Invalid value: "${name}": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')`,
    };
  }
  if (name.length <= 253 && DNS_SUBDOMAIN.test(name)) return undefined;
  return {
    reason: 'FieldValueInvalid',
    field: 'metadata.name',
    message: `Invalid value: "${name}": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`,
  };
};
