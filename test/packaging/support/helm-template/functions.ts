// The Go builtins and Sprig/Helm functions the chart may use. Anything else is an error.
import { parse as parseYaml, stringify } from 'yaml';
import { TemplateError } from './lexer.ts';

export type Fn = (...args: unknown[]) => unknown;

export const isMap = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

/** Go template truth: false, 0, nil, and empty strings, lists and maps are false. */
export function truthy(v: unknown): boolean {
  if (v === undefined || v === null || v === false || v === 0 || v === '') return false;
  if (Array.isArray(v)) return v.length > 0;
  if (isMap(v)) return Object.keys(v).length > 0;
  return true;
}

/** How an action prints a value; maps and lists are refused (Go would print `map[…]`). */
export function show(v: unknown, where: string): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  throw new TemplateError(`${where}: printing a ${Array.isArray(v) ? 'list' : 'map'}; use toYaml`);
}

const goQuote = (s: string) => JSON.stringify(s);

function printf(format: string, ...args: unknown[]): string {
  let n = 0;
  return format.replace(/%([%sdvq])/g, (_, verb: string) => {
    if (verb === '%') return '%';
    const arg = args[n++];
    if (verb === 'd') return String(Math.trunc(Number(arg)));
    if (verb === 'q') return goQuote(String(arg));
    return show(arg, 'printf');
  });
}

/** sigs.k8s.io/yaml style, as Helm's toYaml: sorted keys, unindented sequences, no trailing newline. */
export function toYaml(v: unknown): string {
  if (v === undefined || v === null) return 'null';
  return stringify(v, { sortMapEntries: true, indentSeq: false, lineWidth: 0 }).replace(/\n$/, '');
}

const indent = (n: number, s: string) =>
  s
    .split('\n')
    .map((line) => ' '.repeat(n) + line)
    .join('\n');

const int = (v: unknown): number => {
  const n = typeof v === 'string' ? Number.parseInt(v, 10) : Number(v ?? 0);
  return Number.isFinite(n) ? Math.trunc(n) : 0;
};

export const FUNCTIONS: Record<string, Fn> = {
  not: (v) => !truthy(v),
  eq: (a, ...bs) => bs.some((b) => a === b),
  ne: (a, b) => a !== b,
  lt: (a, b) => (a as number) < (b as number),
  le: (a, b) => (a as number) <= (b as number),
  gt: (a, b) => (a as number) > (b as number),
  ge: (a, b) => (a as number) >= (b as number),
  len: (v) => (typeof v === 'string' || Array.isArray(v) ? v.length : isMap(v) ? Object.keys(v).length : 0),
  print: (...args) => args.map((a) => show(a, 'print')).join(''),
  printf: (format, ...args) => printf(String(format), ...args),
  default: (def, ...rest) => (rest.length > 0 && truthy(rest[0]) ? rest[0] : def),
  empty: (v) => !truthy(v),
  required: (message, v) => {
    if (v === undefined || v === null || v === '') throw new TemplateError(String(message));
    return v;
  },
  fail: (message) => {
    throw new TemplateError(String(message));
  },
  quote: (...args) =>
    args
      .filter((a) => a !== undefined && a !== null)
      .map((a) => goQuote(show(a, 'quote')))
      .join(' '),
  squote: (...args) =>
    args
      .filter((a) => a !== undefined && a !== null)
      .map((a) => `'${show(a, 'squote')}'`)
      .join(' '),
  toYaml: (v) => toYaml(v),
  toJson: (v) => JSON.stringify(v ?? null),
  fromYaml: (s) => {
    const parsed: unknown = parseYaml(String(s ?? ''));
    return isMap(parsed) ? parsed : {};
  },
  indent: (n, s) => indent(int(n), show(s, 'indent')),
  nindent: (n, s) => `\n${indent(int(n), show(s, 'nindent'))}`,
  trunc: (n, s) => show(s, 'trunc').slice(0, int(n)),
  trimSuffix: (suffix, s) => {
    const text = show(s, 'trimSuffix');
    const end = String(suffix);
    return end !== '' && text.endsWith(end) ? text.slice(0, -end.length) : text;
  },
  trimPrefix: (prefix, s) => {
    const text = show(s, 'trimPrefix');
    const start = String(prefix);
    return start !== '' && text.startsWith(start) ? text.slice(start.length) : text;
  },
  trim: (s) => show(s, 'trim').trim(),
  replace: (from, to, s) => show(s, 'replace').split(String(from)).join(String(to)),
  contains: (substr, s) => show(s, 'contains').includes(String(substr)),
  hasPrefix: (prefix, s) => show(s, 'hasPrefix').startsWith(String(prefix)),
  lower: (s) => show(s, 'lower').toLowerCase(),
  upper: (s) => show(s, 'upper').toUpperCase(),
  int,
  toString: (v: unknown) => show(v, 'toString'),
  set: (dict, key, value) => {
    if (!isMap(dict)) throw new TemplateError('set: not a map');
    dict[String(key)] = value;
    return dict;
  },
  hasKey: (dict, key) => isMap(dict) && Object.hasOwn(dict, String(key)),
  dict: (...kv) => {
    const out: Record<string, unknown> = {};
    for (let i = 0; i + 1 < kv.length; i += 2) out[String(kv[i])] = kv[i + 1];
    return out;
  },
  list: (...items) => items,
};
