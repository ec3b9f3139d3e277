// The one artifact pipeline: listed units → memory reserved → data fetched → validated, tarred, gzipped
// and hashed into a temp file → revision. `confighub-source build` and the reconciler both call it, so
// the CLI provably produces the bytes the controller publishes.
import { rm } from 'node:fs/promises';
import { formatDuration } from '../api/duration.ts';
import { buildReservation } from '../artifact/build.ts';
import { type BuildEngine, BuildLimitError, buildTarGzFile, makeRevision } from '../artifact/index.ts';
import { mib } from '../artifact/memory-budget.ts';
import type { DataCache, FetchOptions, SpaceListing, SpaceSnapshot } from '../confighub/index.ts';
import { withDeadline } from '../util/timers.ts';

export interface PipelineRequest {
  listing: SpaceListing;
  fetch: (listing: SpaceListing, options: FetchOptions) => Promise<SpaceSnapshot>;
  cache?: DataCache | undefined;
  toolchains: readonly string[];
  /** Bound on the fetch, and separately on the build (spec.timeout, or the CLI's --timeout). */
  timeoutMs: number;
  /** How the bound is named in messages: `spec.timeout` or `--timeout`. */
  timeoutName: string;
  /** A new file path to stream the artifact into. */
  target: string;
  /** Wraps the fetch for timing (the controller's fetch metric). */
  timed?: <T>(fn: () => Promise<T>) => Promise<T>;
  /**
   * Looks at the revision before it is built (the gate policy), within the memory reservation; it may
   * throw to hold the revision. `snapshot()` downloads the data once, and the build reuses it.
   */
  inspect?: (snapshot: () => Promise<SpaceSnapshot>) => Promise<void>;
}

export interface PipelineResult {
  /** The temp file holding the artifact; the caller publishes or removes it. */
  file: string;
  hex: string;
  size: number;
  revision: string;
  units: number;
  objects: number;
}

export async function fetchAndBuild(engine: BuildEngine, request: PipelineRequest): Promise<PipelineResult> {
  const { listing } = request;
  const budgetName = `${request.timeoutName} (${formatDuration(request.timeoutMs)})`;
  // Memory first: a space is only downloaded once the bytes it needs can be held.
  const release = await withDeadline(request.timeoutMs, (signal) =>
    engine.budget.acquire(
      buildReservation(listing.units.map((unit) => unit.dataSize)),
      signal,
      `space '${listing.spaceSlug}' (${listing.units.length} units)`,
    ),
  ).catch((error: unknown) => {
    if ((error as { name?: string } | undefined)?.name !== 'TimeoutError') throw error;
    throw new BuildLimitError(
      `no build memory came free within ${budgetName}: other builds hold ${mib(engine.budget.inUse)} of --build-memory-limit (${mib(engine.budget.total)})`,
    );
  });
  try {
    const fetch = () =>
      withDeadline(request.timeoutMs, (signal) => request.fetch(listing, { cache: request.cache, signal }));
    let fetched: Promise<SpaceSnapshot> | undefined;
    const fetchOnce = () => {
      fetched ??= request.timed ? request.timed(fetch) : fetch();
      return fetched;
    };
    await request.inspect?.(fetchOnce);
    const snapshot = await fetchOnce();
    const built = await withDeadline(request.timeoutMs, (signal) =>
      buildTarGzFile(engine, {
        units: snapshot.units.map((unit) => ({
          slug: unit.slug,
          toolchainType: unit.toolchainType,
          data: unit.data,
          dataHash: unit.dataHash,
        })),
        layout: { toolchains: request.toolchains },
        target: request.target,
        signal,
        budgetName,
      }),
    );
    return {
      file: request.target,
      hex: built.hex,
      size: built.size,
      revision: makeRevision(listing.refId, `sha256:${built.hex}`),
      units: snapshot.units.length,
      objects: built.objects,
    };
  } catch (error) {
    await rm(request.target, { force: true });
    throw error;
  } finally {
    release();
  }
}
