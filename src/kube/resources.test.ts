import { describe, expect, it } from 'vitest';
import { apiVersionOf, groupVersionPath, parseApiVersion, resourcePath, resources } from './resources.ts';

describe('group versions', () => {
  it('splits an apiVersion, the core group being empty', () => {
    expect(parseApiVersion('apps/v1')).toEqual({ group: 'apps', version: 'v1' });
    expect(parseApiVersion('v1')).toEqual({ group: '', version: 'v1' });
    expect(parseApiVersion('kustomize.toolkit.fluxcd.io/v1')).toEqual({
      group: 'kustomize.toolkit.fluxcd.io',
      version: 'v1',
    });
  });

  it('joins it back and names its REST root', () => {
    for (const apiVersion of ['v1', 'apps/v1', 'source.toolkit.fluxcd.io/v1']) {
      expect(apiVersionOf(parseApiVersion(apiVersion))).toBe(apiVersion);
    }
    expect(groupVersionPath(parseApiVersion('v1'))).toBe('/api/v1');
    expect(groupVersionPath(parseApiVersion('apps/v1'))).toBe('/apis/apps/v1');
  });

  it('builds resource paths on that root', () => {
    expect(resourcePath(resources.secret, 'ns', 'a b')).toBe('/api/v1/namespaces/ns/secrets/a%20b');
    expect(resourcePath(resources.lease, 'ns')).toBe('/apis/coordination.k8s.io/v1/namespaces/ns/leases');
  });
});
