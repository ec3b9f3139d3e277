// Retained sizes from a V8 heap snapshot: the dominator tree (Cooper, Harvey and Kennedy's iterative
// algorithm, as Chrome DevTools computes "Retained size"), so the memory of every long-lived holder of
// the controller — informer caches, work queue, status memory, metrics, caches — can be named and
// divided by the number of repositories.

export interface SnapshotGraph {
  nodeCount: number;
  /** Self size of each node. */
  selfSize: Float64Array;
  /** `type:name` of each node, for naming holders. */
  typeOf(node: number): string;
  nameOf(node: number): string;
  /** Outgoing strong edges of each node, CSR form. */
  firstEdge: Uint32Array;
  edgeTargets: Uint32Array;
  /** Property name of each strong edge ('' for element and internal edges). */
  edgeName(edge: number): string;
}

interface RawSnapshot {
  snapshot: {
    meta: {
      node_fields: string[];
      node_types: [string[]];
      edge_fields: string[];
      edge_types: [string[]];
    };
  };
  nodes: number[];
  edges: number[];
  strings: string[];
}

/** The snapshot's graph without weak edges (they do not retain). */
export function graphOf(snap: RawSnapshot): SnapshotGraph {
  const { meta } = snap.snapshot;
  const nodeFields = meta.node_fields.length;
  const edgeFields = meta.edge_fields.length;
  const typeAt = meta.node_fields.indexOf('type');
  const nameAt = meta.node_fields.indexOf('name');
  const sizeAt = meta.node_fields.indexOf('self_size');
  const edgeCountAt = meta.node_fields.indexOf('edge_count');
  const edgeTypeAt = meta.edge_fields.indexOf('type');
  const toAt = meta.edge_fields.indexOf('to_node');
  const weak = meta.edge_types[0].indexOf('weak');
  const { nodes, edges, strings } = snap;
  const nodeCount = nodes.length / nodeFields;
  const selfSize = new Float64Array(nodeCount);
  const firstEdge = new Uint32Array(nodeCount + 1);
  const targets: number[] = [];
  const names: number[] = [];
  const property = meta.edge_types[0].indexOf('property');
  const nameOfEdge = meta.edge_fields.indexOf('name_or_index');
  let edge = 0;
  for (let n = 0; n < nodeCount; n++) {
    const base = n * nodeFields;
    selfSize[n] = nodes[base + sizeAt]!;
    firstEdge[n] = targets.length;
    for (let k = 0; k < nodes[base + edgeCountAt]!; k++, edge += edgeFields) {
      if (edges[edge + edgeTypeAt] === weak) continue;
      targets.push(edges[edge + toAt]! / nodeFields);
      names.push(edges[edge + edgeTypeAt] === property ? edges[edge + nameOfEdge]! : -1);
    }
  }
  firstEdge[nodeCount] = targets.length;
  const types = meta.node_types[0];
  return {
    nodeCount,
    selfSize,
    firstEdge,
    edgeTargets: Uint32Array.from(targets),
    typeOf: (n) => types[nodes[n * nodeFields + typeAt]!] ?? '?',
    nameOf: (n) => strings[nodes[n * nodeFields + nameAt]!] ?? '',
    edgeName: (e) => (names[e]! < 0 ? '' : (strings[names[e]!] ?? '')),
  };
}

const UNSET = 0xffffffff;

/** Retained size of every node reachable from node 0 (the snapshot's synthetic root). */
export function retainedSizes(graph: SnapshotGraph): { retained: Float64Array; idom: Uint32Array } {
  const { nodeCount, firstEdge, edgeTargets, selfSize } = graph;
  // Depth-first postorder from the root, iteratively.
  const order = new Uint32Array(nodeCount).fill(UNSET); // postorder index of each node
  const byOrder: number[] = [];
  const visited = new Uint8Array(nodeCount);
  const stack: number[] = [0];
  const cursor = new Uint32Array(nodeCount);
  visited[0] = 1;
  cursor[0] = firstEdge[0]!;
  while (stack.length > 0) {
    const n = stack[stack.length - 1]!;
    if (cursor[n]! < firstEdge[n + 1]!) {
      const to = edgeTargets[cursor[n]!++]!;
      if (visited[to] === 0) {
        visited[to] = 1;
        cursor[to] = firstEdge[to]!;
        stack.push(to);
      }
    } else {
      stack.pop();
      order[n] = byOrder.length;
      byOrder.push(n);
    }
  }
  // Predecessors of reachable nodes, in postorder numbers, CSR form.
  const reachable = byOrder.length;
  const predCount = new Uint32Array(reachable + 1);
  for (let n = 0; n < nodeCount; n++) {
    if (order[n] === UNSET) continue;
    for (let e = firstEdge[n]!; e < firstEdge[n + 1]!; e++) predCount[order[edgeTargets[e]!]!]!++;
  }
  const predStart = new Uint32Array(reachable + 1);
  for (let i = 0; i < reachable; i++) predStart[i + 1] = predStart[i]! + predCount[i]!;
  const preds = new Uint32Array(predStart[reachable]!);
  const fill = predStart.slice(0, reachable);
  for (let n = 0; n < nodeCount; n++) {
    const from = order[n]!;
    if (from === UNSET) continue;
    for (let e = firstEdge[n]!; e < firstEdge[n + 1]!; e++) preds[fill[order[edgeTargets[e]!]!]!++] = from;
  }
  // Immediate dominators in postorder numbers; the root has the highest number.
  const root = reachable - 1;
  const dom = new Uint32Array(reachable).fill(UNSET);
  dom[root] = root;
  const intersect = (a: number, b: number) => {
    while (a !== b) {
      while (a < b) a = dom[a]!;
      while (b < a) b = dom[b]!;
    }
    return a;
  };
  for (let changed = true; changed; ) {
    changed = false;
    for (let i = root - 1; i >= 0; i--) {
      let next = UNSET;
      for (let p = predStart[i]!; p < predStart[i + 1]!; p++) {
        const pred = preds[p]!;
        if (dom[pred] === UNSET) continue;
        next = next === UNSET ? pred : intersect(pred, next);
      }
      if (next !== UNSET && dom[i] !== next) {
        dom[i] = next;
        changed = true;
      }
    }
  }
  // A dominator always has a higher postorder number: one ascending pass sums retained sizes.
  const retainedByOrder = new Float64Array(reachable);
  for (let i = 0; i < reachable; i++) retainedByOrder[i] = selfSize[byOrder[i]!]!;
  for (let i = 0; i < root; i++) if (dom[i] !== UNSET) retainedByOrder[dom[i]!]! += retainedByOrder[i]!;
  const retained = new Float64Array(nodeCount);
  const idom = new Uint32Array(nodeCount).fill(UNSET);
  for (let i = 0; i < reachable; i++) {
    retained[byOrder[i]!] = retainedByOrder[i]!;
    if (dom[i] !== UNSET) idom[byOrder[i]!] = byOrder[dom[i]!]!;
  }
  return { retained, idom };
}

export interface Holder {
  name: string;
  instances: number;
  retainedBytes: number;
}

/**
 * Retained bytes of every object whose constructor is one of `classes`, an instance inside another
 * listed holder counted only in the outer one (so the rows add up).
 */
export function holderSizes(
  graph: SnapshotGraph,
  classes: readonly string[],
  /** A finer name for an instance (e.g. which resource an informer caches), or undefined. */
  refine: (graph: SnapshotGraph, node: number) => string | undefined = () => undefined,
): Holder[] {
  const { retained, idom } = retainedSizes(graph);
  const wanted = new Set(classes);
  const isHolder = (n: number) => graph.typeOf(n) === 'object' && wanted.has(graph.nameOf(n));
  const byName = new Map<string, Holder>();
  for (let n = 0; n < graph.nodeCount; n++) {
    if (!isHolder(n) || idom[n] === UNSET) continue;
    let inner = false;
    for (let up = idom[n]!; up !== 0 && up !== UNSET; up = idom[up]!) {
      if (isHolder(up)) {
        inner = true;
        break;
      }
    }
    if (inner) continue;
    const name = refine(graph, n) ?? graph.nameOf(n);
    const holder = byName.get(name) ?? { name, instances: 0, retainedBytes: 0 };
    holder.instances++;
    holder.retainedBytes += retained[n]!;
    byName.set(name, holder);
  }
  return [...byName.values()].sort((a, b) => b.retainedBytes - a.retainedBytes);
}

/** The node an object's property `name` points at, if any. */
export function property(graph: SnapshotGraph, node: number, name: string): number | undefined {
  for (let e = graph.firstEdge[node]!; e < graph.firstEdge[node + 1]!; e++) {
    if (graph.edgeName(e) === name) return graph.edgeTargets[e]!;
  }
  return undefined;
}
