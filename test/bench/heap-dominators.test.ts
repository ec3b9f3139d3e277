// The benchmark's memory breakdown rests on retained sizes: checked on a hand-made graph whose
// dominator tree is known, and on a real snapshot of a small Node process holding a known amount.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { graphOf, holderSizes, retainedSizes } from '../../bench/lib/heap-dominators.ts';

const run = promisify(execFile);

/** A snapshot in V8's JSON layout from an edge list (all edges strong unless marked weak). */
function snapshotOf(sizes: number[], names: string[], edgeList: [number, number, 'weak'?][]) {
  const meta = {
    node_fields: ['type', 'name', 'id', 'self_size', 'edge_count'],
    node_types: [['hidden', 'object']] as [string[]],
    edge_fields: ['type', 'name_or_index', 'to_node'],
    edge_types: [['element', 'property', 'weak']] as [string[]],
  };
  const strings = [...new Set(names), 'e'];
  const nodes: number[] = [];
  const edges: number[] = [];
  sizes.forEach((size, n) => {
    const out = edgeList.filter(([from]) => from === n);
    nodes.push(1, strings.indexOf(names[n]!), n, size, out.length);
    for (const [, to, weak] of out) edges.push(weak ? 2 : 1, strings.indexOf('e'), to * 5);
  });
  return { snapshot: { meta }, nodes, edges, strings };
}

describe('retained sizes', () => {
  it('follow the dominator tree, not the first retainer, and ignore weak edges', () => {
    // 0 → 1 → 2 → 4, 0 → 3 → 4: node 4 is reachable two ways, so only the root dominates it.
    // 1 → 5 only; 3 -weak-> 5 does not retain.
    const graph = graphOf(
      snapshotOf(
        [0, 10, 20, 30, 40, 50],
        ['root', 'A', 'B', 'C', 'shared', 'D'],
        [
          [0, 1],
          [1, 2],
          [2, 4],
          [0, 3],
          [3, 4],
          [1, 5],
          [3, 5, 'weak'],
        ],
      ),
    );
    const { retained } = retainedSizes(graph);
    expect([...retained]).toEqual([150, 80, 20, 30, 40, 50]);
  });

  it('count a holder nested in another holder only once', () => {
    const graph = graphOf(
      snapshotOf(
        [0, 10, 20, 30],
        ['root', 'Outer', 'Inner', 'x'],
        [
          [0, 1],
          [1, 2],
          [2, 3],
        ],
      ),
    );
    expect(holderSizes(graph, ['Outer', 'Inner'])).toEqual([
      { name: 'Outer', instances: 1, retainedBytes: 60 },
    ]);
  });

  it('name what a real process holds', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'heap-dominators-'));
    try {
      const file = join(dir, 'child.heapsnapshot');
      // 2,000 entries of ~1 KiB strings: about 2 MiB retained by the one holder.
      const program = `
        class PerRepositoryHolder { entries = new Map(); }
        const holder = new PerRepositoryHolder();
        for (let i = 0; i < 2000; i++) holder.entries.set('k' + i, require('node:crypto').randomBytes(512).toString('hex'));
        globalThis.keep = holder;
        require('node:v8').writeHeapSnapshot(${JSON.stringify(file)});`;
      await run(process.execPath, ['-e', program]);
      const graph = graphOf(JSON.parse(await readFile(file, 'utf8')));
      const [holder] = holderSizes(graph, ['PerRepositoryHolder']);
      expect(holder?.instances).toBe(1);
      expect(holder!.retainedBytes).toBeGreaterThan(2000 * 1024);
      expect(holder!.retainedBytes).toBeLessThan(2000 * 1024 * 1.5);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
