import { describe, expect, it } from 'vitest';
import type { RepositorySpec } from '../api/v1beta1.ts';
import type { ListedUnit, SpaceListing, SpaceSnapshot } from '../confighub/index.ts';
import { WaitingError } from './errors.ts';
import { checkGates, listedGateFindings, placeholderFindings } from './gates.ts';

const unit = (slug: string, extra: Partial<ListedUnit> = {}): ListedUnit => ({
  unitID: `id-${slug}`,
  slug,
  toolchainType: 'Kubernetes/YAML',
  revisionNum: 2,
  dataHash: 'h',
  dataSize: 1,
  ...extra,
});

const listing = (units: ListedUnit[], refId = 'head'): SpaceListing => ({
  spaceID: 's',
  spaceSlug: 'shop',
  refId,
  units,
  fingerprint: 'f',
});

const snapshot = (data: Record<string, string>): SpaceSnapshot => ({
  ...listing([]),
  units: Object.entries(data).map(([slug, text]) => ({ ...unit(slug), data: Buffer.from(text) })),
});

const spec = (extra: Partial<RepositorySpec> = {}) => ({ interval: '5m', ...extra }) as RepositorySpec;

describe('gate findings', () => {
  it('reports failed validation and apply gates that are still open, once each', () => {
    const findings = listedGateFindings(
      listing([
        unit('a', { validationErrors: ['vet'], applyGates: ['vet', 'pending'] }),
        unit('b', { applyGates: ['pending'] }),
        unit('c'),
      ]),
    );
    expect(findings).toEqual([
      { unit: 'a', reason: 'ValidationFailed', detail: 'vet' },
      { unit: 'a', reason: 'GatesPending', detail: 'pending' },
      { unit: 'b', reason: 'GatesPending', detail: 'pending' },
    ]);
  });

  it('names at most three placeholders per unit', () => {
    const text = Array.from({ length: 5 }, (_, i) => `k${i}: confighubplaceholder`).join('\n');
    const [finding] = placeholderFindings(snapshot({ a: text, b: 'x: 1\n' }));
    expect(finding).toEqual({
      unit: 'a',
      reason: 'UnresolvedPlaceholders',
      detail:
        'confighubplaceholder at line 1, column 5; confighubplaceholder at line 2, column 5; confighubplaceholder at line 3, column 5; and more',
    });
  });
});

describe('checkGates', () => {
  const run = (s: RepositorySpec, l: SpaceListing, data: Record<string, string>) => {
    let downloads = 0;
    const result = checkGates({
      spec: s,
      listing: l,
      hasArtifact: true,
      requeueAfterMs: () => 300_000,
      prefetch: async () => {
        downloads++;
        return snapshot(data);
      },
    });
    return { result, downloads: () => downloads };
  };

  it('holds on listed gates without downloading, with the most pressing reason', async () => {
    const { result, downloads } = run(
      spec(),
      listing([unit('a', { applyGates: ['p'] }), unit('b', { validationErrors: ['v'] })]),
      {},
    );
    const error = await result.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WaitingError);
    expect((error as WaitingError).reason).toBe('ValidationFailed');
    expect((error as WaitingError).requeueAfterMs).toBe(300_000);
    expect((error as WaitingError).message).toContain('b: ValidationFailed (v); a: GatesPending (p)');
    expect(downloads()).toBe(0);
  });

  it('names the first twenty findings and counts the rest', async () => {
    const units = Array.from({ length: 25 }, (_, i) =>
      unit(`u${String(i).padStart(2, '0')}`, { applyGates: ['p'] }),
    );
    const error = (await run(spec(), listing(units), {}).result.catch((e: unknown) => e)) as WaitingError;
    expect(error.message).toContain('u19: GatesPending (p); and 5 more.');
    expect(error.message).not.toContain('u20:');
  });

  it('checks placeholders in the data when the listing is clean', async () => {
    const { result } = run(spec(), listing([unit('a')]), { a: 'replicas: 999999999\n' });
    const error = (await result.catch((e: unknown) => e)) as WaitingError;
    expect(error.reason).toBe('UnresolvedPlaceholders');
  });

  it('returns what it ignored with gates.mode: ignore', async () => {
    const { result } = run(
      spec({ gates: { mode: 'ignore' } }),
      listing([unit('a', { validationErrors: ['v'] })]),
      {
        a: 'x: confighubplaceholder\n',
      },
    );
    expect(await result).toEqual([
      'a: ValidationFailed (v)',
      'a: UnresolvedPlaceholders (confighubplaceholder at line 1, column 4)',
    ]);
  });

  it('applies no gate to releases, and only placeholders to tags', async () => {
    const gated = unit('a', { validationErrors: ['v'] });
    const release = run(spec({ ref: { release: 'latest' } }), listing([gated], 'release-1'), {
      a: 'x: 999999999',
    });
    expect(await release.result).toEqual([]);
    expect(release.downloads()).toBe(0);
    const tag = run(spec({ ref: { tag: 'v1' } }), listing([gated], 'tag-v1'), { a: 'x: 1\n' });
    expect(await tag.result).toEqual([]);
  });
});
