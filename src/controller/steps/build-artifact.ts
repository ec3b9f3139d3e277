// A new upstream revision, or a stored file that is missing or corrupt: the gate policy looks at the
// revision, then the units are downloaded, validated and packed into a new artifact file. Identical
// content keeps the published artifact as it is (only the revision moves).
import { ConditionType, Reason } from '../../api/conditions.ts';
import type { Artifact, RepositorySpec } from '../../api/v1beta1.ts';
import { toArtifact } from '../../artifact/index.ts';
import type { SpaceListing } from '../../confighub/index.ts';
import { fetchAndBuild, type PipelineRequest } from '../artifact-pipeline.ts';
import { fetchedSummary } from '../fetched-summary.ts';
import { checkGates } from '../gates.ts';
import { provenance } from '../provenance.ts';
import type { ReconcileContext, Upstream } from '../reconcile-context.ts';
import { jitter, mark, need } from '../reconcile-context.ts';
import { timed } from './fetch-timing.ts';
import { NEXT, type StepResult } from './runner.ts';

export async function buildArtifact(ctx: ReconcileContext): Promise<StepResult> {
  if (ctx.artifact !== undefined) return NEXT; // reused
  const spec = need(ctx, 'spec');
  const listing = need(ctx, 'listing');
  const stored = need(ctx, 'stored');
  const intervalMs = need(ctx, 'intervalMs');
  const { previous, status, env } = ctx;
  if (previous !== undefined && status.fetched?.fingerprint !== listing.fingerprint) {
    mark(
      ctx,
      ConditionType.ArtifactOutdated,
      'True',
      Reason.NewRevision,
      `new upstream revision of space '${listing.spaceSlug}' (${listing.refId})`,
    );
  }
  let ignoredGates: string[] = [];
  let artifact = await build(ctx, spec, listing, need(ctx, 'upstream'), async (snapshot) => {
    ignoredGates = await checkGates({
      spec,
      listing,
      hasArtifact: previous !== undefined,
      requeueAfterMs: () => jitter(env, intervalMs),
      prefetch: snapshot,
    });
  });
  if (previous !== undefined && previous.digest === artifact.digest && stored === 'ok') {
    // Same content (e.g. only a revision number moved): keep the published artifact as it is.
    artifact = { ...previous, url: artifact.url, revision: artifact.revision };
  }
  ctx.published = previous === undefined || previous.digest !== artifact.digest || stored !== 'ok';
  status.fetched = fetchedSummary(listing, ignoredGates);
  ctx.artifact = artifact;
  status.artifact = artifact;
  return NEXT;
}

async function build(
  ctx: ReconcileContext,
  spec: RepositorySpec,
  listing: SpaceListing,
  upstream: Upstream,
  inspect: PipelineRequest['inspect'],
): Promise<Artifact> {
  const { storage, metrics } = ctx.env;
  const target = await storage.tempFile(ctx.namespace, ctx.name);
  const built = await fetchAndBuild(ctx.env.build, {
    listing,
    fetch: (l, options) => upstream.client.fetch(l, options),
    cache: upstream.cache,
    toolchains: spec.toolchains,
    timeoutMs: need(ctx, 'timeoutMs'),
    timeoutName: 'spec.timeout',
    target,
    timed: (fn) => timed(metrics, 'fetch', fn),
    inspect,
  });
  const stored = await storage.commit(ctx.namespace, ctx.name, built.file, built.hex);
  metrics.artifactsBuilt.inc();
  return toArtifact(stored, built.revision, provenance(spec.url, listing));
}
