// The JSONPath subset CRD printer columns use: `.a.b`, `[0]`, `[*]`, `[?(@.type=="Ready")]`.

type Step =
  | { kind: 'field'; name: string }
  | { kind: 'index'; index: number }
  | { kind: 'all' }
  | { kind: 'filter'; path: string[]; op: '==' | '!='; value: string };

const parse = (expr: string): Step[] => {
  const text = expr
    .trim()
    .replace(/^\{(.*)\}$/, '$1')
    .replace(/^\$/, '');
  const steps: Step[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i];
    if (ch === '.') {
      const m = /^\.([A-Za-z0-9_-]+)/.exec(text.slice(i));
      if (!m) throw new Error(`unsupported JSONPath ${expr}`);
      steps.push({ kind: 'field', name: m[1]! });
      i += m[0].length;
    } else if (ch === '[') {
      const end = text.indexOf(']', i);
      const inner = text.slice(i + 1, end);
      if (inner === '*') steps.push({ kind: 'all' });
      else if (/^-?\d+$/.test(inner)) steps.push({ kind: 'index', index: Number(inner) });
      else if (/^'[^']*'$|^"[^"]*"$/.test(inner)) steps.push({ kind: 'field', name: inner.slice(1, -1) });
      else {
        const f = /^\?\(@((?:\.[A-Za-z0-9_-]+)+)\s*(==|!=)\s*(?:"([^"]*)"|'([^']*)'|([^)\s]+))\)$/.exec(
          inner,
        );
        if (!f) throw new Error(`unsupported JSONPath ${expr}`);
        steps.push({
          kind: 'filter',
          path: f[1]!.slice(1).split('.'),
          op: f[2] as '==' | '!=',
          value: f[3] ?? f[4] ?? f[5] ?? '',
        });
      }
      i = end + 1;
    } else {
      throw new Error(`unsupported JSONPath ${expr}`);
    }
  }
  return steps;
};

const get = (value: unknown, key: string): unknown =>
  value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)[key]
    : undefined;

/** All values the expression selects in `root`, in document order. */
export const evaluate = (expr: string, root: unknown): unknown[] => {
  let current: unknown[] = [root];
  for (const step of parse(expr)) {
    const next: unknown[] = [];
    for (const value of current) {
      if (step.kind === 'field') {
        const v = get(value, step.name);
        if (v !== undefined) next.push(v);
      } else if (Array.isArray(value)) {
        if (step.kind === 'all') next.push(...value);
        else if (step.kind === 'index') {
          const v = value.at(step.index);
          if (v !== undefined) next.push(v);
        } else {
          for (const item of value) {
            const actual = step.path.reduce<unknown>((cur, k) => get(cur, k), item);
            const equal = actual !== undefined && String(actual) === step.value;
            if (step.op === '==' ? equal : !equal) next.push(item);
          }
        }
      }
    }
    current = next;
  }
  return current;
};
