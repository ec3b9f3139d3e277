import { describe, expect, it } from 'vitest';
import { qualifiedNameErrors, validateObjectMeta } from './metadata.ts';

describe('ObjectMeta validation', () => {
  it('accepts the label, annotation and finalizer names Flux and this project use', () => {
    expect(
      validateObjectMeta({
        labels: {
          'app.kubernetes.io/managed-by': 'confighub-source-controller',
          'sharding.fluxcd.io/key': '',
          plain: 'v',
        },
        annotations: {
          'reconcile.fluxcd.io/requestedAt': '2026-01-01T00:00:00Z',
          'kubectl.kubernetes.io/last-applied-configuration': '{}',
        },
        finalizers: ['source.confighub.com/finalizer', 'foregroundDeletion'],
      }),
    ).toEqual([]);
  });

  it('rejects label values over 63 characters or with invalid characters', () => {
    const causes = validateObjectMeta({ labels: { a: 'x'.repeat(64), b: 'has space' } });
    expect(causes.map((c) => c.message)).toEqual([
      `Invalid value: "${'x'.repeat(64)}": must be no more than 63 characters`,
      expect.stringMatching(/^Invalid value: "has space": a valid label must be an empty string/),
    ]);
    expect(causes.every((c) => c.field === 'metadata.labels' && c.reason === 'FieldValueInvalid')).toBe(true);
  });

  it('rejects malformed qualified names', () => {
    expect(qualifiedNameErrors('Example.com/x')[0]).toMatch(/^prefix part a lowercase RFC 1123 subdomain/);
    expect(qualifiedNameErrors('a/b/c')[0]).toMatch(/^a qualified name must consist/);
    expect(qualifiedNameErrors('-x')[0]).toMatch(/^name part must consist/);
    expect(qualifiedNameErrors(`${'n'.repeat(64)}`)).toEqual([
      'name part must be no more than 63 characters',
    ]);
    expect(validateObjectMeta({ finalizers: ['bad finalizer'] })[0]?.field).toBe('metadata.finalizers[0]');
  });

  it('bounds the total size of annotations', () => {
    const causes = validateObjectMeta({ annotations: { big: 'x'.repeat(256 * 1024) } });
    expect(causes).toEqual([
      {
        reason: 'FieldValueTooLong',
        field: 'metadata.annotations',
        message: 'Too long: may not be more than 262144 bytes',
      },
    ]);
  });
});
