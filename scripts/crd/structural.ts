// zod schema → Kubernetes structural OpenAPI v3 schema, for a CRD. zod's own JSON Schema export does the
// walk; this file removes what a structural schema may not hold (JSON Schema combinators, zod's
// safe-integer bounds and format patterns) and refuses what it cannot carry over without changing
// meaning, so a schema that converts is one the API server enforces as zod does.
import { z } from 'zod';

export type JsonSchema = { [key: string]: unknown };

/** Keywords a structural schema does not allow, or that would mean something else there. */
const REFUSED = [
  '$ref',
  '$defs',
  'anyOf',
  'oneOf',
  'allOf',
  'not',
  'const',
  'if',
  'then',
  'else',
  'nullable',
];

/** Written in this order (the rest alphabetically after them), so the YAML reads top-down. */
const KEY_ORDER = [
  'description',
  'type',
  'format',
  'default',
  'enum',
  'minimum',
  'maximum',
  'minLength',
  'maxLength',
  'pattern',
  'minItems',
  'maxItems',
];
const TRAILING_KEYS = ['required', 'properties', 'additionalProperties', 'items'];

/** Converts a zod schema to the structural schema the API server enforces like zod parses input. */
export function toStructural(schema: z.ZodType): JsonSchema {
  // `input`: a field with a default is optional for the writer and defaulted by the API server.
  const json = z.toJSONSchema(schema, { io: 'input', target: 'openapi-3.0' }) as JsonSchema;
  delete json['$schema'];
  return clean(json, '');
}

function clean(schema: JsonSchema, path: string): JsonSchema {
  const at = path || '<root>';
  for (const key of REFUSED) {
    if (key in schema) throw new Error(`${at}: '${key}' cannot be expressed in a structural schema`);
  }
  const out: JsonSchema = { ...schema };
  const properties = asSchemaMap(out['properties'], at);
  if (properties !== undefined) {
    if (Object.keys(properties).length === 0) delete out['properties'];
    else
      out['properties'] = Object.fromEntries(
        Object.entries(properties).map(([name, sub]) => [name, clean(sub, `${path}.${name}`)]),
      );
    // A structural schema prunes unknown fields: a zod object that keeps or refuses them would differ.
    if ('additionalProperties' in out) {
      throw new Error(`${at}: use z.object (unknown fields stripped), as the API server prunes them`);
    }
  }
  const additional = out['additionalProperties'];
  if (additional !== undefined) {
    if (typeof additional !== 'object' || additional === null || Object.keys(additional).length === 0) {
      throw new Error(`${at}: a map needs a value schema`);
    }
    out['additionalProperties'] = clean(additional as JsonSchema, `${path}.*`);
  }
  delete out['propertyNames'];
  if (out['items'] !== undefined) out['items'] = clean(out['items'] as JsonSchema, `${path}[]`);
  if (out['type'] === 'integer') {
    // zod bounds every integer to the safe range; a bound only at that range says nothing.
    if (out['minimum'] === Number.MIN_SAFE_INTEGER) delete out['minimum'];
    if (out['maximum'] === Number.MAX_SAFE_INTEGER) delete out['maximum'];
  }
  // A string format such as date-time brings zod's pattern for it; the API server checks the format.
  if (typeof out['format'] === 'string' && out['type'] === 'string') delete out['pattern'];
  if (typeof out['pattern'] === 'string') out['pattern'] = unescapeSlashes(out['pattern']);
  return ordered(out);
}

function asSchemaMap(value: unknown, at: string): Record<string, JsonSchema> | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || value === null) throw new Error(`${at}: properties must be an object`);
  return value as Record<string, JsonSchema>;
}

/** `RegExp.source` writes `/` as `\/`; the pattern as written reads better and means the same in RE2. */
function unescapeSlashes(pattern: string): string {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '\\' && pattern[i + 1] === '/') {
      out += '/';
      i++;
    } else if (c === '\\') {
      out += c + (pattern[i + 1] ?? '');
      i++;
    } else {
      out += c;
    }
  }
  return out;
}

function ordered(schema: JsonSchema): JsonSchema {
  const rank = (key: string): number => {
    const first = KEY_ORDER.indexOf(key);
    if (first >= 0) return first;
    const last = TRAILING_KEYS.indexOf(key);
    return last >= 0 ? KEY_ORDER.length + 1 + last : KEY_ORDER.length;
  };
  return Object.fromEntries(
    Object.entries(schema).sort(([a], [b]) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0)),
  );
}
