// Reads Prometheus text exposition: single samples and histogram quantiles over a window.

export type Samples = Map<string, number>;

/** `name{labels} value` lines keyed by the text before the value. */
export function parseMetrics(text: string): Samples {
  const samples: Samples = new Map();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const space = line.lastIndexOf(' ');
    samples.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  return samples;
}

export async function scrape(url: string): Promise<Samples> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`GET ${url}: ${response.status}`);
  return parseMetrics(await response.text());
}

/** Sum of every sample of `name` (all label sets). */
export function total(samples: Samples, name: string): number {
  let sum = 0;
  for (const [key, value] of samples) if (key === name || key.startsWith(`${name}{`)) sum += value;
  return sum;
}

export interface Histogram {
  /** Upper bound → cumulative count. */
  buckets: [number, number][];
  count: number;
  sum: number;
}

export function histogram(samples: Samples, name: string): Histogram {
  const buckets = new Map<number, number>();
  let count = 0;
  let sum = 0;
  for (const [key, value] of samples) {
    if (key.startsWith(`${name}_bucket{`)) {
      const le = /le="([^"]+)"/.exec(key)?.[1];
      if (le === undefined) continue;
      const bound = le === '+Inf' ? Number.POSITIVE_INFINITY : Number(le);
      buckets.set(bound, (buckets.get(bound) ?? 0) + value);
    } else if (key.startsWith(`${name}_count`)) count += value;
    else if (key.startsWith(`${name}_sum`)) sum += value;
  }
  return { buckets: [...buckets].sort(([a], [b]) => a - b), count, sum };
}

/** The observations made between two scrapes. */
export function delta(later: Histogram, earlier: Histogram): Histogram {
  const before = new Map(earlier.buckets);
  return {
    buckets: later.buckets.map(([bound, n]) => [bound, n - (before.get(bound) ?? 0)]),
    count: later.count - earlier.count,
    sum: later.sum - earlier.sum,
  };
}

/** Upper bucket bound under which at least `q` of the observations fall (Infinity if beyond the last). */
export function quantileBound(h: Histogram, q: number): number {
  const target = h.count * q;
  for (const [bound, n] of h.buckets) if (n >= target) return bound;
  return Number.POSITIVE_INFINITY;
}
