import { describe, expect, it } from 'vitest';
import { type ListedUnit, listingFingerprint, normalizeServer } from './client.ts';
import { ConfigHubError } from './errors.ts';

describe('normalizeServer', () => {
  it.each([
    ['https://hub.confighub.com', 'https://hub.confighub.com'],
    ['https://hub.confighub.com/', 'https://hub.confighub.com'],
    ['https://hub.confighub.com/api', 'https://hub.confighub.com'],
    ['http://127.0.0.1:8080/prefix/api/', 'http://127.0.0.1:8080/prefix'],
  ])('%s → %s', (input, expected) => {
    expect(normalizeServer(input)).toBe(expected);
  });

  it.each(['hub.confighub.com', 'ftp://hub', 'https://user:pw@hub', 'https://hub/?x=1', 'https://hub/#f'])(
    'rejects %s',
    (input) => {
      expect(() => normalizeServer(input)).toThrow(ConfigHubError);
    },
  );

  it('does not echo URL credentials', () => {
    expect(() => normalizeServer('https://user:hunter22@hub')).toThrow(/must not carry credentials/);
    try {
      normalizeServer('https://user:hunter22@hub');
    } catch (error) {
      expect((error as Error).message).not.toContain('hunter22');
    }
  });
});

describe('listingFingerprint', () => {
  const a: ListedUnit = {
    unitID: '00000000-0000-4000-8000-000000000001',
    slug: 'a',
    toolchainType: 'Kubernetes/YAML',
    revisionNum: 3,
    dataHash: '1'.repeat(64),
    dataSize: 10,
  };
  const b: ListedUnit = {
    ...a,
    unitID: '00000000-0000-4000-8000-000000000002',
    slug: 'b',
    dataHash: '2'.repeat(64),
  };

  it('ignores input order and fields outside the identity', () => {
    expect(listingFingerprint('head', [a, b])).toBe(
      listingFingerprint('head', [b, { ...a, labels: { x: 'y' } }]),
    );
    expect(listingFingerprint('head', [a, b])).toMatch(/^[0-9a-f]{64}$/);
  });

  it('changes with the ref, a revision, a hash or a slug', () => {
    const base = listingFingerprint('head', [a, b]);
    expect(listingFingerprint('tag-x', [a, b])).not.toBe(base);
    expect(listingFingerprint('head', [{ ...a, revisionNum: 4 }, b])).not.toBe(base);
    expect(listingFingerprint('head', [{ ...a, dataHash: '3'.repeat(64) }, b])).not.toBe(base);
    expect(listingFingerprint('head', [{ ...a, slug: 'c' }, b])).not.toBe(base);
    expect(listingFingerprint('head', [a])).not.toBe(base);
  });
});
