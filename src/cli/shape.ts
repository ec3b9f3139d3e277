// A small structural check for what the CLI reads from the API: the fields it uses have the kinds it
// expects. The API server validated the objects against their schemas already; this catches a proxy
// or a server that answers with something else, without loading a schema library at start-up.

export type Kind = 'string' | 'number' | 'boolean' | 'object' | 'array';

/**
 * Rules `[path, kind]`: a dotted path below the object, `*` for every item of an array, ending in `!`
 * when the value must be present (otherwise it may be absent, but not of another kind).
 */
export type Shape = readonly (readonly [string, Kind])[];

/** The first place `raw` breaks `shape`, as `path: expected a kind`, or undefined. */
export function shapeProblem(raw: unknown, shape: Shape): string | undefined {
  if (kindOf(raw) !== 'object') return 'expected an object';
  for (const [rule, kind] of shape) {
    const required = rule.endsWith('!');
    const path = (required ? rule.slice(0, -1) : rule).split('.');
    for (const [where, value] of valuesAt(raw, path, [])) {
      const found = kindOf(value);
      if (found === kind || (found === 'undefined' && !required)) continue;
      return `${where.join('.')}: expected ${kind === 'string' || kind === 'number' || kind === 'boolean' ? 'a' : 'an'} ${kind}`;
    }
  }
  return undefined;
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

/** The values at `path` below `value`, each with its concrete path; `*` expands arrays. */
function valuesAt(value: unknown, path: string[], at: string[]): [string[], unknown][] {
  if (path.length === 0) return [[at, value]];
  if (typeof value !== 'object' || value === null) return [];
  const [head, ...rest] = path as [string, ...string[]];
  if (head === '*') {
    return Array.isArray(value) ? value.flatMap((item, i) => valuesAt(item, rest, [...at, String(i)])) : [];
  }
  return valuesAt((value as Record<string, unknown>)[head], rest, [...at, head]);
}
