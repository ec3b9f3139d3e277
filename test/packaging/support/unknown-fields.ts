// Finds fields the API server would silently drop. The kubernetes-models validators accept unknown
// fields, so a misplaced or misspelt field (say `seccompProfile` one level too high) would pass them;
// the field lists come from the same package's type declarations, which are generated from Kubernetes'
// OpenAPI like its validators.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { REPO_ROOT } from './paths.ts';

const NODE_MODULES = join(REPO_ROOT, 'node_modules');

type Shape =
  | { t: 'leaf' }
  | { t: 'array'; of: Shape }
  | { t: 'map'; of: Shape }
  | { t: 'object'; fields: Map<string, () => Shape> };

const LEAF: Shape = { t: 'leaf' };

interface DeclFile {
  imports: Map<string, string>; // imported name → declaration file
  aliases: Map<string, string>; // exported name → local name
  text: string;
}

const files = new Map<string, DeclFile>();
const shapes = new Map<string, Shape>();

function load(file: string): DeclFile {
  let decl = files.get(file);
  if (decl) return decl;
  const text = readFileSync(file, 'utf8');
  const imports = new Map<string, string>();
  for (const m of text.matchAll(/import \{([^}]+)\} from "([^"]+)";/g)) {
    const spec = m[2]!;
    const base = spec.startsWith('.') ? join(dirname(file), spec) : join(NODE_MODULES, spec);
    const target = `${base.replace(/\.js$/, '')}.d.ts`;
    for (const name of m[1]!.split(',').map((n) => n.trim())) if (name) imports.set(name, target);
  }
  const aliases = new Map<string, string>();
  for (const m of text.matchAll(/export type \{([^}]+)\}/g)) {
    for (const part of m[1]!.split(',')) {
      const [local, exported] = part.split(' as ').map((s) => s.trim());
      if (local && exported) aliases.set(exported, local);
    }
  }
  decl = { imports, aliases, text };
  files.set(file, decl);
  return decl;
}

/** Splits `a; b; c` (or `a | b`) at depth 0 of (), <>, {}. */
function splitTop(text: string, sep: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if ('{<(['.includes(c)) depth++;
    else if ('}>)]'.includes(c)) depth--;
    else if (c === sep && depth === 0) {
      out.push(text.slice(start, i));
      start = i + 1;
    }
  }
  out.push(text.slice(start));
  return out.map((s) => s.trim()).filter((s) => s !== '');
}

function typeShape(expr: string, file: string): Shape {
  const type = expr.trim();
  const union = splitTop(type, '|');
  if (union.length > 1) {
    const named = union.filter((u) => /^I[A-Za-z0-9]+$/.test(u));
    return named.length === 1 ? typeShape(named[0]!, file) : LEAF;
  }
  const array = /^Array<([\s\S]+)>$/.exec(type);
  if (array) return { t: 'array', of: typeShape(array[1]!, file) };
  const map = /^\{\s*\[key: string\]:\s*([\s\S]+?);?\s*\}$/.exec(type);
  if (map) return { t: 'map', of: typeShape(map[1]!, file) };
  if (
    /^[A-Za-z0-9_]+$/.test(type) &&
    !['string', 'number', 'boolean', 'any', 'unknown', 'null', 'object'].includes(type)
  ) {
    return named(type, file);
  }
  return LEAF;
}

function named(name: string, file: string): Shape {
  const decl = load(file);
  const imported = decl.imports.get(name);
  if (imported) return exported(name, imported);
  const local = decl.aliases.get(name) ?? name;
  const key = `${file}#${local}`;
  const cached = shapes.get(key);
  if (cached) return cached;
  const alias = new RegExp(`export type ${local} = ([^;]+);`).exec(decl.text);
  if (alias) {
    const shape = typeShape(alias[1]!, file);
    shapes.set(key, shape);
    return shape;
  }
  const start = new RegExp(`export interface ${local}\\b[^{]*\\{`).exec(decl.text);
  if (!start) return LEAF; // not modelled: accept
  let depth = 1;
  let i = start.index + start[0].length;
  const bodyStart = i;
  for (; i < decl.text.length && depth > 0; i++) {
    if (decl.text[i] === '{') depth++;
    else if (decl.text[i] === '}') depth--;
  }
  const body = decl.text.slice(bodyStart, i - 1).replace(/\/\*\*[\s\S]*?\*\//g, '');
  const fields = new Map<string, () => Shape>();
  const shape: Shape = { t: 'object', fields };
  shapes.set(key, shape);
  for (const member of splitTop(body, ';')) {
    const m = /^"([^"]+)"\??:\s*([\s\S]+)$/.exec(member);
    if (!m) continue;
    let resolved: Shape | undefined;
    fields.set(m[1]!, () => {
      resolved ??= typeShape(m[2]!, file);
      return resolved;
    });
  }
  // Declarations without fields stand for free-form values (JSON, int-or-string, schema-or-bool …).
  if (fields.size === 0) {
    shapes.set(key, LEAF);
    return LEAF;
  }
  return shape;
}

function exported(name: string, file: string): Shape {
  if (!existsSync(file)) return LEAF;
  return named(name, file);
}

function walk(value: unknown, shape: Shape, path: string, out: string[]): void {
  if (value === null || value === undefined) return;
  if (shape.t === 'array' && Array.isArray(value)) {
    for (const [i, v] of value.entries()) walk(v, shape.of, `${path}[${i}]`, out);
  } else if (shape.t === 'map' && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) walk(v, shape.of, `${path}.${k}`, out);
  } else if (shape.t === 'object' && typeof value === 'object' && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) {
      const field = shape.fields.get(k);
      if (!field) out.push(`${path}.${k}`);
      else walk(v, field(), `${path}.${k}`, out);
    }
  }
}

/** Paths of fields the Kubernetes type of `apiVersion/kind` does not have; undefined when not modelled. */
export function unknownFields(apiVersion: string, kind: string, value: unknown): string[] | undefined {
  const file = join(NODE_MODULES, 'kubernetes-models', apiVersion, `${kind}.d.ts`);
  if (!existsSync(file)) return undefined;
  const out: string[] = [];
  walk(value, named(`I${kind}`, file), '', out);
  return out;
}
