// Parses lexed chunks into a tree of text, output actions and control structures.
import { type Chunk, TemplateError } from './lexer.ts';

export type Operand =
  | { t: 'field'; path: string[] } // `.` (empty path) or `.A.B`
  | { t: 'var'; name: string; path: string[] } // `$`, `$x`, `$x.A`
  | { t: 'lit'; value: unknown }
  | { t: 'ident'; name: string }
  | { t: 'sub'; pipe: Pipe; path: string[] };
export type Command = Operand[];
export interface Pipe {
  decl?: { names: string[]; op: ':=' | '=' };
  commands: Command[];
}
export type Node =
  | { t: 'text'; text: string }
  | { t: 'output'; pipe: Pipe; where: string }
  | { t: 'if'; branches: { pipe: Pipe; body: Node[] }[]; otherwise: Node[] | undefined; where: string }
  | { t: 'range'; pipe: Pipe; body: Node[]; otherwise: Node[] | undefined; where: string }
  | { t: 'with'; pipe: Pipe; body: Node[]; otherwise: Node[] | undefined; where: string };

export interface Parsed {
  nodes: Node[];
  defines: Map<string, Node[]>;
}

type Token =
  | { k: 'str'; v: string }
  | { k: 'num'; v: number }
  | { k: 'word'; v: string }
  | { k: 'field'; v: string[] }
  | { k: 'var'; v: string; path: string[] }
  | { k: 'chain'; v: string[] }
  | { k: 'punct'; v: '|' | '(' | ')' | ':=' | '=' | ',' };

function tokenize(body: string, where: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  const ident = /[A-Za-z_][A-Za-z0-9_]*/y;
  const chain = (): string[] => {
    const path: string[] = [];
    while (body[i] === '.') {
      ident.lastIndex = i + 1;
      const m = ident.exec(body);
      if (!m) break;
      path.push(m[0]);
      i = ident.lastIndex;
    }
    return path;
  };
  while (i < body.length) {
    const c = body[i]!;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
    } else if (c === '"') {
      let j = i + 1;
      while (j < body.length && body[j] !== '"') j += body[j] === '\\' ? 2 : 1;
      out.push({ k: 'str', v: JSON.parse(body.slice(i, j + 1)) as string });
      i = j + 1;
    } else if (c === '`') {
      const j = body.indexOf('`', i + 1);
      out.push({ k: 'str', v: body.slice(i + 1, j) });
      i = j + 1;
    } else if (/[0-9]/.test(c) || (c === '-' && /[0-9]/.test(body[i + 1] ?? ''))) {
      const m = /-?[0-9]+(\.[0-9]+)?/y;
      m.lastIndex = i;
      const found = m.exec(body)![0];
      out.push({ k: 'num', v: Number(found) });
      i += found.length;
    } else if (c === '.') {
      if (!/[A-Za-z_]/.test(body[i + 1] ?? '')) {
        out.push({ k: 'field', v: [] });
        i++;
      } else {
        const afterParen = out.length > 0 && body[i - 1] === ')';
        const path = chain();
        if (afterParen) out.push({ k: 'chain', v: path });
        else out.push({ k: 'field', v: path });
      }
    } else if (c === '$') {
      ident.lastIndex = i + 1;
      const m = ident.exec(body);
      const name = m ? `$${m[0]}` : '$';
      i = m ? ident.lastIndex : i + 1;
      out.push({ k: 'var', v: name, path: chain() });
    } else if (body.startsWith(':=', i)) {
      out.push({ k: 'punct', v: ':=' });
      i += 2;
    } else if (c === '|' || c === '(' || c === ')' || c === '=' || c === ',') {
      out.push({ k: 'punct', v: c });
      i++;
    } else {
      ident.lastIndex = i;
      const m = ident.exec(body);
      if (!m) throw new TemplateError(`${where}: unexpected ${JSON.stringify(body.slice(i, i + 10))}`);
      out.push({ k: 'word', v: m[0] });
      i = ident.lastIndex;
    }
  }
  return out;
}

function parsePipe(tokens: Token[], where: string): Pipe {
  let pos = 0;
  const pipe: Pipe = { commands: [] };
  // Declarations: `$x :=`, `$i, $v :=`, `$x =`.
  const declEnd = tokens.findIndex((t) => t.k === 'punct' && (t.v === ':=' || t.v === '='));
  if (
    declEnd > 0 &&
    tokens.slice(0, declEnd).every((t) => t.k === 'var' || (t.k === 'punct' && t.v === ','))
  ) {
    const names = tokens.slice(0, declEnd).flatMap((t) => (t.k === 'var' ? [t.v] : []));
    pipe.decl = { names, op: (tokens[declEnd] as { v: ':=' | '=' }).v };
    pos = declEnd + 1;
  }
  const parseCommands = (stopAtParen: boolean): Command[] => {
    const commands: Command[] = [];
    let current: Command = [];
    while (pos < tokens.length) {
      const tok = tokens[pos]!;
      if (tok.k === 'punct' && tok.v === ')') {
        if (!stopAtParen) throw new TemplateError(`${where}: unbalanced )`);
        break;
      }
      pos++;
      if (tok.k === 'punct' && tok.v === '|') {
        if (current.length === 0) throw new TemplateError(`${where}: empty command before |`);
        commands.push(current);
        current = [];
      } else if (tok.k === 'punct' && tok.v === '(') {
        const inner = parseCommands(true);
        if (tokens[pos]?.k !== 'punct') throw new TemplateError(`${where}: unclosed (`);
        pos++;
        let path: string[] = [];
        const next = tokens[pos];
        if (next?.k === 'chain') {
          path = next.v;
          pos++;
        }
        current.push({ t: 'sub', pipe: { commands: inner }, path });
      } else if (tok.k === 'str' || tok.k === 'num') current.push({ t: 'lit', value: tok.v });
      else if (tok.k === 'field') current.push({ t: 'field', path: tok.v });
      else if (tok.k === 'var') current.push({ t: 'var', name: tok.v, path: tok.path });
      else if (tok.k === 'word') {
        if (tok.v === 'true' || tok.v === 'false') current.push({ t: 'lit', value: tok.v === 'true' });
        else if (tok.v === 'nil') current.push({ t: 'lit', value: undefined });
        else current.push({ t: 'ident', name: tok.v });
      } else throw new TemplateError(`${where}: unexpected ${JSON.stringify(tok.v)}`);
    }
    if (current.length === 0) throw new TemplateError(`${where}: empty pipeline`);
    commands.push(current);
    return commands;
  };
  pipe.commands = parseCommands(false);
  if (pos !== tokens.length) throw new TemplateError(`${where}: trailing tokens`);
  return pipe;
}

const KEYWORDS = new Set([
  'if',
  'else',
  'end',
  'range',
  'with',
  'define',
  'template',
  'block',
  'break',
  'continue',
]);

export function parse(chunks: Chunk[], file: string): Parsed {
  const defines = new Map<string, Node[]>();
  let pos = 0;

  // Parses nodes until one of `stops` (`end`, `else …`), which it returns without consuming its body.
  const parseList = (stops: boolean): { nodes: Node[]; stop: { word: string; rest: string } | undefined } => {
    const nodes: Node[] = [];
    while (pos < chunks.length) {
      const chunk = chunks[pos++]!;
      if (chunk.kind === 'text') {
        nodes.push({ t: 'text', text: chunk.text });
        continue;
      }
      const where = `${file}:${chunk.line}`;
      if (chunk.body.startsWith('/*')) continue;
      const m = /^([a-z]+)\b\s*([\s\S]*)$/.exec(chunk.body);
      const word = m?.[1];
      const rest = m?.[2] ?? '';
      if (!word || !KEYWORDS.has(word)) {
        nodes.push({ t: 'output', pipe: parsePipe(tokenize(chunk.body, where), where), where });
        continue;
      }
      if (word === 'end' || word === 'else') {
        if (!stops) throw new TemplateError(`${where}: unexpected ${word}`);
        return { nodes, stop: { word, rest } };
      }
      if (word === 'if') {
        const branches: { pipe: Pipe; body: Node[] }[] = [];
        let cond = rest;
        let otherwise: Node[] | undefined;
        for (;;) {
          const inner = parseList(true);
          branches.push({ pipe: parsePipe(tokenize(cond, where), where), body: inner.nodes });
          if (!inner.stop) throw new TemplateError(`${where}: missing end`);
          if (inner.stop.word === 'end') break;
          const elseIf = /^if\s+([\s\S]+)$/.exec(inner.stop.rest);
          if (elseIf) {
            cond = elseIf[1]!;
            continue;
          }
          if (inner.stop.rest !== '')
            throw new TemplateError(`${where}: unsupported else ${inner.stop.rest}`);
          const tail = parseList(true);
          if (tail.stop?.word !== 'end') throw new TemplateError(`${where}: missing end`);
          otherwise = tail.nodes;
          break;
        }
        nodes.push({ t: 'if', branches, otherwise, where });
      } else if (word === 'range' || word === 'with') {
        const pipe = parsePipe(tokenize(rest, where), where);
        const inner = parseList(true);
        if (!inner.stop) throw new TemplateError(`${where}: missing end`);
        let otherwise: Node[] | undefined;
        if (inner.stop.word === 'else') {
          if (inner.stop.rest !== '')
            throw new TemplateError(`${where}: unsupported else ${inner.stop.rest}`);
          const tail = parseList(true);
          if (tail.stop?.word !== 'end') throw new TemplateError(`${where}: missing end`);
          otherwise = tail.nodes;
        }
        nodes.push({ t: word, pipe, body: inner.nodes, otherwise, where });
      } else if (word === 'define') {
        const name = /^"([^"]+)"$/.exec(rest)?.[1];
        if (!name) throw new TemplateError(`${where}: define needs a quoted name`);
        const inner = parseList(true);
        if (inner.stop?.word !== 'end') throw new TemplateError(`${where}: missing end of define`);
        defines.set(name, inner.nodes);
      } else {
        throw new TemplateError(`${where}: ${word} is outside the supported subset`);
      }
    }
    return { nodes, stop: undefined };
  };

  const { nodes } = parseList(false);
  return { nodes, defines };
}
