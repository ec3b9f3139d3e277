// Executes a parsed template against data, as Go's text/template does for the supported subset.

import { FUNCTIONS, isMap, show, truthy } from './functions.ts';
import { TemplateError } from './lexer.ts';
import type { Command, Node, Operand, Pipe } from './parser.ts';

class Scope {
  readonly vars = new Map<string, unknown>();
  readonly parent: Scope | undefined;
  constructor(parent: Scope | undefined) {
    this.parent = parent;
  }
  lookup(name: string, where: string): unknown {
    for (let s: Scope | undefined = this; s; s = s.parent) if (s.vars.has(name)) return s.vars.get(name);
    throw new TemplateError(`${where}: undefined variable ${name}`);
  }
  assign(name: string, value: unknown, where: string): void {
    for (let s: Scope | undefined = this; s; s = s.parent) {
      if (s.vars.has(name)) {
        s.vars.set(name, value);
        return;
      }
    }
    throw new TemplateError(`${where}: assignment to undeclared ${name}`);
  }
}

export class Renderer {
  readonly #defines: Map<string, Node[]>;
  #depth = 0;
  constructor(defines: Map<string, Node[]>) {
    this.#defines = defines;
  }

  render(nodes: Node[], data: unknown): string {
    const scope = new Scope(undefined);
    scope.vars.set('$', data);
    return this.#list(nodes, data, scope);
  }

  include(name: string, data: unknown, where: string): string {
    const body = this.#defines.get(name);
    if (!body) throw new TemplateError(`${where}: no template named ${JSON.stringify(name)}`);
    if (++this.#depth > 100) throw new TemplateError(`${where}: include recursion too deep`);
    try {
      return this.render(body, data);
    } finally {
      this.#depth--;
    }
  }

  #list(nodes: Node[], dot: unknown, scope: Scope): string {
    let out = '';
    for (const node of nodes) out += this.#node(node, dot, scope);
    return out;
  }

  #node(node: Node, dot: unknown, scope: Scope): string {
    switch (node.t) {
      case 'text':
        return node.text;
      case 'output': {
        const value = this.#pipe(node.pipe, dot, scope, node.where);
        return node.pipe.decl ? '' : show(value, node.where);
      }
      case 'if': {
        for (const branch of node.branches) {
          const inner = new Scope(scope);
          if (truthy(this.#pipe(branch.pipe, dot, inner, node.where)))
            return this.#list(branch.body, dot, inner);
        }
        return node.otherwise ? this.#list(node.otherwise, dot, new Scope(scope)) : '';
      }
      case 'with': {
        const inner = new Scope(scope);
        const value = this.#pipe(node.pipe, dot, inner, node.where);
        if (truthy(value)) return this.#list(node.body, value, inner);
        return node.otherwise ? this.#list(node.otherwise, dot, new Scope(scope)) : '';
      }
      case 'range': {
        const names = node.pipe.decl?.names ?? [];
        const value = this.#pipe({ commands: node.pipe.commands }, dot, scope, node.where);
        const entries: [unknown, unknown][] = Array.isArray(value)
          ? value.map((v, i) => [i, v])
          : isMap(value)
            ? Object.keys(value)
                .sort()
                .map((k) => [k, value[k]])
            : [];
        if (value !== undefined && value !== null && !Array.isArray(value) && !isMap(value)) {
          throw new TemplateError(`${node.where}: range over ${typeof value}`);
        }
        if (entries.length === 0)
          return node.otherwise ? this.#list(node.otherwise, dot, new Scope(scope)) : '';
        let out = '';
        for (const [key, item] of entries) {
          const inner = new Scope(scope);
          if (names.length === 1) inner.vars.set(names[0]!, item);
          if (names.length === 2) {
            inner.vars.set(names[0]!, key);
            inner.vars.set(names[1]!, item);
          }
          out += this.#list(node.body, item, inner);
        }
        return out;
      }
    }
  }

  #pipe(pipe: Pipe, dot: unknown, scope: Scope, where: string): unknown {
    let value: unknown;
    pipe.commands.forEach((command, i) => {
      value = this.#command(command, dot, scope, where, i > 0, value);
    });
    if (pipe.decl) {
      const name = pipe.decl.names[pipe.decl.names.length - 1]!;
      if (pipe.decl.op === ':=') scope.vars.set(name, value);
      else scope.assign(name, value, where);
    }
    return value;
  }

  #command(
    command: Command,
    dot: unknown,
    scope: Scope,
    where: string,
    piped: boolean,
    input: unknown,
  ): unknown {
    const [head, ...rest] = command as [Operand, ...Operand[]];
    const args = () => {
      const values = rest.map((op) => this.#operand(op, dot, scope, where));
      if (piped) values.push(input);
      return values;
    };
    if (head.t === 'ident') {
      if (head.name === 'and' || head.name === 'or') {
        // Short-circuit, returning the deciding operand, as Go does.
        const ops = rest.map((op) => () => this.#operand(op, dot, scope, where));
        if (piped) ops.push(() => input);
        let last: unknown;
        for (const op of ops) {
          last = op();
          if (head.name === 'and' ? !truthy(last) : truthy(last)) return last;
        }
        return last;
      }
      if (head.name === 'include') {
        const [name, data] = args();
        return this.include(String(name), data, where);
      }
      const fn = FUNCTIONS[head.name];
      if (!fn)
        throw new TemplateError(
          `${where}: function ${JSON.stringify(head.name)} is outside the supported subset`,
        );
      try {
        return fn(...args());
      } catch (error) {
        if (error instanceof TemplateError) throw new TemplateError(`${where}: ${error.message}`);
        throw error;
      }
    }
    const value = this.#operand(head, dot, scope, where);
    if (typeof value === 'function') return (value as (...a: unknown[]) => unknown)(...args());
    if (rest.length > 0 || piped)
      throw new TemplateError(`${where}: ${JSON.stringify(head)} is not a function`);
    return value;
  }

  #operand(op: Operand, dot: unknown, scope: Scope, where: string): unknown {
    switch (op.t) {
      case 'lit':
        return op.value;
      case 'field':
        return walk(dot, op.path);
      case 'var':
        return walk(scope.lookup(op.name, where), op.path);
      case 'sub':
        return walk(this.#pipe(op.pipe, dot, scope, where), op.path);
      case 'ident': {
        if (op.name === 'and' || op.name === 'or' || op.name === 'include' || FUNCTIONS[op.name]) {
          return this.#command([op], dot, scope, where, false, undefined);
        }
        throw new TemplateError(
          `${where}: function ${JSON.stringify(op.name)} is outside the supported subset`,
        );
      }
    }
  }
}

/** Field access: a missing key is nil (Helm renders it empty); methods are bound to their object. */
function walk(value: unknown, path: string[]): unknown {
  let cur = value;
  for (const key of path) {
    if (cur === undefined || cur === null) return undefined;
    if (typeof cur !== 'object') throw new TemplateError(`cannot read .${key} of ${typeof cur}`);
    const next = (cur as Record<string, unknown>)[key];
    cur = typeof next === 'function' ? next.bind(cur) : next;
  }
  return cur;
}
