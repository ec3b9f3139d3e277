// Builds an artifact file from units: names checked, every Kubernetes unit validated in a worker
// thread (results cached by DataHash), and the tar.gz streamed to a file at the same time. Validation
// and compression run side by side on different threads; if a unit is refused, the write is cancelled.
import { availableParallelism } from 'node:os';
import { BuildLimitError, errnoCode, InvalidUnitError, POLICY_VERDICT, StorageError } from './errors.ts';
import {
  type CheckedUnit,
  checkKustomizationPaths,
  type LayoutOptions,
  planLayout,
  type UnitCheck,
  type UnitInput,
} from './layout.ts';
import { MemoryBudget } from './memory-budget.ts';
import { writeTarGz } from './tarball-stream.ts';
import { type CheckResult, ValidationCache } from './validation-cache.ts';
import { UnitCheckFailure, ValidatorPool } from './validator-pool.ts';
import type { ObjectHeader } from './yaml-check.ts';

const MiB = 2 ** 20;
/**
 * Memory a worker's parse takes per byte of its unit, measured (bench/results.md §5): the text, a copy of
 * the bytes, and js-yaml's event list with the garbage of building it — 11–15× for configuration-like
 * lines of ~50 bytes. Reserved for the largest unit of a build; units are validated one at a time.
 */
export const PARSE_BYTES_PER_BYTE = 12;
/** Stream buffers, zlib state, tar headers and bookkeeping of one build. */
export const BUILD_FIXED_BYTES = 8 * MiB;
const DEFAULT_CACHE_BYTES = 16 * MiB;

export interface BuildEngineOptions {
  /** --build-memory-limit: bytes all builds in flight may hold together. */
  memoryLimitBytes: number;
  /** Validation worker threads (default: one per core, at least 1, at most `concurrent`). */
  workers?: number;
  /** Bytes of the cache of validated contents. */
  cacheBytes?: number;
}

/** What the builds of one process share: the validation workers, the memory budget and the cache. */
export interface BuildEngine {
  readonly validator: ValidatorPool;
  readonly budget: MemoryBudget;
  readonly cache: ValidationCache;
  close(): Promise<void>;
}

export function createBuildEngine(options: BuildEngineOptions): BuildEngine {
  const workers = Math.max(1, options.workers ?? availableParallelism());
  // Reservations keep the workers together within the budget; the heap cap is the safety net for a unit
  // denser than the reservation assumed: refused with LimitExceeded instead of growing the process until
  // the kubelet kills it.
  const maxHeapMb = Math.max(64, Math.floor(options.memoryLimitBytes / MiB));
  const validator = new ValidatorPool({ workers, maxHeapMb });
  return {
    validator,
    budget: new MemoryBudget(options.memoryLimitBytes),
    cache: new ValidationCache(options.cacheBytes ?? DEFAULT_CACHE_BYTES),
    close: () => validator.close(),
  };
}

/** Bytes a build of units of these sizes holds at its peak, reserved before it fetches them. */
export function buildReservation(sizes: readonly number[]): number {
  let total = 0;
  let largest = 0;
  for (const size of sizes) {
    total += size;
    largest = Math.max(largest, size);
  }
  return total + PARSE_BYTES_PER_BYTE * largest + BUILD_FIXED_BYTES;
}

export interface BuildRequest {
  units: readonly UnitInput[];
  layout?: LayoutOptions;
  /** New file to write the tar.gz into; removed by the caller on failure. */
  target: string;
  /** Aborts the build; its reason decides the message (a TimeoutError means the budget ran out). */
  signal: AbortSignal;
  /** How the time budget is named in messages, e.g. `spec.timeout (60s)`. */
  budgetName: string;
}

export interface BuiltTarGz {
  hex: string;
  size: number;
  /** Objects across all Kubernetes units. */
  objects: number;
}

export async function buildTarGzFile(engine: BuildEngine, request: BuildRequest): Promise<BuiltTarGz> {
  const plan = planLayout(request.units, request.layout);
  // Either half failing stops the other: a refused unit cancels the write and vice versa.
  const stop = new AbortController();
  const signal = AbortSignal.any([request.signal, stop.signal]);
  let current: string | undefined;
  const validation = (async () => {
    const checked = new Map<string, CheckedUnit>();
    const headers = new Map<string, ObjectHeader[]>();
    for (const check of plan.checks) {
      current = check.unit;
      const result = await validate(engine, check, signal);
      checked.set(check.unit, result);
      headers.set(check.unit, result.headers);
    }
    current = undefined;
    if (plan.ownKustomization) {
      // Only the units the kustomization builds become objects: those must be distinct.
      const built = checkKustomizationPaths(plan, checked);
      refuseDuplicates(new Map(built.map((unit) => [unit, headers.get(unit) ?? []])));
    } else refuseDuplicates(headers);
    return headers;
  })();
  const written = writeTarGz(plan.files, request.target, signal).catch((error: unknown) => {
    const code = errnoCode(error);
    if (code === 'unknown error') throw error;
    throw new StorageError('ArchiveOperationFailed', `cannot write the artifact: ${code}`, { cause: error });
  });
  try {
    const [headers, file] = await Promise.all([validation, written]);
    let objects = 0;
    for (const list of headers.values()) objects += list.length;
    return { ...file, objects };
  } catch (error) {
    stop.abort();
    await Promise.allSettled([validation, written]);
    if (request.signal.aborted && !(error instanceof InvalidUnitError)) {
      const reason = request.signal.reason as { name?: string } | undefined;
      if (reason?.name === 'TimeoutError') {
        throw new BuildLimitError(
          `building the artifact took longer than ${request.budgetName}` +
            (current === undefined ? '' : ` (still validating unit '${current}')`),
        );
      }
    }
    throw error;
  }
}

async function validate(engine: BuildEngine, check: UnitCheck, signal: AbortSignal): Promise<CheckedUnit> {
  const key =
    check.dataHash === undefined ? undefined : `${check.kustomization ? 'k' : 'r'}:${check.dataHash}`;
  let result: CheckResult | undefined = key === undefined ? undefined : engine.cache.get(key);
  if (result === undefined) {
    try {
      result = { ok: true, ...(await engine.validator.validate(check.data, check.kustomization, signal)) };
    } catch (error) {
      if (error instanceof BuildLimitError) {
        throw new BuildLimitError(`unit '${check.unit}' was not validated: ${error.message}`);
      }
      if (!(error instanceof UnitCheckFailure)) throw error;
      // The verdict depends on the bytes alone, so a refusal is remembered as well as a success.
      result = { ok: false, problem: error.message, position: error.position, policy: error.policy };
    }
    if (key !== undefined) engine.cache.set(key, result);
  }
  if (!result.ok) {
    if (result.policy) throw new InvalidUnitError(check.unit, result.problem, undefined, POLICY_VERDICT);
    throw new InvalidUnitError(check.unit, result.problem, result.position);
  }
  return { headers: result.headers, kustomization: result.kustomization };
}

/** Kinds kustomize and the API server treat as cluster-scoped: their namespace is ignored. */
const CLUSTER_SCOPED = new Set([
  'APIService',
  'CertificateSigningRequest',
  'ClusterRole',
  'ClusterRoleBinding',
  'CustomResourceDefinition',
  'IngressClass',
  'MutatingWebhookConfiguration',
  'Namespace',
  'PersistentVolume',
  'PriorityClass',
  'RuntimeClass',
  'StorageClass',
  'ValidatingAdmissionPolicy',
  'ValidatingAdmissionPolicyBinding',
  'ValidatingWebhookConfiguration',
  'VolumeAttachment',
]);

/**
 * Two units declaring the same object make kustomize fail ("may not add resource with an already
 * registered id"), so Flux would never apply the revision: refuse it here, naming both units. Identity
 * is kustomize's: API group (not version), kind, namespace (empty meaning `default`) and name.
 */
function refuseDuplicates(headers: Map<string, ObjectHeader[]>): void {
  const seen = new Map<string, { unit: string; header: ObjectHeader }>();
  for (const [unit, list] of headers) {
    for (const header of list) {
      const slash = header.apiVersion.indexOf('/');
      const group = slash < 0 ? '' : header.apiVersion.slice(0, slash);
      const namespace = CLUSTER_SCOPED.has(header.kind) ? '' : header.namespace || 'default';
      const id = `${group}\u0000${header.kind}\u0000${namespace}\u0000${header.name}`;
      const first = seen.get(id);
      if (first === undefined) {
        seen.set(id, { unit, header });
        continue;
      }
      const what = `${header.kind} ${namespace === '' ? '' : `${namespace}/`}${header.name}`;
      const where =
        first.unit === unit
          ? `twice (lines ${first.header.position.line} and ${header.position.line})`
          : `also in unit '${first.unit}'`;
      throw new InvalidUnitError(
        unit,
        `${what} is declared ${where}; kustomize refuses duplicate objects`,
        header.position,
      );
    }
  }
}
