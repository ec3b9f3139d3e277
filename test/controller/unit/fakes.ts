// Fakes for the reconcile steps' unit tests: plain objects implementing the narrow interfaces the steps
// act through (no module mocks, no network), a fixed clock and a fixed random, and builders for the
// object, the listing and the step context.
import pino from 'pino';
import type { Condition, RepositoryObject, RepositoryStatus } from '../../../src/api/v1beta1.ts';
import { StorageError, type VerifyResult } from '../../../src/artifact/index.ts';
import { createLruDataCache, type ListedUnit, type SpaceListing } from '../../../src/confighub/index.ts';
import { EventFanout } from '../../../src/controller/event-fanout.ts';
import type { ExternalArtifactObject } from '../../../src/controller/external-artifact.ts';
import { PollSchedule } from '../../../src/controller/poll-schedule.ts';
import {
  type ArtifactStorage,
  type ObjectContext,
  openReconcile,
  type ReconcileContext,
  type StepEnv,
  type Upstream,
  type UpstreamClient,
  type UpstreamPool,
} from '../../../src/controller/reconcile-context.ts';
import type { KubeObject, KubeObjectApi } from '../../../src/kube/client.ts';
import { KubeApiError } from '../../../src/kube/errors.ts';
import type { EventSink, RecordedEvent } from '../../../src/kube/events.ts';
import { type ResourceType, resources } from '../../../src/kube/resources.ts';
import { ControllerMetrics } from '../../../src/telemetry/metrics.ts';

export const NOW = new Date('2026-05-01T10:00:00.000Z');
/** NOW as conditions record it. */
export const NOW_STRING = '2026-05-01T10:00:00Z';
export const EARLIER = '2026-04-30T09:00:00Z';
export const NAMESPACE = 'team-a';
export const NAME = 'shop';
export const UID = 'uid-shop';
export const DIGEST = `sha256:${'a'.repeat(64)}` as const;
export const PATH = `confighubrepository/${NAMESPACE}/${NAME}/${'a'.repeat(64)}.tar.gz`;

interface KubeCall {
  verb: 'get' | 'patch' | 'delete';
  resource: string;
  namespace: string | undefined;
  name: string;
  patchType?: string;
  subresource?: string | undefined;
  body?: unknown;
}

/**
 * An in-memory API server for single objects: get answers 404 for what it does not hold, merge and apply
 * patches merge into the stored object (status only through the status subresource), every call is
 * recorded, and `failNext` makes the next call of a verb throw.
 */
export class FakeKube implements KubeObjectApi {
  readonly objects = new Map<string, KubeObject>();
  readonly calls: KubeCall[] = [];
  readonly #failures = new Map<KubeCall['verb'], unknown>();
  #resourceVersion = 100;

  put(type: ResourceType, object: KubeObject): void {
    this.objects.set(key(type, object.metadata.namespace, object.metadata.name), structuredClone(object));
  }

  find(type: ResourceType, namespace: string, name: string): KubeObject | undefined {
    return this.objects.get(key(type, namespace, name));
  }

  failNext(verb: KubeCall['verb'], error: unknown): void {
    this.#failures.set(verb, error);
  }

  async get<T = KubeObject>(type: ResourceType, namespace: string | undefined, name: string): Promise<T> {
    this.calls.push({ verb: 'get', resource: type.plural, namespace, name });
    this.#maybeFail('get');
    const found = this.objects.get(key(type, namespace, name));
    if (found === undefined) throw new KubeApiError(404, 'NotFound', `${type.plural} "${name}" not found`);
    return structuredClone(found) as T;
  }

  async patch<T = KubeObject>(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
    patchType: 'merge' | 'json' | 'apply',
    patch: unknown,
    options: { subresource?: string; fieldManager?: string; force?: boolean; dryRun?: boolean } = {},
  ): Promise<T> {
    this.calls.push({
      verb: 'patch',
      resource: type.plural,
      namespace,
      name,
      patchType,
      subresource: options.subresource,
      body: structuredClone(patch),
    });
    this.#maybeFail('patch');
    const k = key(type, namespace, name);
    const body = patch as Partial<KubeObject> & { status?: unknown };
    let current = this.objects.get(k);
    if (current === undefined) {
      if (options.subresource !== undefined || patchType !== 'apply')
        throw new KubeApiError(404, 'NotFound', `${type.plural} "${name}" not found`);
      current = { metadata: { name, namespace, uid: `uid-${name}`, generation: 1 } };
    }
    const next: KubeObject =
      options.subresource === 'status'
        ? { ...current, status: mergeValue(current['status'], body.status) }
        : {
            ...current,
            ...withoutStatus(body),
            metadata: { ...current.metadata, ...(body.metadata ?? {}) } as KubeObject['metadata'],
          };
    next.metadata.resourceVersion = String(++this.#resourceVersion);
    this.objects.set(k, next);
    return structuredClone(next) as T;
  }

  async delete(type: ResourceType, namespace: string | undefined, name: string): Promise<void> {
    this.calls.push({ verb: 'delete', resource: type.plural, namespace, name });
    this.#maybeFail('delete');
    if (!this.objects.delete(key(type, namespace, name)))
      throw new KubeApiError(404, 'NotFound', `${type.plural} "${name}" not found`);
  }

  #maybeFail(verb: KubeCall['verb']): void {
    const error = this.#failures.get(verb);
    if (error === undefined) return;
    this.#failures.delete(verb);
    throw error;
  }
}

function key(type: ResourceType, namespace: string | undefined, name: string): string {
  return `${type.plural}/${namespace ?? ''}/${name}`;
}

function withoutStatus(body: Record<string, unknown>): Record<string, unknown> {
  const { status: _status, ...rest } = body;
  return rest;
}

/** RFC 7396-ish: objects merge, null deletes, anything else replaces. */
function mergeValue(target: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return patch;
  const out: Record<string, unknown> =
    target !== null && typeof target === 'object' && !Array.isArray(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergeValue(out[k], v);
  }
  return out;
}

/** Storage whose answers the test sets: verify results per path, a GC result or failure. */
export class FakeStorage implements ArtifactStorage {
  readonly verified = new Map<string, VerifyResult | Error>();
  readonly removedDirs: string[] = [];
  gcResult: { deleted: string[] } | Error = { deleted: [] };
  readonly gcCalls: { namespace: string; name: string; current: string | undefined }[] = [];

  async verify(relativePath: string): Promise<VerifyResult> {
    const result = this.verified.get(relativePath) ?? 'missing';
    if (result instanceof Error) throw result;
    return result;
  }

  urlFor(relativePath: string): string {
    return `http://storage.test/${relativePath}`;
  }

  async tempFile(): Promise<string> {
    throw new StorageError('DirectoryCreationFailed', 'the fake storage cannot build');
  }

  async commit(): Promise<never> {
    throw new StorageError('ArchiveOperationFailed', 'the fake storage cannot build');
  }

  async gc(namespace: string, name: string, current?: string): Promise<{ deleted: string[] }> {
    this.gcCalls.push({ namespace, name, current });
    if (this.gcResult instanceof Error) throw this.gcResult;
    return this.gcResult;
  }

  async removeObjectDir(namespace: string, name: string): Promise<void> {
    this.removedDirs.push(`${namespace}/${name}`);
  }
}

export class RecordingSink implements EventSink {
  readonly events: RecordedEvent[] = [];
  async record(event: RecordedEvent): Promise<void> {
    this.events.push(event);
  }

  /** The events recorded on the ConfigHubRepository, as `type/reason: message`. */
  onRepository(): string[] {
    return this.events
      .filter((e) => e.involvedObject.kind === 'ConfigHubRepository')
      .map((e) => `${e.type}/${e.reason}: ${e.message}`);
  }
}

/** A ConfigHub client answering with a fixed listing (or error) and fixed unit data. */
export function fakeClient(options: {
  listing?: SpaceListing;
  listError?: unknown;
  data?: Record<string, string>;
  credentialExpiresAt?: number;
}): UpstreamClient & { listed: number } {
  const client = {
    listed: 0,
    async list(): Promise<SpaceListing> {
      client.listed++;
      if (options.listError !== undefined) throw options.listError;
      return options.listing ?? listing();
    },
    async fetch(l: SpaceListing) {
      return {
        ...l,
        units: l.units.map((u) => ({ ...u, data: Buffer.from(options.data?.[u.slug] ?? configMap(u.slug)) })),
      };
    },
    credentialExpiresAt: () => options.credentialExpiresAt,
  };
  return client;
}

export function fakeUpstream(client: UpstreamClient = fakeClient({})): UpstreamPool & {
  gets: { key: string; server: string; timeoutMs: number; version: string }[];
  forgotten: string[];
} {
  const upstream: Upstream = { client, cache: createLruDataCache(1 << 20) };
  const pool = {
    gets: [] as { key: string; server: string; timeoutMs: number; version: string }[],
    forgotten: [] as string[],
    get(key: string, server: string, timeoutMs: number, credentials: { version: string }) {
      pool.gets.push({ key, server, timeoutMs, version: credentials.version });
      return upstream;
    },
    async forget(key: string) {
      pool.forgotten.push(key);
    },
  };
  return pool;
}

export function configMap(name: string): string {
  return `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n`;
}

export function unit(slug: string, revisionNum = 1, extra: Partial<ListedUnit> = {}): ListedUnit {
  return {
    unitID: `id-${slug}`,
    slug,
    toolchainType: 'Kubernetes/YAML',
    revisionNum,
    dataHash: `hash-${slug}-${revisionNum}`,
    dataSize: configMap(slug).length,
    ...extra,
  };
}

export function listing(units: ListedUnit[] = [unit('web')], fingerprint = 'fp-1'): SpaceListing {
  return { spaceID: 'space-id', spaceSlug: 'shop-prod', refId: 'head', units, fingerprint };
}

export function spec(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    interval: '10m',
    url: 'https://hub.test',
    space: 'shop-prod',
    secretRef: { name: 'confighub-token' },
    ...overrides,
  };
}

export function repository(
  overrides: {
    spec?: Record<string, unknown>;
    status?: RepositoryStatus | Record<string, unknown>;
    metadata?: Partial<RepositoryObject['metadata']>;
  } = {},
): RepositoryObject {
  return {
    apiVersion: 'source.confighub.com/v1beta1',
    kind: 'ConfigHubRepository',
    metadata: {
      name: NAME,
      namespace: NAMESPACE,
      uid: UID,
      generation: 2,
      resourceVersion: '7',
      finalizers: ['source.confighub.com/finalizer'],
      ...overrides.metadata,
    },
    spec: overrides.spec ?? spec(),
    ...(overrides.status === undefined ? {} : { status: overrides.status as RepositoryStatus }),
  };
}

export function artifact(overrides: Record<string, unknown> = {}) {
  return {
    path: PATH,
    url: `http://storage.test/${PATH}`,
    revision: `head@sha256:${'a'.repeat(64)}`,
    digest: DIGEST,
    lastUpdateTime: EARLIER,
    size: 123,
    ...overrides,
  };
}

/** A log that keeps its lines, so tests can read what was logged at which level. */
export function recordingLogger() {
  const lines: { level: number; msg: string; [key: string]: unknown }[] = [];
  const logger = pino({ level: 'trace' }, { write: (line: string) => lines.push(JSON.parse(line)) });
  return { logger, lines };
}

export interface Fakes {
  kube: FakeKube;
  storage: FakeStorage;
  sink: RecordingSink;
  upstream: ReturnType<typeof fakeUpstream>;
  metrics: ControllerMetrics;
  forgotten: string[];
  env: StepEnv;
  lines: ReturnType<typeof recordingLogger>['lines'];
  logger: ReturnType<typeof recordingLogger>['logger'];
}

export function fakes(overrides: Partial<StepEnv> = {}): Fakes {
  const kube = new FakeKube();
  const storage = new FakeStorage();
  const sink = new RecordingSink();
  const upstream = fakeUpstream();
  const metrics = new ControllerMetrics({ processMetrics: false });
  const forgotten: string[] = [];
  const { logger, lines } = recordingLogger();
  const now = () => NOW;
  const getExternalArtifact = (namespace: string, name: string) =>
    kube.find(resources.externalArtifact, namespace, name) as ExternalArtifactObject | undefined;
  const env: StepEnv = {
    kube,
    storage,
    build: undefined as never,
    upstream,
    events: new EventFanout(sink, getExternalArtifact),
    metrics,
    getExternalArtifact,
    eaStatuses: undefined,
    options: { requeueDependencyMs: 30_000, intervalJitterPercentage: 5, maxRetryDelayMs: 900_000 },
    schedule: new PollSchedule(now),
    now,
    // The middle of the jitter range: no jitter at all.
    random: () => 0.5,
    forget: (namespace, name) => forgotten.push(`${namespace}/${name}`),
    ...overrides,
  };
  return { kube, storage, sink, upstream, metrics, forgotten, env, lines, logger };
}

export function objectContext(f: Fakes, object: RepositoryObject = repository()): ObjectContext {
  return { env: f.env, namespace: NAMESPACE, name: NAME, object, log: f.logger };
}

/** The source steps' context for `object`, with the findings of earlier steps already in place. */
export function reconcileContext(
  f: Fakes,
  object: RepositoryObject = repository(),
  findings: Partial<ReconcileContext> = {},
): ReconcileContext {
  return Object.assign(openReconcile(objectContext(f, object), undefined), findings);
}

/** Conditions as source-controller's tests compare them: type, status, reason and message. */
export function conditionsOf(status: { conditions?: Condition[] | undefined }) {
  return (status.conditions ?? []).map(({ type, status, reason, message }) => ({
    type,
    status,
    reason,
    message,
  }));
}

export function trueCondition(type: string, reason: string, message: string) {
  return { type, status: 'True', reason, message };
}

export function falseCondition(type: string, reason: string, message: string) {
  return { type, status: 'False', reason, message };
}

/** A condition as stored, set at an earlier reconcile. */
export function stored(type: string, status: 'True' | 'False', reason: string, message: string): Condition {
  return { type, status, reason, message, lastTransitionTime: EARLIER, observedGeneration: 1 };
}
