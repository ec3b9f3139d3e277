import { describe, expect, it } from 'vitest';
import { computeDelivery, MAX_CONSUMERS } from './compute.ts';
import { type ConsumerObject, parseConsumer } from './consumer.ts';

const REVISION = 'latest@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef';
const DIGEST = 'sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef';
const NOW = new Date('2026-03-01T00:00:00Z');

function ks(name: string, status: Record<string, unknown>, namespace = 'apps'): ConsumerObject {
  const parsed = parseConsumer('Kustomization', {
    metadata: { name, namespace, generation: 1 },
    spec: { sourceRef: { kind: 'ExternalArtifact', name: 'shop' } },
    status: { observedGeneration: 1, ...status },
  });
  if (!parsed) throw new Error('unparsable test consumer');
  return parsed;
}

const readyTrue = { type: 'Ready', status: 'True', reason: 'ReconciliationSucceeded', message: 'ok' };

describe('computeDelivery', () => {
  it('says there is no artifact yet rather than blaming consumers', () => {
    const result = computeDelivery({}, [ks('a', { conditions: [readyTrue] })], NOW);
    expect(result.conditions.find((c) => c.type === 'Delivered')).toMatchObject({
      status: 'False',
      reason: 'ArtifactFailed',
    });
  });

  it('bounds and sorts the consumer list but judges every consumer', () => {
    const consumers = Array.from({ length: MAX_CONSUMERS + 5 }, (_, i) =>
      ks(`k${String(i).padStart(3, '0')}`, { lastAppliedRevision: REVISION, conditions: [readyTrue] }),
    );
    consumers.push(ks('zzz', { lastAppliedRevision: 'old', conditions: [readyTrue] }));
    const result = computeDelivery({ artifactRevision: REVISION }, consumers.reverse(), NOW);
    expect(result.consumers).toHaveLength(MAX_CONSUMERS);
    expect(result.consumers[0]?.name).toBe('k000');
    const delivered = result.conditions.find((c) => c.type === 'Delivered');
    expect(delivered).toMatchObject({ status: 'False', reason: 'Progressing' });
    expect(delivered?.message).toContain(`${MAX_CONSUMERS + 5}/${MAX_CONSUMERS + 6} consumers`);
    expect(delivered?.message).toContain('Kustomization/apps/zzz');
  });

  it('prefers a consumer failure over plain progress in the reason', () => {
    const result = computeDelivery(
      { artifactRevision: REVISION },
      [
        ks('a', { lastAppliedRevision: 'old', conditions: [readyTrue] }),
        ks('b', {
          conditions: [{ type: 'Ready', status: 'False', reason: 'HealthCheckFailed', message: 'x' }],
        }),
      ],
      NOW,
    );
    expect(result.conditions.find((c) => c.type === 'Delivered')?.reason).toBe('HealthCheckFailed');
  });

  it('matches a HelmRelease by the attempted digest', () => {
    const hr = parseConsumer('HelmRelease', {
      metadata: { name: 'web', namespace: 'apps', generation: 1 },
      spec: { chartRef: { kind: 'ExternalArtifact', name: 'shop' } },
      status: { observedGeneration: 1, lastAttemptedRevisionDigest: DIGEST, conditions: [readyTrue] },
    });
    const result = computeDelivery({ artifactRevision: REVISION, artifactDigest: DIGEST }, [hr!], NOW);
    expect(result.conditions.find((c) => c.type === 'Delivered')?.status).toBe('True');
  });

  it('folds open items of report-only detection into Drifted', () => {
    const result = computeDelivery({ artifactRevision: REVISION }, [], NOW, {
      openItems: 2,
      message: '2 drift items',
    });
    expect(result.conditions).toEqual([
      { type: 'Drifted', status: 'True', reason: 'DriftDetected', message: '2 drift items' },
    ]);
    expect(result.remove).toEqual(['Delivered']);
  });
});
