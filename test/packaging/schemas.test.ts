// The offline validators the packaging tests rely on must themselves catch what they claim to.
import { describe, expect, it } from 'vitest';
import type { KubeObject } from './support/objects.ts';
import { validateObject } from './support/schemas.ts';

const deployment = (podSpec: Record<string, unknown>): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'd', namespace: 'n' },
  spec: {
    selector: { matchLabels: { app: 'd' } },
    template: {
      metadata: { labels: { app: 'd' } },
      spec: { containers: [{ name: 'c', image: 'i' }], ...podSpec },
    },
  },
});

describe('offline manifest validation', () => {
  it('accepts a valid object and rejects wrong types', () => {
    expect(
      validateObject(deployment({ securityContext: { seccompProfile: { type: 'RuntimeDefault' } } })),
    ).toBe('schema');
    expect(() => validateObject(deployment({ terminationGracePeriodSeconds: 'ten' }))).toThrow(
      /must be integer/,
    );
  });

  it('rejects fields the API server would drop, such as a misplaced seccompProfile', () => {
    expect(() => validateObject(deployment({ seccompProfile: { type: 'RuntimeDefault' } }))).toThrow(
      /would drop: \.spec\.template\.spec\.seccompProfile/,
    );
    expect(() =>
      validateObject({
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRole',
        metadata: { name: 'r' },
        rules: [{ apiGroups: [''], resources: ['secrets'], verbs: ['get'], resourceName: ['x'] }],
      }),
    ).toThrow(/\.rules\[0\]\.resourceName/);
  });

  it('closes custom resources against unknown fields, as structural schemas prune them', () => {
    const repository = (spec: Record<string, unknown>): KubeObject => ({
      apiVersion: 'source.confighub.com/v1beta1',
      kind: 'ConfigHubRepository',
      metadata: { name: 'r', namespace: 'n' },
      spec: { interval: '5m', space: 's', secretRef: { name: 't' }, ...spec },
    });
    expect(validateObject(repository({}))).toBe('schema');
    expect(() => validateObject(repository({ intervall: '1m' }))).toThrow(/additional properties/);
    expect(() => validateObject(repository({ interval: '5 minutes' }))).toThrow(/pattern/);
  });

  it('refuses kinds it knows nothing about', () => {
    expect(() =>
      validateObject({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } }),
    ).toThrow(/unknown apiVersion\/kind/);
  });
});
