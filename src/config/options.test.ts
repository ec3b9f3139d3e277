import { describe, expect, it } from 'vitest';
import { leaderElectionId, OptionsError, parseControllerOptions } from './options.ts';

describe('parseControllerOptions', () => {
  it('applies Flux defaults', () => {
    const options = parseControllerOptions([], {});
    expect(options).toMatchObject({
      storagePath: '/data',
      storageAddr: ':9090',
      artifactRetentionTtlMs: 60_000,
      artifactRetentionRecords: 2,
      metricsAddr: ':8080',
      healthAddr: ':9440',
      eventsAddr: undefined,
      watchNamespace: undefined,
      logLevel: 'info',
      logEncoding: 'json',
      leaderElection: undefined,
      requeueDependencyMs: 30_000,
      minRetryDelayMs: 750,
      maxRetryDelayMs: 900_000,
      intervalJitterPercentage: 5,
      runtimeNamespace: 'flux-system',
    });
    expect(Object.isFrozen(options)).toBe(true);
  });

  it('reads both flag spellings and the Flux environment variables', () => {
    const options = parseControllerOptions(
      [
        '--storage-path',
        '/tmp/x',
        '--concurrent=10',
        '--watch-all-namespaces=false',
        '--enable-leader-election',
      ],
      {
        STORAGE_ADV_ADDR: 'svc.flux-system.svc.cluster.local.',
        RUNTIME_NAMESPACE: 'team-a',
        POD_NAME: 'pod-1',
      },
    );
    expect(options.storagePath).toBe('/tmp/x');
    expect(options.concurrent).toBe(10);
    expect(options.watchNamespace).toBe('team-a');
    expect(options.storageAdvAddr).toBe('svc.flux-system.svc.cluster.local.');
    expect(options.leaderElection).toMatchObject({
      namespace: 'team-a',
      identity: 'pod-1',
      leaseDurationMs: 35_000,
    });
  });

  it('gives each shard its own lease name', () => {
    expect(leaderElectionId('')).toBe('confighub-source-controller-leader-election');
    const a = leaderElectionId('sharding.fluxcd.io/key=shard1');
    const b = leaderElectionId('sharding.fluxcd.io/key=shard2');
    expect(a).toMatch(/^confighub-source-controller-leader-election-[0-9a-f]{8}$/);
    expect(a).not.toBe(b);
  });

  it.each([
    [['--concurrent=0'], /--concurrent/],
    [
      ['--artifact-retention-ttl=soon'],
      'invalid value "soon" for --artifact-retention-ttl: want a duration such as 90s, 1m30s or 1h',
    ],
    [['--log-level=verbose'], /--log-level/],
    [['--storage-addr=9090'], /--storage-addr/],
    [['--no-such-flag'], 'unknown flag: --no-such-flag'],
    [['--concurrent'], 'flag needs an argument: --concurrent'],
    [['--min-retry-delay=1h', '--max-retry-delay=1m'], /min-retry-delay/],
  ])('rejects %j with a precise message', (argv, message) => {
    expect(() => parseControllerOptions(argv, {})).toThrow(OptionsError);
    expect(() => parseControllerOptions(argv, {})).toThrow(message);
  });
});
