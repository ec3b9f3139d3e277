// The zod → structural schema conversion keeps what the API server can enforce and refuses what it
// would enforce differently, rather than generating a CRD that means something else.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { toStructural } from '../../scripts/crd/structural.ts';
import { anyValue, checkedBoth, int64, listMap } from '../../src/api/schema-meta.ts';

describe('toStructural', () => {
  it('keeps bounds, patterns, enums and defaults, with defaulted fields optional', () => {
    const schema = z.object({
      name: z
        .string()
        .min(1)
        .max(8)
        .regex(/^a\/b$/)
        .describe('Name.'),
      mode: z.enum(['x', 'y']).default('x').describe('Mode. Defaults to x.'),
      count: z.number().int().describe('Count.'),
      size: int64(z.number().int().min(0).optional().describe('Size.')),
      labels: z.record(z.string(), z.string()).optional().describe('Labels.'),
    });
    expect(toStructural(schema)).toEqual({
      type: 'object',
      required: ['name', 'count'],
      properties: {
        name: { description: 'Name.', type: 'string', minLength: 1, maxLength: 8, pattern: '^a/b$' },
        mode: { description: 'Mode. Defaults to x.', type: 'string', default: 'x', enum: ['x', 'y'] },
        count: { description: 'Count.', type: 'integer' },
        size: { description: 'Size.', type: 'integer', format: 'int64', minimum: 0 },
        labels: { description: 'Labels.', type: 'object', additionalProperties: { type: 'string' } },
      },
    });
  });

  it('writes description, type and bounds before the nested schemas', () => {
    const converted = toStructural(z.object({ a: z.string() }).describe('Object.'));
    expect(Object.keys(converted)).toEqual(['description', 'type', 'required', 'properties']);
  });

  it('carries CEL rules, list semantics and preserved values, and the zod checks beside them', () => {
    const even = checkedBoth(z.number().int(), [
      { rule: 'self % 2 == 0', message: 'must be even', check: (n) => n % 2 === 0 },
    ]);
    const schema = z.object({
      even,
      conditions: listMap(z.array(z.object({ type: z.string() })), ['type']).optional(),
      value: anyValue(z.unknown().optional()),
    });
    const converted = toStructural(schema) as { properties: Record<string, Record<string, unknown>> };
    expect(converted.properties['even']!['x-kubernetes-validations']).toEqual([
      { rule: 'self % 2 == 0', message: 'must be even' },
    ]);
    expect(converted.properties['conditions']).toMatchObject({
      'x-kubernetes-list-type': 'map',
      'x-kubernetes-list-map-keys': ['type'],
    });
    expect(converted.properties['value']).toEqual({ 'x-kubernetes-preserve-unknown-fields': true });
    expect(even.safeParse(3).error?.issues[0]?.message).toBe('must be even');
    expect(even.safeParse(4).success).toBe(true);
  });

  it('leaves the API server to check a date-time format instead of a JavaScript pattern', () => {
    const converted = toStructural(z.object({ at: z.iso.datetime({ offset: true }) })) as {
      properties: Record<string, unknown>;
    };
    expect(converted.properties['at']).toEqual({ type: 'string', format: 'date-time' });
  });

  it.each([
    ['a union', z.object({ a: z.union([z.string(), z.number()]) }), /anyOf/],
    ['a nullable field', z.object({ a: z.string().nullable() }), /nullable/],
    ['an object keeping unknown fields', z.object({ a: z.looseObject({ b: z.string() }) }), /z\.object/],
    ['an object refusing unknown fields', z.object({ a: z.strictObject({ b: z.string() }) }), /z\.object/],
    ['a literal number', z.object({ a: z.literal(3).or(z.literal('x')) }), /anyOf/],
  ])('refuses %s', (_name, schema, message) => {
    expect(() => toStructural(schema)).toThrow(message);
  });
});
