import { describe, expect, it } from 'vitest';
import { mergeApplied, recordUpdate, serverSideApply } from './apply.ts';
import { thing, thingDef } from './example-thing.ts';
import { SchemaCursor } from './fieldset.ts';
import type { Json, JsonObject, KubeObject } from './types.ts';

const schema: JsonObject = {
  type: 'object',
  properties: {
    spec: {
      type: 'object',
      properties: {
        a: { type: 'string' },
        b: { type: 'string' },
        ports: {
          type: 'array',
          'x-kubernetes-list-type': 'map',
          'x-kubernetes-list-map-keys': ['name', 'protocol'],
          items: {
            type: 'object',
            properties: { name: { type: 'string' }, protocol: { type: 'string' }, port: { type: 'integer' } },
          },
        },
        hosts: { type: 'array', 'x-kubernetes-list-type': 'set', items: { type: 'string' } },
        args: { type: 'array', items: { type: 'string' } },
        selector: {
          type: 'object',
          'x-kubernetes-map-type': 'atomic',
          additionalProperties: { type: 'string' },
        },
      },
    },
  },
};
const def = thingDef(schema);
const cursor = new SchemaCursor(schema);

const apply = (live: KubeObject | undefined, applied: KubeObject, manager: string, force = false) =>
  serverSideApply({
    def,
    live,
    applied,
    manager,
    force,
    subresource: undefined,
    time: '2026-01-01T00:00:00Z',
  });

describe('merging an apply configuration', () => {
  it('merges list-maps by their keys, sets by value, and replaces atomic lists and maps', () => {
    const live: Json = {
      spec: {
        ports: [
          { name: 'http', protocol: 'TCP', port: 80 },
          { name: 'http', protocol: 'UDP', port: 81 },
        ],
        hosts: ['a', 'b'],
        args: ['x', 'y'],
        selector: { app: 'web', tier: 'front' },
      },
    };
    const applied: Json = {
      spec: {
        ports: [
          { name: 'http', protocol: 'UDP', port: 8081 },
          { name: 'dns', protocol: 'UDP', port: 53 },
        ],
        hosts: ['b', 'c'],
        args: ['z'],
        selector: { app: 'api' },
      },
    };
    expect(mergeApplied(live, applied, cursor)).toEqual({
      spec: {
        ports: [
          { name: 'http', protocol: 'TCP', port: 80 },
          { name: 'http', protocol: 'UDP', port: 8081 },
          { name: 'dns', protocol: 'UDP', port: 53 },
        ],
        hosts: ['a', 'b', 'c'],
        args: ['z'],
        selector: { app: 'api' },
      },
    });
  });
});

describe('server-side apply ownership', () => {
  it('records keyed list items and removes fields a manager stops applying', () => {
    const first = apply(
      undefined,
      thing({ a: '1', b: '2', ports: [{ name: 'http', protocol: 'TCP', port: 80 }] }),
      'm1',
    );
    expect(first.metadata.managedFields?.[0]?.fieldsV1).toEqual({
      'f:spec': {
        'f:a': {},
        'f:b': {},
        'f:ports': {
          'k:{"name":"http","protocol":"TCP"}': { '.': {}, 'f:name': {}, 'f:protocol': {}, 'f:port': {} },
        },
      },
    });
    const second = apply(first, thing({ a: '1' }), 'm1');
    expect(second['spec']).toMatchObject({ a: '1' });
    expect(second['spec']).not.toHaveProperty('b');
    expect((second['spec'] as { ports?: unknown[] }).ports ?? []).toEqual([]);
  });

  it('keeps fields another manager still owns, and shares fields applied with equal values', () => {
    const one = apply(undefined, thing({ a: '1', b: '2' }), 'm1');
    const two = apply(one, thing({ b: '2' }), 'm2');
    expect(two.metadata.managedFields?.map((m) => m.manager)).toEqual(['m1', 'm2']);
    const three = apply(two, thing({ a: '1' }), 'm1');
    expect(three['spec']).toEqual({ a: '1', b: '2' });
  });

  it('reports conflicts with other managers, and force transfers ownership', () => {
    const one = apply(undefined, thing({ a: '1' }), 'm1');
    expect(() => apply(one, thing({ a: '2' }), 'm2')).toThrow(
      expect.objectContaining({
        code: 409,
        message: 'Apply failed with 1 conflict: conflict with "m1": .spec.a',
      }),
    );
    const forced = apply(one, thing({ a: '2' }), 'm2', true);
    expect(forced['spec']).toEqual({ a: '2' });
    expect(forced.metadata.managedFields?.map((m) => m.manager)).toEqual(['m2']);
  });

  it('conflicts with fields last written by an update, naming its API version', () => {
    const created = thing({ a: '1' });
    created.metadata.managedFields = recordUpdate(def, undefined, created, 'kubectl-edit', undefined, 't');
    expect(() => apply(created, thing({ a: '2' }), 'ctrl')).toThrow(
      'conflict with "kubectl-edit" using example.com/v1: .spec.a',
    );
  });
});
