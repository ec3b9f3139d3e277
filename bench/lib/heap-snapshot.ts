// Where the controller's memory goes: a V8 heap snapshot taken through --heapsnapshot-signal, summed
// by object kind, and the retainer chain of the ArrayBuffers (Buffers) that dominate external memory.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { graphOf, type Holder, holderSizes, property, type SnapshotGraph } from './heap-dominators.ts';

export const HEAP_SNAPSHOT_SIGNAL = 'SIGUSR2';

export function heapSnapshotNodeArgs(dir: string): string[] {
  return [`--heapsnapshot-signal=${HEAP_SNAPSHOT_SIGNAL}`, `--diagnostic-dir=${dir}`];
}

/**
 * Signals the process and returns the snapshot's path. The process writes it on its main thread, so
 * once `responsive()` answers again the file is complete.
 */
export async function takeHeapSnapshot(
  pid: number,
  dir: string,
  responsive: () => Promise<unknown>,
  timeoutMs = 300_000,
): Promise<string> {
  const before = new Set(await readdir(dir));
  process.kill(pid, HEAP_SNAPSHOT_SIGNAL);
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    await sleep(500);
    const created = (await readdir(dir)).find((f) => f.endsWith('.heapsnapshot') && !before.has(f));
    if (created !== undefined) {
      // The file appears when writing starts; a request sent meanwhile may fail rather than wait, so
      // ask again until the process answers (it fails for good only if the process is gone).
      for (;;) {
        try {
          await responsive();
          return join(dir, created);
        } catch (error) {
          if (Date.now() >= deadline) throw error;
          await sleep(1000);
        }
      }
    }
  }
  throw new Error(`no heap snapshot appeared in ${dir} within ${timeoutMs} ms`);
}

export interface HeapSummary {
  totalBytes: number;
  /** Self size by `type:name`, largest first. */
  byKind: { kind: string; count: number; bytes: number }[];
  /** ArrayBuffer backing stores by the size of each and their retainer chain, largest first. */
  arrayBuffers: { chain: string; count: number; bytes: number; typicalBytes: number }[];
  /** Retained bytes of the controller's long-lived holders (dominator tree), largest first. */
  holders: Holder[];
}

/**
 * The classes that hold per-repository state for the life of the process; informers are told apart by
 * the resource they cache. Whatever none of them retains is reported as the rest of the heap.
 */
const HOLDER_CLASSES = [
  'Informer',
  'WorkQueue',
  'StatusWriter',
  'EaStatusMemory',
  'Reconciler',
  'Registry',
  'ControllerMetrics',
  'DriftMetrics',
  'UpstreamClients',
  'ConfigHubClient',
  'Storage',
  'ArtifactMemoryCache',
  'ValidationCache',
  'ValidatorPool',
  'KubeEventRecorder',
  'DeliveryTracker',
  'DriftDetector',
  'KubeClient',
  'Manager',
  // Pending timers and what their callbacks keep alive.
  'TimersList',
] as const;

function informerResource(graph: SnapshotGraph, node: number): string | undefined {
  if (graph.nameOf(node) !== 'Informer') return undefined;
  const type = property(graph, node, '#type');
  const plural = type === undefined ? undefined : property(graph, type, 'plural');
  return plural === undefined ? 'Informer' : `Informer (${graph.nameOf(plural)})`;
}

interface Snapshot {
  snapshot: {
    meta: { node_fields: string[]; node_types: [string[]]; edge_fields: string[]; edge_types: [string[]] };
  };
  nodes: number[];
  edges: number[];
  strings: string[];
}

export async function summarizeHeapSnapshot(path: string, top = 12): Promise<HeapSummary> {
  const snap = JSON.parse(await readFile(path, 'utf8')) as Snapshot;
  const holders = holderSizes(graphOf(snap), HOLDER_CLASSES, informerResource);
  const { meta } = snap.snapshot;
  const nodeFields = meta.node_fields.length;
  const edgeFields = meta.edge_fields.length;
  const types = meta.node_types[0];
  const typeAt = meta.node_fields.indexOf('type');
  const nameAt = meta.node_fields.indexOf('name');
  const sizeAt = meta.node_fields.indexOf('self_size');
  const edgeCountAt = meta.node_fields.indexOf('edge_count');
  const toAt = meta.edge_fields.indexOf('to_node');
  const { nodes, edges, strings } = snap;

  const label = (i: number) => {
    const type = types[nodes[i + typeAt]!] ?? '?';
    const name = type.includes('string')
      ? '(strings)'
      : type === 'code'
        ? '(code)'
        : strings[nodes[i + nameAt]!];
    return `${type}:${String(name).slice(0, 50)}`;
  };
  // First retainer of every node, enough to name what holds a buffer.
  const owner = new Map<number, number>();
  let edge = 0;
  for (let i = 0; i < nodes.length; i += nodeFields) {
    for (let k = 0; k < nodes[i + edgeCountAt]!; k++, edge += edgeFields) {
      const to = edges[edge + toAt]!;
      if (!owner.has(to)) owner.set(to, i);
    }
  }
  const kinds = new Map<string, { count: number; bytes: number }>();
  const buffers = new Map<string, { count: number; bytes: number; sizes: number[] }>();
  let totalBytes = 0;
  for (let i = 0; i < nodes.length; i += nodeFields) {
    const size = nodes[i + sizeAt]!;
    totalBytes += size;
    const kind = label(i);
    const entry = kinds.get(kind) ?? { count: 0, bytes: 0 };
    entry.count++;
    entry.bytes += size;
    kinds.set(kind, entry);
    if (strings[nodes[i + nameAt]!] === 'system / JSArrayBufferData') {
      const chain: string[] = [];
      for (let cur = owner.get(i), depth = 0; cur !== undefined && depth < 5; cur = owner.get(cur), depth++) {
        chain.push(label(cur));
      }
      const key = chain.join(' ← ');
      const b = buffers.get(key) ?? { count: 0, bytes: 0, sizes: [] };
      b.count++;
      b.bytes += size;
      b.sizes.push(size);
      buffers.set(key, b);
    }
  }
  return {
    totalBytes,
    byKind: [...kinds]
      .map(([kind, v]) => ({ kind, ...v }))
      .sort((a, b) => b.bytes - a.bytes)
      .slice(0, top),
    arrayBuffers: [...buffers]
      .map(([chain, v]) => ({
        chain,
        count: v.count,
        bytes: v.bytes,
        typicalBytes: v.sizes.sort((a, b) => a - b)[Math.floor(v.sizes.length / 2)] ?? 0,
      }))
      .sort((a, b) => b.bytes - a.bytes)
      .slice(0, 4),
    holders,
  };
}
