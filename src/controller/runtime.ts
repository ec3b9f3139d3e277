// The running controller: storage, servers, leader election and the manager, started and stopped in
// order. main.ts and the local demo both build one of these; nothing here reads process.env.
import type { RequestListener } from 'node:http';
import { availableParallelism } from 'node:os';
import type { KubeConfig } from '@kubernetes/client-node/dist/config.js';
import type { Logger } from 'pino';
import { CONTROLLER_NAME, FIELD_MANAGER } from '../api/constants.ts';
import { createBuildEngine, Storage } from '../artifact/index.ts';
import type { ControllerOptions } from '../config/options.ts';
import { DriftDetector, DriftMetrics } from '../drift/index.ts';
import { KubeClient } from '../kube/client.ts';
import { KubeEventRecorder } from '../kube/events.ts';
import { LeaderElector } from '../kube/leader-election.ts';
import { createArtifactHandler } from '../server/artifact-server.ts';
import { type RunningServer, startHttpServer } from '../server/listen.ts';
import { createHealthApp, createMetricsApp } from '../server/probes.ts';
import { ControllerMetrics } from '../telemetry/metrics.ts';
import { Manager } from './manager.ts';

export interface ControllerRuntime {
  readonly manager: Manager;
  readonly storage: Storage;
  readonly metrics: ControllerMetrics;
  readonly events: KubeEventRecorder;
  readonly servers: { artifacts: RunningServer; metrics: RunningServer; health: RunningServer };
  isLeader(): boolean;
  stop(): Promise<void>;
}

export async function startController(
  kubeConfig: KubeConfig,
  options: ControllerOptions,
  logger: Logger,
  hooks: {
    onLeadershipLost?: () => void;
    processMetrics?: boolean;
    watchTimeoutSeconds?: number;
    /** Advertise the address the artifact server actually bound (port 0 in tests and the demo). */
    advertiseBoundAddress?: boolean;
  } = {},
): Promise<ControllerRuntime> {
  const kube = new KubeClient(kubeConfig, { userAgent: CONTROLLER_NAME, fieldManager: FIELD_MANAGER });
  const metrics = new ControllerMetrics({ processMetrics: hooks.processMetrics ?? true });
  // The artifact server binds first so that, with port 0, the advertised URL carries the real port.
  let artifactApp: RequestListener | undefined;
  const artifacts = await startHttpServer((req, res) => {
    if (artifactApp) return artifactApp(req, res);
    res.statusCode = 503;
    res.end();
  }, options.storageAddr);
  const storage = new Storage({
    root: options.storagePath,
    advertisedAddress: hooks.advertiseBoundAddress ? new URL(artifacts.url).host : options.storageAdvAddr,
    retentionRecords: options.artifactRetentionRecords,
    retentionTtlMs: options.artifactRetentionTtlMs,
  });
  await storage.init();
  const identity = options.leaderElection?.identity ?? CONTROLLER_NAME;
  const events = new KubeEventRecorder(kube, { logger, instance: identity, eventsAddr: options.eventsAddr });
  // Report-only: reads live objects and dry-runs applies, never writes them.
  const driftMetrics = new DriftMetrics(metrics.registry);
  const driftDetector = new DriftDetector({ logger, kube, metrics: driftMetrics });
  // Validation workers: one per core at most, and no more than reconciles that can build at once.
  const build = createBuildEngine({
    memoryLimitBytes: options.buildMemoryLimitBytes,
    workers: Math.min(options.concurrent, availableParallelism()),
  });
  const manager = new Manager({
    kube,
    storage,
    build,
    events,
    metrics,
    logger,
    options,
    drift: { detector: driftDetector, metrics: driftMetrics },
    ...(hooks.watchTimeoutSeconds ? { watchTimeoutSeconds: hooks.watchTimeoutSeconds } : {}),
  });

  let leader = options.leaderElection === undefined;
  let running = false;
  const elector =
    options.leaderElection === undefined
      ? undefined
      : new LeaderElector(
          kube,
          {
            namespace: options.leaderElection.namespace,
            name: options.leaderElection.id,
            identity: options.leaderElection.identity,
            leaseDurationMs: options.leaderElection.leaseDurationMs,
            renewDeadlineMs: options.leaderElection.renewDeadlineMs,
            retryPeriodMs: options.leaderElection.retryPeriodMs,
            releaseOnCancel: options.leaderElection.releaseOnCancel,
          },
          logger,
        );

  artifactApp = createArtifactHandler({ storage, isLeader: () => leader && running });
  const metricsServer = await startHttpServer(createMetricsApp(metrics.registry), options.metricsAddr);
  const health = await startHttpServer(
    createHealthApp({ ready: () => storage.isReady() }),
    options.healthAddr,
  );

  const startManager = async () => {
    await manager.start();
    // Leadership may have been lost while the caches were filling.
    running = leader;
    logger.info({ storage: options.storagePath, artifacts: artifacts.url }, 'controller started');
  };
  if (elector === undefined) {
    await startManager();
  } else {
    logger.info({ lease: options.leaderElection?.id }, 'waiting for leadership');
    elector.run({
      onStartedLeading: () => {
        leader = true;
        void startManager();
      },
      onStoppedLeading: () => {
        // Another replica may already lead: stop serving and reconciling now, not when the caller
        // gets round to stop(), so two replicas never write the same objects.
        leader = false;
        running = false;
        void manager.stop().catch((error: unknown) => {
          logger.error({ err: String(error) }, 'stopping the manager after losing leadership failed');
        });
        hooks.onLeadershipLost?.();
      },
    });
  }

  return {
    manager,
    storage,
    metrics,
    events,
    servers: { artifacts, metrics: metricsServer, health },
    isLeader: () => leader,
    async stop() {
      running = false;
      await manager.stop();
      await build.close();
      await elector?.stop();
      leader = false;
      await events.flush();
      await Promise.all([artifacts.close(), metricsServer.close(), health.close()]);
      await kube.close();
    },
  };
}
