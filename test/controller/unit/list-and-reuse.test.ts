// list, guardEmptySelection and reuse: the cheap poll and what it decides.
import { describe, expect, it } from 'vitest';
import { UpstreamUnavailableError } from '../../../src/confighub/index.ts';
import { TransientError } from '../../../src/controller/errors.ts';
import type { ReconcileContext } from '../../../src/controller/reconcile-context.ts';
import { guardEmptySelection } from '../../../src/controller/steps/guard-empty-selection.ts';
import { listUnits } from '../../../src/controller/steps/list-units.ts';
import { reuseArtifact } from '../../../src/controller/steps/reuse-artifact.ts';
import { NEXT } from '../../../src/controller/steps/runner.ts';
import { validateSpec } from '../../../src/controller/steps/validate-spec.ts';
import {
  artifact,
  fakeClient,
  fakes,
  listing,
  PATH,
  reconcileContext,
  repository,
  spec,
  unit,
} from './fakes.ts';

async function validated(object = repository(), findings: Partial<ReconcileContext> = {}) {
  const f = fakes();
  const ctx = reconcileContext(f, object, findings);
  await validateSpec(ctx);
  return { f, ctx };
}

describe('list', () => {
  it('lists the selection once and times it', async () => {
    const client = fakeClient({ listing: listing([unit('web'), unit('db')]) });
    const { f, ctx } = await validated(repository(), { upstream: { client, cache: undefined as never } });
    expect(await listUnits(ctx)).toEqual(NEXT);
    expect(ctx.listing?.units.map((u) => u.slug)).toEqual(['web', 'db']);
    expect(client.listed).toBe(1);
    const timing = (await f.metrics.fetchDuration.get()).values.find((v) => v.metricName?.endsWith('_count'));
    expect(timing).toMatchObject({ labels: { operation: 'list', result: 'success' }, value: 1 });
  });

  it('a failed listing fails the step as the client threw it, timed as an error', async () => {
    const failure = new UpstreamUnavailableError('GET /api/space: 503');
    const client = fakeClient({ listError: failure });
    const { f, ctx } = await validated(repository(), { upstream: { client, cache: undefined as never } });
    await expect(listUnits(ctx)).rejects.toBe(failure);
    const timing = (await f.metrics.fetchDuration.get()).values.find((v) => v.metricName?.endsWith('_count'));
    expect(timing).toMatchObject({ labels: { operation: 'list', result: 'error' }, value: 1 });
  });
});

describe('guardEmptySelection', () => {
  it.each([
    {
      name: 'units selected: go on',
      spec: spec(),
      status: {},
      units: [unit('web')],
      want: undefined,
    },
    {
      name: 'nothing selected, nothing published yet',
      spec: spec(),
      status: {},
      units: [],
      want:
        "no unit of space 'shop-prod' (head) matches the selection and toolchains Kubernetes/YAML: " +
        'an empty artifact would make Flux prune everything it applied, so nothing is published',
    },
    {
      name: 'nothing selected by a filter, the last artifact stays',
      spec: spec({ where: "Slug = 'nope'" }),
      status: { artifact: artifact() },
      units: [],
      want:
        "no unit of space 'shop-prod' (head) matches the selection (where: Slug = 'nope') and toolchains Kubernetes/YAML: " +
        'an empty artifact would make Flux prune everything it applied, so the last artifact stays published',
    },
  ])('$name', async (tt) => {
    const { ctx } = await validated(repository({ spec: tt.spec, status: tt.status }), {
      listing: listing(tt.units),
    });
    const result = await guardEmptySelection(ctx).catch((e: unknown) => e);
    if (tt.want === undefined) return expect(result).toEqual(NEXT);
    expect(result).toBeInstanceOf(TransientError);
    expect(result).toMatchObject({ condition: 'FetchFailed', reason: 'NoUnitsSelected', message: tt.want });
  });
});

describe('reuse', () => {
  const fetched = { spaceID: 'space-id', ref: 'head', unitCount: 1, fingerprint: 'fp-1' };
  it.each([
    { name: 'unchanged and intact: reused', stored: 'ok', fingerprint: 'fp-1', reused: true },
    { name: 'a new upstream revision: built', stored: 'ok', fingerprint: 'fp-2', reused: false },
    { name: 'the file is missing: built', stored: 'missing', fingerprint: 'fp-1', reused: false },
    { name: 'the file does not match: built', stored: 'mismatch', fingerprint: 'fp-1', reused: false },
  ] as const)('$name', async (tt) => {
    const previous = artifact({ url: 'http://old-address/x' });
    const { ctx } = await validated(repository({ status: { artifact: previous, fetched } }), {
      previous,
      stored: tt.stored,
      listing: listing([unit('web')], tt.fingerprint),
    });
    expect(await reuseArtifact(ctx)).toEqual(NEXT);
    if (!tt.reused) {
      expect(ctx.artifact).toBeUndefined();
      expect(ctx.status.artifact).toEqual(previous);
      return;
    }
    // Same file, its URL recomputed for today's address, provenance from the listing.
    const want = {
      ...previous,
      url: `http://storage.test/${PATH}`,
      metadata: {
        'org.opencontainers.image.source': 'https://hub.test/api/space/space-id',
        'org.opencontainers.image.revision': `head@sha256:${tt.fingerprint}`,
        'source.confighub.com/ref': 'head',
        'source.confighub.com/space': 'shop-prod',
      },
    };
    expect(ctx.artifact).toEqual(want);
    expect(ctx.status.artifact).toEqual(want);
    expect(ctx.published).toBe(false);
  });

  it('with no artifact recorded there is nothing to reuse', async () => {
    const { ctx } = await validated(repository(), { stored: 'missing', listing: listing() });
    expect(await reuseArtifact(ctx)).toEqual(NEXT);
    expect(ctx.artifact).toBeUndefined();
  });
});
