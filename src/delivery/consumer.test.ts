import { describe, expect, it } from 'vitest';
import { driftSpecSchema } from '../api/v1beta1.ts';
import { ConsumerKind, parseConsumer } from './consumer.ts';

const target = { group: 'apps', version: 'v1', kind: 'Deployment', name: 'web-.*', namespace: 'shop' };

describe('ignore rules read from consumers', () => {
  it('carry the same target fields as spec.drift.ignore, from a Kustomization and a HelmRelease', () => {
    const rule = { paths: ['/spec/replicas'], target: { ...target, labelSelector: 'newer-flux' } };
    const kustomization = parseConsumer(ConsumerKind.Kustomization, {
      metadata: { name: 'app', namespace: 'shop' },
      spec: { ignore: [rule] },
    });
    const helmRelease = parseConsumer(ConsumerKind.HelmRelease, {
      metadata: { name: 'chart', namespace: 'shop' },
      spec: { driftDetection: { ignore: [rule] } },
    });
    const ours = driftSpecSchema.parse({ mode: 'report', ignore: [rule] }).ignore?.[0];

    expect(ours).toEqual({ paths: ['/spec/replicas'], target });
    // Read leniently: a field a newer Flux adds is kept, the shared ones are the same.
    expect(kustomization?.ignore[0]).toMatchObject(ours!);
    expect(helmRelease?.ignore[0]).toMatchObject(ours!);
  });
});
