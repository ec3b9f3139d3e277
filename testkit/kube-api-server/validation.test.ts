import { describe, expect, it } from 'vitest';
import type { ApiError } from './errors.ts';
import { thing as exampleThing, thingDef } from './example-thing.ts';
import type { JsonObject, KubeObject } from './types.ts';
import { admitObject, fieldPath } from './validation.ts';

const schema: JsonObject = {
  type: 'object',
  properties: {
    apiVersion: { type: 'string' },
    kind: { type: 'string' },
    metadata: { type: 'object' },
    spec: {
      type: 'object',
      required: ['name'],
      properties: {
        name: { type: 'string', minLength: 2, maxLength: 5 },
        port: { 'x-kubernetes-int-or-string': true },
        replicas: { type: 'integer', format: 'int64', minimum: 0, maximum: 10, default: 1 },
        mode: { type: 'string', enum: ['a', 'b'] },
        when: { type: 'string', format: 'date-time' },
        note: { type: 'string', nullable: true },
        tags: { type: 'array', maxItems: 2, items: { type: 'string' } },
        nested: { type: 'object', default: {}, properties: { flag: { type: 'boolean', default: false } } },
        free: {
          type: 'object',
          'x-kubernetes-preserve-unknown-fields': true,
          properties: { known: { type: 'string' } },
        },
        labels: { type: 'object', additionalProperties: { type: 'string' } },
        embedded: { type: 'object', 'x-kubernetes-embedded-resource': true, properties: {} },
      },
    },
  },
};
const def = thingDef(schema);
const thing = (spec: Record<string, unknown>): KubeObject => exampleThing(spec, { labels: { keep: 'me' } });
const causesOf = (spec: Record<string, unknown>) => {
  try {
    admitObject(def, thing(spec));
  } catch (err) {
    return (err as ApiError).details?.causes ?? [];
  }
  return [];
};

describe('admission of custom resources', () => {
  it('applies defaults (nested ones too) and prunes unknown fields, keeping metadata intact', () => {
    const obj = thing({
      name: 'ok',
      extra: 1,
      free: { known: 'k', anything: { deep: true } },
      labels: { a: 'b' },
      embedded: { apiVersion: 'v1', kind: 'X', metadata: { name: 'e' }, junk: 1 },
    });
    admitObject(def, obj);
    expect(obj.metadata).toEqual({ name: 't', namespace: 'ns', labels: { keep: 'me' } });
    expect(obj['spec']).toEqual({
      name: 'ok',
      replicas: 1,
      nested: { flag: false },
      free: { known: 'k', anything: { deep: true } },
      labels: { a: 'b' },
      embedded: { apiVersion: 'v1', kind: 'X', metadata: { name: 'e' } },
    });
  });

  it('reports pruned fields as warnings, or refuses them in Strict mode', () => {
    const warnings: string[] = [];
    admitObject(def, thing({ name: 'ok', bogus: 1 }), { mode: 'Warn', warnings });
    expect(warnings).toEqual(['unknown field "spec.bogus"']);
    expect(() => admitObject(def, thing({ name: 'ok', bogus: 1 }), { mode: 'Strict' })).toThrow(
      'Thing in version "v1" cannot be handled as a Thing: strict decoding error: unknown field "spec.bogus"',
    );
  });

  it('accepts int-or-string, nullable and int64 values', () => {
    expect(causesOf({ name: 'ok', port: 80 })).toEqual([]);
    expect(causesOf({ name: 'ok', port: 'http', note: null, replicas: 10 })).toEqual([]);
    expect(causesOf({ name: 'ok', port: true }).map((c) => c.field)).toContain('spec.port');
  });

  it('words each cause like the API server', () => {
    const causes = causesOf({
      name: 'x',
      replicas: 11,
      mode: 'c',
      when: 'yesterday',
      tags: ['a', 'b', 'c'],
      nested: { flag: 'yes' },
    });
    expect(causes).toEqual(
      expect.arrayContaining([
        {
          reason: 'FieldValueInvalid',
          field: 'spec.name',
          message: 'Invalid value: "x": spec.name in body should be at least 2 chars long',
        },
        {
          reason: 'FieldValueInvalid',
          field: 'spec.replicas',
          message: 'Invalid value: 11: spec.replicas in body should be less than or equal to 10',
        },
        {
          reason: 'FieldValueNotSupported',
          field: 'spec.mode',
          message: 'Unsupported value: "c": supported values: "a", "b"',
        },
        {
          reason: 'FieldValueInvalid',
          field: 'spec.when',
          message: 'Invalid value: "yesterday": spec.when in body must be of type date-time: "yesterday"',
        },
        {
          reason: 'FieldValueTooMany',
          field: 'spec.tags',
          message: 'Too many: 3: must have at most 2 items',
        },
        {
          reason: 'FieldValueTypeInvalid',
          field: 'spec.nested.flag',
          message: 'Invalid value: "yes": spec.nested.flag in body must be of type boolean: "string"',
        },
      ]),
    );
    expect(causesOf({})).toEqual([
      { reason: 'FieldValueRequired', field: 'spec.name', message: 'Required value' },
    ]);
  });

  it('renders JSON pointers as field paths', () => {
    expect(fieldPath('/status/conditions/0/type')).toBe('status.conditions[0].type');
    expect(fieldPath('/metadata/annotations/a~1b')).toBe('metadata.annotations.a/b');
    expect(fieldPath('/spec', 'interval')).toBe('spec.interval');
  });
});
