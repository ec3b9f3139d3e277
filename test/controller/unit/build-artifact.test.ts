// build: the gate policy, the pipeline and what is recorded. The real pipeline runs (one validation
// worker, a storage in a temp directory); only ConfigHub is a fake.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type BuildEngine,
  createBuildEngine,
  InvalidUnitError,
  Storage,
} from '../../../src/artifact/index.ts';
import type { ListedUnit } from '../../../src/confighub/index.ts';
import { WaitingError } from '../../../src/controller/errors.ts';
import type { ReconcileContext } from '../../../src/controller/reconcile-context.ts';
import { buildArtifact } from '../../../src/controller/steps/build-artifact.ts';
import { NEXT } from '../../../src/controller/steps/runner.ts';
import { validateSpec } from '../../../src/controller/steps/validate-spec.ts';
import {
  artifact,
  conditionsOf,
  fakeClient,
  fakes,
  listing,
  NOW,
  reconcileContext,
  repository,
  spec,
  stored,
  trueCondition,
  unit,
} from './fakes.ts';

let engine: BuildEngine;
let root: string;
let storage: Storage;
beforeAll(async () => {
  engine = createBuildEngine({ memoryLimitBytes: 64 * 2 ** 20, workers: 1 });
  root = await mkdtemp(join(tmpdir(), 'build-step-'));
  storage = new Storage({ root, advertisedAddress: 'storage.test', now: () => NOW });
  await storage.init();
});
afterAll(async () => {
  await engine.close();
  await rm(root, { recursive: true, force: true });
});

const fetchedOf = (fingerprint: string) => ({ spaceID: 'space-id', ref: 'head', unitCount: 1, fingerprint });
const ready = stored('Ready', 'True', 'Succeeded', 'stored artifact');

async function prepared(options: {
  units?: ListedUnit[];
  fingerprint?: string;
  data?: Record<string, string>;
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
  findings?: Partial<ReconcileContext>;
}) {
  const f = fakes({ storage, build: engine });
  const client = fakeClient({ ...(options.data ? { data: options.data } : {}) });
  const object = repository({ spec: options.spec ?? spec(), status: options.status ?? {} });
  const ctx = reconcileContext(f, object, {
    upstream: { client, cache: f.upstream.get('', '', 0, { version: '' } as never).cache },
    listing: listing(options.units ?? [unit('web')], options.fingerprint ?? 'fp-1'),
    stored: 'missing',
    ...options.findings,
  });
  await validateSpec(ctx);
  return { f, ctx };
}

describe('build', () => {
  it('builds and records the first artifact', async () => {
    const { f, ctx } = await prepared({ units: [unit('web'), unit('db')] });

    expect(await buildArtifact(ctx)).toEqual(NEXT);

    expect(ctx.artifact).toMatchObject({
      path: expect.stringMatching(/^confighubrepository\/team-a\/shop\/[a-f0-9]{64}\.tar\.gz$/),
      url: expect.stringMatching(/^http:\/\/storage\.test\/confighubrepository\//),
      revision: expect.stringMatching(/^head@sha256:[a-f0-9]{64}$/),
      lastUpdateTime: '2026-05-01T10:00:00Z',
    });
    expect(ctx.status.artifact).toEqual(ctx.artifact);
    expect(ctx.published).toBe(true);
    expect(ctx.status.fetched).toMatchObject({
      spaceSlug: 'shop-prod',
      ref: 'head',
      fingerprint: 'fp-1',
      unitCount: 2,
    });
    expect(conditionsOf(ctx.status)).toEqual([]);
    expect((await f.metrics.artifactsBuilt.get()).values[0]?.value).toBe(1);
  });

  const cases = [
    {
      name: 'a new upstream revision with new content: ArtifactOutdated, published',
      previousSameContent: false,
      stored: 'ok' as const,
      wantPublished: true,
    },
    {
      name: 'a new upstream revision with the same content: the published artifact stays, revision moves',
      previousSameContent: true,
      stored: 'ok' as const,
      wantPublished: false,
    },
    {
      name: 'the same content whose file had gone: published again',
      previousSameContent: true,
      stored: 'missing' as const,
      wantPublished: true,
    },
  ];
  it.each(cases)('$name', async (tt) => {
    // What the last reconcile built, under the fingerprint it saw.
    const first = await prepared({});
    await buildArtifact(first.ctx);
    const built = first.ctx.artifact!;
    const previous = tt.previousSameContent
      ? { ...built, lastUpdateTime: '2026-01-01T00:00:00Z' }
      : artifact();

    const { ctx } = await prepared({
      fingerprint: 'fp-2',
      status: { artifact: previous, fetched: fetchedOf('fp-1'), conditions: [ready] },
      findings: { previous, stored: tt.stored },
    });
    expect(await buildArtifact(ctx)).toEqual(NEXT);

    expect(conditionsOf(ctx.status)).toEqual([
      trueCondition('Ready', 'Succeeded', 'stored artifact'),
      trueCondition('ArtifactOutdated', 'NewRevision', "new upstream revision of space 'shop-prod' (head)"),
    ]);
    expect(ctx.published).toBe(tt.wantPublished);
    expect(ctx.status.fetched?.fingerprint).toBe('fp-2');
    if (tt.previousSameContent && tt.stored === 'ok') {
      expect(ctx.artifact).toEqual({ ...previous, url: built.url, revision: built.revision });
    } else {
      expect(ctx.artifact?.digest).toBe(built.digest);
    }
  });

  it.each([
    {
      name: 'holds a revision ConfigHub would not release, checked again after the interval',
      gates: undefined,
      wantHeld: true,
    },
    {
      name: 'with gates.mode: ignore publishes it and says what was ignored',
      gates: { mode: 'ignore' },
      wantHeld: false,
    },
  ])('$name', async (tt) => {
    const { f, ctx } = await prepared({
      units: [unit('web', 1, { validationErrors: ['vet-schemas'] })],
      spec: spec({ interval: '10m', ...(tt.gates ? { gates: tt.gates } : {}) }),
    });
    const result = await buildArtifact(ctx).catch((e: unknown) => e);
    if (tt.wantHeld) {
      expect(result).toBeInstanceOf(WaitingError);
      // random() is 0.5: the middle of the jitter range, exactly the interval.
      expect(result).toMatchObject({ reason: 'ValidationFailed', requeueAfterMs: 600_000 });
      expect((result as Error).message).toContain('web: ValidationFailed (vet-schemas)');
      expect(ctx.artifact).toBeUndefined();
      expect((await f.metrics.artifactsBuilt.get()).values[0]?.value ?? 0).toBe(0);
    } else {
      expect(result).toEqual(NEXT);
      expect(ctx.status.fetched?.ignoredGates).toEqual(['web: ValidationFailed (vet-schemas)']);
    }
  });

  it('a unit that is not Kubernetes YAML fails the step with the pipeline error, nothing stored', async () => {
    // A data hash of its own: validation results are cached by data hash.
    const { ctx } = await prepared({ units: [unit('web', 9)], data: { web: 'kind: [' } });
    await expect(buildArtifact(ctx)).rejects.toBeInstanceOf(InvalidUnitError);
    expect(ctx.artifact).toBeUndefined();
    expect(ctx.status.artifact).toBeUndefined();
  });

  it('does nothing when the artifact was reused', async () => {
    const reused = artifact();
    const { f, ctx } = await prepared({ findings: { artifact: reused, published: false } });
    expect(await buildArtifact(ctx)).toEqual(NEXT);
    expect(ctx.artifact).toBe(reused);
    expect((await f.metrics.artifactsBuilt.get()).values[0]?.value ?? 0).toBe(0);
  });
});
