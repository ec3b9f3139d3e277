// Controller configuration: flags named and defaulted as Flux's controllers name them, parsed once,
// validated with zod, frozen and injected. Environment variables are read here only as Flux does
// (STORAGE_PATH, STORAGE_ADDRESS, STORAGE_ADV_ADDR, RUNTIME_NAMESPACE, POD_NAME, KUBECONFIG).
import { hostname } from 'node:os';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { CONTROLLER_NAME } from '../api/constants.ts';
import { parseDuration } from '../api/duration.ts';
import { errorMessage } from '../util/errors.ts';
import { booleansWithValues, describeFlagError } from '../util/flags.ts';
import { sha256Hex } from '../util/hash.ts';

/** A Flux duration; the flag's name goes in front of the message (see parseControllerOptions). */
const duration = z.string().transform((text, ctx) => {
  const ms = parseDuration(text);
  if (ms === undefined) {
    ctx.addIssue({ code: 'custom', message: `want a duration such as 90s, 1m30s or 1h` });
    return z.NEVER;
  }
  return ms;
});
const bool = z.enum(['true', 'false']).transform((v) => v === 'true');
const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const QUANTITY_UNITS: Record<string, number> = { '': 1, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30 };
/** Bytes as a plain integer or a Kubernetes binary quantity (512Mi, 2Gi). */
const bytes = (min: number) =>
  z.string().transform((text, ctx) => {
    const match = /^([0-9]+)(Ki|Mi|Gi)?$/.exec(text);
    const value = match ? Number(match[1]) * QUANTITY_UNITS[match[2] ?? '']! : Number.NaN;
    if (!Number.isSafeInteger(value) || value < min) {
      ctx.addIssue({
        code: 'custom',
        message: `invalid size ${JSON.stringify(text)} (bytes or a quantity such as 512Mi, at least ${min >> 20}Mi)`,
      });
      return z.NEVER;
    }
    return value;
  });
const address = z.string().regex(/^([^\s:]*|\[[0-9a-fA-F:]+\]):\d{1,5}$/, 'must be [host]:port, e.g. :9090');

/** Flag table: name → [schema, default, help]. Booleans accept `--flag`, `--flag=true|false`. */
const FLAGS = {
  'storage-path': [z.string().min(1), '/data', 'Local directory where artifacts are stored.'],
  'storage-addr': [address, ':9090', 'Address the artifact file server binds to.'],
  'storage-adv-addr': [
    z.string(),
    '',
    'Advertised address of the artifact server (defaults to hostname:port).',
  ],
  'artifact-retention-ttl': [duration, '1m', 'How long superseded artifacts are kept.'],
  'artifact-retention-records': [int(1, 1000), '2', 'Maximum number of artifacts kept per object.'],
  concurrent: [int(1, 1000), '4', 'Number of concurrent reconciles.'],
  'metrics-addr': [address, ':8080', 'Address the metric endpoint binds to.'],
  'health-addr': [address, ':9440', 'Address the health endpoint binds to.'],
  'events-addr': [z.string(), '', 'Notification-controller address events are forwarded to (empty: off).'],
  'watch-all-namespaces': [bool, 'true', 'Watch all namespaces, or only the runtime namespace.'],
  'watch-label-selector': [z.string(), '', 'Only reconcile objects matching this label selector (sharding).'],
  'log-level': [
    z.enum(['trace', 'debug', 'info', 'error']),
    'info',
    'Log verbosity: trace, debug, info, error.',
  ],
  'log-encoding': [z.enum(['json', 'console']), 'json', 'Log encoding: json or console.'],
  'enable-leader-election': [bool, 'false', 'Elect a leader; only the leader reconciles and serves.'],
  'leader-election-lease-duration': [duration, '35s', 'Lease duration.'],
  'leader-election-renew-deadline': [
    duration,
    '30s',
    'How long the leader retries renewing before giving up.',
  ],
  'leader-election-retry-period': [duration, '5s', 'Time between acquire/renew attempts.'],
  'leader-election-release-on-cancel': [bool, 'true', 'Release the lease on shutdown.'],
  'requeue-dependency': [duration, '30s', 'Requeue delay while a dependency is not ready.'],
  'min-retry-delay': [duration, '750ms', 'First retry delay after a failure.'],
  'max-retry-delay': [duration, '15m', 'Cap of the exponential retry delay.'],
  'interval-jitter-percentage': [int(0, 99), '5', 'Random +/- jitter applied to spec.interval.'],
  'no-cross-namespace-refs': [
    bool,
    'false',
    'Refuse references to other namespaces (always true for Secrets).',
  ],
  'drift-detection': [
    z.enum(['disabled', 'report']),
    'disabled',
    'Default drift mode when spec.drift is unset.',
  ],
  'max-units': [int(1, 1_000_000), '10000', 'Upper bound on units in one space.'],
  'max-unit-size': [int(1, 1 << 30), String(32 << 20), 'Upper bound on one unit data in bytes.'],
  'build-memory-limit': [
    bytes(64 << 20),
    '512Mi',
    'Memory all artifact builds in flight may hold together; larger builds wait or are refused.',
  ],
  kubeconfig: [z.string(), '', 'Path to a kubeconfig (default: $KUBECONFIG, ~/.kube/config, in-cluster).'],
} as const;

type FlagName = keyof typeof FLAGS;
const BOOLEAN_FLAGS = new Set((Object.keys(FLAGS) as FlagName[]).filter((name) => FLAGS[name][0] === bool));

/** Environment variables Flux's controllers honour, mapped to the flags they default. */
const ENV_DEFAULTS: Partial<Record<FlagName, string>> = {
  'storage-path': 'STORAGE_PATH',
  'storage-addr': 'STORAGE_ADDRESS',
  'storage-adv-addr': 'STORAGE_ADV_ADDR',
  kubeconfig: 'KUBECONFIG',
};

export interface ControllerOptions {
  storagePath: string;
  storageAddr: string;
  storageAdvAddr: string;
  artifactRetentionTtlMs: number;
  artifactRetentionRecords: number;
  concurrent: number;
  metricsAddr: string;
  healthAddr: string;
  eventsAddr: string | undefined;
  watchNamespace: string | undefined;
  watchLabelSelector: string | undefined;
  logLevel: 'trace' | 'debug' | 'info' | 'error';
  logEncoding: 'json' | 'console';
  leaderElection:
    | {
        id: string;
        namespace: string;
        identity: string;
        leaseDurationMs: number;
        renewDeadlineMs: number;
        retryPeriodMs: number;
        releaseOnCancel: boolean;
      }
    | undefined;
  requeueDependencyMs: number;
  minRetryDelayMs: number;
  maxRetryDelayMs: number;
  intervalJitterPercentage: number;
  noCrossNamespaceRefs: boolean;
  driftDetection: 'disabled' | 'report';
  maxUnits: number;
  maxUnitSizeBytes: number;
  buildMemoryLimitBytes: number;
  kubeconfig: string | undefined;
  runtimeNamespace: string;
}

export class OptionsError extends Error {
  override name = 'OptionsError';
}

export function usage(): string {
  const lines = (Object.keys(FLAGS) as FlagName[]).map((name) => {
    const [, def, help] = FLAGS[name];
    return `  --${name.padEnd(36)} ${help}${def === '' ? '' : ` (default ${def})`}`;
  });
  return `Usage: confighub-source controller [flags]\n\nFlags:\n${lines.join('\n')}\n`;
}

/** Parses argv (without the command name) and the environment into validated, frozen options. */
export function parseControllerOptions(
  argv: readonly string[],
  env: Record<string, string | undefined>,
): ControllerOptions {
  const normalised = booleansWithValues(argv, (name) => BOOLEAN_FLAGS.has(name as FlagName));
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: normalised,
      strict: true,
      allowPositionals: false,
      allowNegative: true,
      options: Object.fromEntries(
        (Object.keys(FLAGS) as FlagName[]).map((name) => [
          name,
          { type: BOOLEAN_FLAGS.has(name) ? ('boolean' as const) : ('string' as const) },
        ]),
      ),
    }) as { values: Record<string, string | boolean | undefined> });
  } catch (error) {
    throw new OptionsError(describeFlagError(error) ?? errorMessage(error));
  }

  const raw: Record<string, unknown> = {};
  for (const name of Object.keys(FLAGS) as FlagName[]) {
    const [schema, def] = FLAGS[name];
    const given = values[name];
    const envName = ENV_DEFAULTS[name];
    const text = given === undefined ? (envName && env[envName]) || def : String(given);
    const parsed = (schema as z.ZodType).safeParse(text);
    if (!parsed.success) {
      const problems = parsed.error.issues.map((i) => i.message).join('; ');
      throw new OptionsError(`invalid value ${JSON.stringify(text)} for --${name}: ${problems}`);
    }
    raw[name] = parsed.data;
  }
  const get = <T>(name: FlagName) => raw[name] as T;

  const runtimeNamespace = env['RUNTIME_NAMESPACE'] || 'flux-system';
  const storageAddr = get<string>('storage-addr');
  const selector = get<string>('watch-label-selector');
  const minRetry = get<number>('min-retry-delay');
  const maxRetry = get<number>('max-retry-delay');
  if (minRetry > maxRetry) throw new OptionsError('--min-retry-delay must not exceed --max-retry-delay');

  const leaseDuration = get<number>('leader-election-lease-duration');
  const renewDeadline = get<number>('leader-election-renew-deadline');
  if (get<boolean>('enable-leader-election') && renewDeadline >= leaseDuration) {
    throw new OptionsError(
      '--leader-election-renew-deadline must be shorter than --leader-election-lease-duration',
    );
  }

  return Object.freeze({
    storagePath: get<string>('storage-path'),
    storageAddr,
    storageAdvAddr: get<string>('storage-adv-addr') || defaultAdvertisedAddress(storageAddr),
    artifactRetentionTtlMs: get<number>('artifact-retention-ttl'),
    artifactRetentionRecords: get<number>('artifact-retention-records'),
    concurrent: get<number>('concurrent'),
    metricsAddr: get<string>('metrics-addr'),
    healthAddr: get<string>('health-addr'),
    eventsAddr: get<string>('events-addr') || undefined,
    watchNamespace: get<boolean>('watch-all-namespaces') ? undefined : runtimeNamespace,
    watchLabelSelector: selector || undefined,
    logLevel: get<ControllerOptions['logLevel']>('log-level'),
    logEncoding: get<ControllerOptions['logEncoding']>('log-encoding'),
    leaderElection: get<boolean>('enable-leader-election')
      ? {
          id: leaderElectionId(selector),
          namespace: runtimeNamespace,
          identity: env['POD_NAME'] || `${hostname()}_${process.pid}`,
          leaseDurationMs: leaseDuration,
          renewDeadlineMs: renewDeadline,
          retryPeriodMs: get<number>('leader-election-retry-period'),
          releaseOnCancel: get<boolean>('leader-election-release-on-cancel'),
        }
      : undefined,
    requeueDependencyMs: get<number>('requeue-dependency'),
    minRetryDelayMs: minRetry,
    maxRetryDelayMs: maxRetry,
    intervalJitterPercentage: get<number>('interval-jitter-percentage'),
    noCrossNamespaceRefs: get<boolean>('no-cross-namespace-refs'),
    driftDetection: get<ControllerOptions['driftDetection']>('drift-detection'),
    maxUnits: get<number>('max-units'),
    maxUnitSizeBytes: get<number>('max-unit-size'),
    buildMemoryLimitBytes: get<number>('build-memory-limit'),
    kubeconfig: get<string>('kubeconfig') || undefined,
    runtimeNamespace,
  });
}

/** Flux appends the first 8 hex of sha256(selector) so each shard has its own lease. */
export function leaderElectionId(selector: string): string {
  const base = `${CONTROLLER_NAME}-leader-election`;
  if (!selector) return base;
  return `${base}-${sha256Hex(selector).slice(0, 8)}`;
}

function defaultAdvertisedAddress(storageAddr: string): string {
  const port = storageAddr.slice(storageAddr.lastIndexOf(':') + 1);
  return `${hostname()}:${port}`;
}
