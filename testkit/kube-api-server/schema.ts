// Structural-schema walks the API server performs before validation: pruning and defaulting.

import type { Json, JsonObject } from './types.ts';

type Schema = JsonObject;

const isObject = (v: unknown): v is JsonObject => v !== null && typeof v === 'object' && !Array.isArray(v);
const sub = (schema: Schema, key: string): Schema | undefined => {
  const v = schema[key];
  return isObject(v) ? v : undefined;
};

/** Top-level fields every object keeps whatever its schema says. */
const ROOT_FIELDS = ['apiVersion', 'kind', 'metadata'];

/**
 * Drops fields the schema does not declare (unless `x-kubernetes-preserve-unknown-fields`), then
 * applies `default`s of missing properties, recursively, in place. Paths of dropped fields are
 * appended to `pruned`. Returns the value for chaining.
 */
export const pruneAndDefault = (
  value: Json,
  schema: Schema,
  root = false,
  pruned: string[] = [],
  path = '',
): Json => {
  if (Array.isArray(value)) {
    const items = sub(schema, 'items');
    if (items) {
      for (let i = 0; i < value.length; i++)
        value[i] = pruneAndDefault(value[i]!, items, false, pruned, `${path}[${i}]`);
    }
    return value;
  }
  if (!isObject(value)) return value;
  const properties = sub(schema, 'properties');
  const additional = sub(schema, 'additionalProperties');
  const preserve = schema['x-kubernetes-preserve-unknown-fields'] === true;
  const embedded = schema['x-kubernetes-embedded-resource'] === true;
  for (const key of Object.keys(value)) {
    // ObjectMeta is governed by the server's own rules, whatever the schema says about it.
    if ((root || embedded) && ROOT_FIELDS.includes(key)) continue;
    const propSchema = properties ? sub(properties, key) : additional;
    const childPath = path ? `${path}.${key}` : key;
    if (propSchema) {
      value[key] = pruneAndDefault(value[key]!, propSchema, false, pruned, childPath);
    } else if (!preserve) {
      pruned.push(childPath);
      delete value[key];
    }
  }
  if (properties) {
    for (const [key, propSchema] of Object.entries(properties)) {
      if (!isObject(propSchema) || !('default' in propSchema)) continue;
      const current = value[key];
      if (current === undefined || (current === null && propSchema['nullable'] !== true)) {
        value[key] = pruneAndDefault(structuredClone(propSchema['default']!), propSchema);
      }
    }
  }
  return value;
};

/** Formats the real server checks; any other `format` is accepted as documentation only. */
const CHECKED_FORMATS = new Set(['date-time', 'date', 'email', 'hostname', 'ipv4', 'ipv6', 'uuid', 'uri']);

/** Rewrites an OpenAPI v3 structural schema into JSON Schema that ajv validates as kube does. */
export const toJsonSchema = (schema: Json, root = true): Json => {
  if (Array.isArray(schema)) return schema.map((s) => toJsonSchema(s, false));
  if (!isObject(schema)) return schema;
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key.startsWith('x-kubernetes-') || key === 'description' || key === 'default' || key === 'example') {
      continue;
    }
    if (key === 'format' && (typeof value !== 'string' || !CHECKED_FORMATS.has(value))) continue;
    if (key === 'nullable') continue;
    if (key === 'properties' && isObject(value)) {
      const props: JsonObject = {};
      for (const [name, propSchema] of Object.entries(value)) {
        // metadata is validated by the server's own ObjectMeta rules, not by the CRD schema.
        props[name] = root && name === 'metadata' ? { type: 'object' } : toJsonSchema(propSchema, false);
      }
      out[key] = props;
      continue;
    }
    out[key] = key === 'enum' ? value : toJsonSchema(value, false);
  }
  if (schema['x-kubernetes-int-or-string'] === true) {
    out['anyOf'] = [{ type: 'integer' }, { type: 'string' }];
  }
  if (schema['nullable'] === true && typeof out['type'] === 'string') {
    out['type'] = [out['type'], 'null'];
  }
  return out;
};
