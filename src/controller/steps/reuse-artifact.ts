// Nothing changed upstream and the stored file is intact: the recorded artifact stays, with no download,
// no build and no write. Its URL is recomputed (the advertised address may have changed) and its
// provenance refreshed from the listing.
import { provenance } from '../provenance.ts';
import type { ReconcileContext } from '../reconcile-context.ts';
import { need } from '../reconcile-context.ts';
import { NEXT, type StepResult } from './runner.ts';

export async function reuseArtifact(ctx: ReconcileContext): Promise<StepResult> {
  const spec = need(ctx, 'spec');
  const listing = need(ctx, 'listing');
  const { previous } = ctx;
  if (previous === undefined || need(ctx, 'stored') !== 'ok') return NEXT;
  if (ctx.status.fetched?.fingerprint !== listing.fingerprint) return NEXT;
  const artifact = {
    ...previous,
    url: ctx.env.storage.urlFor(previous.path),
    metadata: provenance(spec.url, listing),
  };
  ctx.log.debug({ revision: artifact.revision }, 'artifact up-to-date with upstream');
  ctx.artifact = artifact;
  ctx.published = false;
  ctx.status.artifact = artifact;
  return NEXT;
}
