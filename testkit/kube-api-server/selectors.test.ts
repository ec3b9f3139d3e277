import { describe, expect, it } from 'vitest';
import { parseFieldSelector, parseLabelSelector } from './selectors.ts';
import type { KubeObject } from './types.ts';

describe('label selectors', () => {
  const labels = { env: 'prod', tier: 'web', 'app.kubernetes.io/name': 'x' };
  const cases: [string, boolean][] = [
    ['', true],
    ['env=prod', true],
    ['env==prod', true],
    ['env=dev', false],
    ['env!=dev', true],
    ['missing!=x', true],
    ['env in (dev, prod)', true],
    ['env in (dev,staging)', false],
    ['env notin (dev,staging)', true],
    ['missing notin (a)', true],
    ['tier', true],
    ['!tier', false],
    ['!missing', true],
    ['app.kubernetes.io/name=x,env in (prod),!missing', true],
    ['app.kubernetes.io/name=x,env=dev', false],
  ];
  it.each(cases)('%s → %s', (selector, expected) => {
    expect(parseLabelSelector(selector)(labels)).toBe(expected);
  });

  it('refuses malformed requirements with 400', () => {
    expect(() => parseLabelSelector('env in prod')).toThrow(expect.objectContaining({ code: 400 }));
  });
});

describe('field selectors', () => {
  const obj: KubeObject = { metadata: { name: 'a', namespace: 'ns' }, type: 'Opaque' };
  it('matches metadata.name and metadata.namespace with =, == and !=', () => {
    expect(parseFieldSelector('metadata.name=a')(obj)).toBe(true);
    expect(parseFieldSelector('metadata.name==b')(obj)).toBe(false);
    expect(parseFieldSelector('metadata.name!=b,metadata.namespace=ns')(obj)).toBe(true);
  });
  it('accepts per-kind fields only when the kind indexes them', () => {
    expect(() => parseFieldSelector('type=Opaque')).toThrow('field label not supported: type');
    expect(parseFieldSelector('type=Opaque', ['type'])(obj)).toBe(true);
  });
});
