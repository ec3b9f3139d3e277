import { describe, expect, it } from 'vitest';
import { evaluate } from './jsonpath.ts';

const obj = {
  metadata: { name: 'x', creationTimestamp: '2026-01-01T00:00:00Z' },
  status: {
    conditions: [
      { type: 'Reconciling', status: 'True' },
      { type: 'Ready', status: 'False', message: 'failed' },
    ],
  },
};

describe('printer-column JSONPath', () => {
  it('walks fields, indexes, wildcards and equality filters', () => {
    expect(evaluate('.metadata.name', obj)).toEqual(['x']);
    expect(evaluate('{.metadata.name}', obj)).toEqual(['x']);
    expect(evaluate('.status.conditions[?(@.type=="Ready")].message', obj)).toEqual(['failed']);
    expect(evaluate(".status.conditions[?(@.type!='Ready')].type", obj)).toEqual(['Reconciling']);
    expect(evaluate('.status.conditions[0].type', obj)).toEqual(['Reconciling']);
    expect(evaluate('.status.conditions[-1].type', obj)).toEqual(['Ready']);
    expect(evaluate('.status.conditions[*].status', obj)).toEqual(['True', 'False']);
    expect(evaluate(".metadata['name']", obj)).toEqual(['x']);
  });
  it('selects nothing for missing paths', () => {
    expect(evaluate('.spec.url', obj)).toEqual([]);
    expect(evaluate('.status.conditions[?(@.type=="Stalled")].status', obj)).toEqual([]);
  });
  it('rejects expressions outside the supported subset', () => {
    expect(() => evaluate('.status..type', obj)).toThrow('unsupported JSONPath');
  });
});
