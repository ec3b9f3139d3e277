// A stand-in for Flux's kustomize-controller, for the local stack, the demo and the end-to-end tests.
// It plays the part we consume: Kustomizations whose sourceRef is an ExternalArtifact are fetched,
// digest-checked, untarred, built through Flux's overlay with the real kustomize, substituted, applied
// server-side as `kustomize-controller`, pruned, and given the status and events Flux writes. Every
// interval it applies again, which reverts edits to the fields it manages, as Flux does.
// It shares no code with src/drift, so each checks the other.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { KubeConfig } from '@kubernetes/client-node';
import { ANNOTATION_REQUESTED_AT, EA_KIND } from '../../src/api/constants.ts';
import { formatDuration, parseDuration } from '../../src/api/duration.ts';
import { KubeClient, type KubeObject } from '../../src/kube/client.ts';
import { isNotFound } from '../../src/kube/errors.ts';
import { resources } from '../../src/kube/resources.ts';
import { errorMessage } from '../../src/util/errors.ts';
import { ApplyError, applyAll, type ChangeSetEntry, Discovery, prune } from './apply.ts';
import { type BuildSpec, build } from './build.ts';
import { ArtifactFetchError, fetchArtifact, untar } from './fetch-artifact.ts';
import { BuildError } from './overlay.ts';
import {
  type Condition,
  mergeConditions,
  nextHistory,
  recordEvent,
  type Snapshot,
  writeStatus,
} from './status.ts';
import { SubstitutionError } from './varsub.ts';

export interface KustomizeControllerOptions {
  kubeConfig: KubeConfig;
  /** Path of kubectl (its `kustomize` builds). */
  kubectl: string;
  /** How often Kustomizations are listed to notice new ones, new revisions and due intervals. */
  pollMs?: number;
  /** Replaces every spec.interval (tests); by default each Kustomization's own interval. */
  intervalMs?: number;
}

type KustomizationObject = KubeObject & {
  spec?: BuildSpec & {
    interval?: string;
    retryInterval?: string;
    path?: string;
    prune?: boolean;
    suspend?: boolean;
    wait?: boolean;
    healthChecks?: unknown[];
    sourceRef?: { kind?: string; name?: string; namespace?: string };
  };
  status?: {
    conditions?: Condition[];
    inventory?: { entries?: Array<{ id: string; v: string }> };
    lastAppliedRevision?: string;
    history?: Snapshot[];
  };
};

interface Schedule {
  generation: number | undefined;
  revision: string | undefined;
  requestedAt: string | undefined;
  nextAt: number;
}

export interface ReconcileResult {
  ready: boolean;
  revision?: string;
  changes: ChangeSetEntry[];
  message: string;
}

export class KustomizeControllerStandIn {
  readonly #options: KustomizeControllerOptions;
  readonly #kube: KubeClient;
  readonly #discovery: Discovery;
  readonly #schedules = new Map<string, Schedule>();
  readonly #abort = new AbortController();
  #loop: Promise<void> | undefined;
  /** Completed reconciliations, for tests that wait on "one more apply". */
  reconciliations = 0;

  constructor(options: KustomizeControllerOptions) {
    this.#options = options;
    this.#kube = new KubeClient(options.kubeConfig, { userAgent: 'kustomize-controller/standin' });
    this.#discovery = new Discovery(this.#kube);
  }

  start(): this {
    this.#loop ??= this.#run();
    return this;
  }

  async stop(): Promise<void> {
    this.#abort.abort();
    await this.#loop;
    await this.#kube.close();
  }

  async #run(): Promise<void> {
    const pollMs = this.#options.pollMs ?? 1000;
    while (!this.#abort.signal.aborted) {
      try {
        await this.#tick();
      } catch {
        // The API may be closing; try again next tick.
      }
      await sleep(pollMs, undefined, { signal: this.#abort.signal }).catch(() => undefined);
    }
  }

  async #tick(): Promise<void> {
    const list = await this.#kube.list<KustomizationObject>(resources.kustomization);
    for (const ks of list.items) {
      if (this.#abort.signal.aborted) return;
      if (ks.spec?.sourceRef?.kind !== EA_KIND || ks.spec.suspend) continue;
      const key = `${ks.metadata.namespace}/${ks.metadata.name}`;
      const revision = await this.#artifactRevision(ks);
      const requestedAt = ks.metadata.annotations?.[ANNOTATION_REQUESTED_AT];
      const schedule = this.#schedules.get(key);
      const due =
        schedule === undefined ||
        schedule.generation !== ks.metadata.generation ||
        schedule.revision !== revision ||
        schedule.requestedAt !== requestedAt ||
        Date.now() >= schedule.nextAt;
      if (!due) continue;
      const result = await this.reconcile(ks);
      const interval = this.#intervalOf(ks, result.ready);
      this.#schedules.set(key, {
        generation: ks.metadata.generation,
        revision,
        requestedAt,
        nextAt: Date.now() + interval,
      });
    }
  }

  #intervalOf(ks: KustomizationObject, ready: boolean): number {
    if (this.#options.intervalMs !== undefined) return this.#options.intervalMs;
    const text = (!ready && ks.spec?.retryInterval) || ks.spec?.interval || '10m';
    return parseDuration(text) ?? 600_000;
  }

  async #artifactRevision(ks: KustomizationObject): Promise<string | undefined> {
    const ea = await this.#externalArtifact(ks).catch(() => undefined);
    return (ea?.status as { artifact?: { revision?: string } } | undefined)?.artifact?.revision;
  }

  async #externalArtifact(ks: KustomizationObject): Promise<KubeObject | undefined> {
    const ref = ks.spec?.sourceRef;
    try {
      return await this.#kube.get(
        resources.externalArtifact,
        ref?.namespace ?? ks.metadata.namespace,
        ref?.name ?? '',
      );
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  /** One reconciliation of a Kustomization (by object, or namespace and name). */
  async reconcile(
    target: KustomizationObject | { namespace: string; name: string },
  ): Promise<ReconcileResult> {
    const ks =
      'metadata' in target
        ? target
        : await this.#kube.get<KustomizationObject>(resources.kustomization, target.namespace, target.name);
    const started = Date.now();
    const now = new Date().toISOString();
    const previous = ks.status?.conditions ?? [];
    const spec = ks.spec ?? {};
    const generation = ks.metadata.generation;
    const requestedAt = ks.metadata.annotations?.[ANNOTATION_REQUESTED_AT];
    const base = {
      observedGeneration: generation,
      ...(requestedAt !== undefined ? { lastHandledReconcileAt: requestedAt } : {}),
    };
    const fail = async (reason: string, message: string, revision: string | undefined, event: boolean) => {
      const conditions: Condition[] = [
        { type: 'Ready', status: 'False', reason, message, observedGeneration: generation },
      ];
      if (spec.wait || spec.healthChecks?.length) {
        conditions.push({
          type: 'Healthy',
          status: 'Unknown',
          reason: 'Progressing',
          message: 'reconciliation in progress',
        });
      }
      await writeStatus(this.#kube, ks, {
        ...base,
        conditions: mergeConditions(previous, conditions, now),
        ...(revision !== undefined ? { lastAttemptedRevision: revision } : {}),
      });
      if (event) await recordEvent(this.#kube, ks, 'Warning', reason, message, revision, now);
      this.reconciliations++;
      return { ready: false, ...(revision !== undefined ? { revision } : {}), changes: [], message };
    };

    const ea = await this.#externalArtifact(ks);
    const artifact = (
      ea?.status as
        | {
            artifact?: {
              url?: string;
              digest?: string;
              revision?: string;
              metadata?: Record<string, string>;
            };
          }
        | undefined
    )?.artifact;
    if (ea === undefined) {
      const ref = spec.sourceRef;
      return fail(
        'ArtifactFailed',
        `ExternalArtifact.source.toolkit.fluxcd.io "${ref?.name}" not found`,
        undefined,
        true,
      );
    }
    if (artifact?.url === undefined) {
      return fail('ArtifactFailed', 'Source artifact not found, retrying in 30s', undefined, false);
    }
    const revision = artifact.revision;
    // As kustomize-controller: the source's OCI revision annotation is the events' origin revision.
    const origin = artifact.metadata?.['org.opencontainers.image.revision'];
    const dir = await mkdtemp(join(tmpdir(), 'kustomization-'));
    try {
      let objects: Awaited<ReturnType<typeof build>>;
      try {
        await untar(await fetchArtifact(artifact.url, artifact.digest ?? ''), dir);
      } catch (error) {
        const notFound = error instanceof ArtifactFetchError && error.notFound;
        const message = notFound
          ? 'Source is not ready, artifact not found, retrying in 30s'
          : errorMessage(error);
        return fail('ArtifactFailed', message, revision, !notFound);
      }
      const path = resolve(dir, spec.path ?? './');
      if (!path.startsWith(dir) || !existsSync(path)) {
        return fail('ArtifactFailed', `kustomization path not found: ${spec.path}`, revision, true);
      }
      try {
        objects = await build(
          this.#options.kubectl,
          path,
          spec,
          { name: ks.metadata.name, namespace: ks.metadata.namespace ?? 'default' },
          this.#kube,
        );
      } catch (error) {
        if (error instanceof BuildError || error instanceof SubstitutionError) {
          return fail('BuildFailed', errorMessage(error), revision, true);
        }
        throw error;
      }
      let changes: ChangeSetEntry[];
      let deleted: ChangeSetEntry[] = [];
      try {
        changes = await applyAll(this.#kube, this.#discovery, objects);
      } catch (error) {
        if (error instanceof ApplyError)
          return fail('ReconciliationFailed', errorMessage(error), revision, true);
        throw error;
      }
      const changed = changes.filter((c) => c.action === 'created' || c.action === 'configured');
      if (changed.length > 0) {
        // The Ready reason while applying is Progressing, so the apply event carries it.
        await recordEvent(
          this.#kube,
          ks,
          'Normal',
          'Progressing',
          changed.map((c) => `${c.subject} ${c.action}`).join('\n'),
          revision,
          now,
          origin,
        );
      }
      if (spec.prune) {
        try {
          deleted = await prune(this.#kube, this.#discovery, ks.status?.inventory?.entries ?? [], changes);
        } catch (error) {
          return fail('PruneFailed', errorMessage(error), revision, true);
        }
        if (deleted.length > 0) {
          await recordEvent(
            this.#kube,
            ks,
            'Normal',
            'Progressing',
            deleted.map((c) => `${c.subject} deleted`).join('\n'),
            revision,
            now,
            origin,
          );
        }
      }
      const message = `Applied revision: ${revision}`;
      const conditions: Condition[] = [
        {
          type: 'Ready',
          status: 'True',
          reason: 'ReconciliationSucceeded',
          message,
          observedGeneration: generation,
        },
      ];
      // The stand-in runs no workloads, so a health check has nothing to wait for.
      if (spec.wait || spec.healthChecks?.length) {
        conditions.push({
          type: 'Healthy',
          status: 'True',
          reason: 'Succeeded',
          message: 'Health check passed',
          observedGeneration: generation,
        });
      }
      await writeStatus(this.#kube, ks, {
        ...base,
        conditions: mergeConditions(previous, conditions, now),
        inventory: {
          entries: changes
            .map((c) => ({ id: c.id, v: c.version }))
            .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)),
        },
        lastAppliedRevision: revision,
        lastAttemptedRevision: revision,
        history: nextHistory(ks.status?.history ?? [], {
          digest: `sha256:${createHash('sha256').update(JSON.stringify(objects)).digest('hex')}`,
          revision,
          now,
          duration: formatDuration(Date.now() - started),
          status: 'ReconciliationSucceeded',
        }),
      });
      const interval = this.#intervalOf(ks, true);
      await recordEvent(
        this.#kube,
        ks,
        'Normal',
        'ReconciliationSucceeded',
        `Reconciliation finished in ${formatDuration(Date.now() - started)}, next run in ${formatDuration(interval)}`,
        revision,
        now,
        origin,
      );
      this.reconciliations++;
      return {
        ready: true,
        ...(revision !== undefined ? { revision } : {}),
        changes: [...changes, ...deleted],
        message,
      };
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
}
