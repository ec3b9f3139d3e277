// Parser for the subset of ConfigHub's `where` expression language the emulator honours:
// clauses joined by AND; comparisons (= != <> < > <= >=), [NOT] IN (…), [NOT] [I]LIKE, regular expressions
// (~ ~* !~ !~*), IS [NOT] NULL, IS [NOT] TRUE|FALSE, `?` membership, LEN(attr), attribute-to-attribute
// comparisons. Literals: 'single-quoted strings', integers, true/false. OR is refused, as ConfigHub does.

export const MAX_WHERE_LENGTH = 8192;

export class WhereError extends Error {
  override readonly name = 'WhereError';
}

export type Literal = string | number | boolean;

export type Operand =
  | { kind: 'attr'; path: string[] }
  | { kind: 'len'; path: string[] }
  | { kind: 'literal'; value: Literal };

export type ComparisonOp =
  | '='
  | '!='
  | '<'
  | '>'
  | '<='
  | '>='
  | 'LIKE'
  | 'ILIKE'
  | 'NOT LIKE'
  | 'NOT ILIKE'
  | '~'
  | '~*'
  | '!~'
  | '!~*';

export type Clause =
  | { kind: 'compare'; left: Operand; op: ComparisonOp; right: Operand }
  | { kind: 'in'; left: Operand; negated: boolean; values: Literal[] }
  | { kind: 'null'; path: string[]; negated: boolean }
  | { kind: 'truth'; path: string[]; value: boolean; negated: boolean }
  | { kind: 'has'; path: string[]; value: Literal };

type Token =
  | { type: 'ident'; text: string; at: number }
  | { type: 'string'; text: string; at: number }
  | { type: 'number'; text: string; at: number }
  | { type: 'op'; text: string; at: number }
  | { type: 'punct'; text: '(' | ')' | ','; at: number };

const IDENT = /[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_][A-Za-z0-9_\-/]*)*/y;
const NUMBER = /-?[0-9]+(?![A-Za-z0-9_.])/y;
const OPERATOR = /!~\*|!~|~\*|!=|<>|<=|>=|=|<|>|~|\?/y;

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (/\s/.test(ch)) {
      i += 1;
      continue;
    }
    if (ch === "'") {
      const end = text.indexOf("'", i + 1);
      if (end < 0) throw new WhereError(`unterminated string literal at position ${i}`);
      const value = text.slice(i + 1, end);
      if (value.includes('\\')) throw new WhereError(`string literal at position ${i} contains a backslash`);
      tokens.push({ type: 'string', text: value, at: i });
      i = end + 1;
      continue;
    }
    if (ch === '(' || ch === ')' || ch === ',') {
      tokens.push({ type: 'punct', text: ch, at: i });
      i += 1;
      continue;
    }
    let matched = false;
    for (const [type, pattern] of [
      ['number', NUMBER],
      ['op', OPERATOR],
      ['ident', IDENT],
    ] as const) {
      pattern.lastIndex = i;
      const match = pattern.exec(text);
      if (match !== null) {
        tokens.push({ type, text: match[0], at: i });
        i += match[0].length;
        matched = true;
        break;
      }
    }
    if (!matched) throw new WhereError(`unexpected character '${ch}' at position ${i}`);
  }
  return tokens;
}

class Parser {
  private readonly tokens: Token[];
  private pos = 0;

  constructor(tokens: Token[]) {
    this.tokens = tokens;
  }

  private peek(): Token | undefined {
    return this.tokens[this.pos];
  }

  private next(expected: string): Token {
    const token = this.tokens[this.pos];
    if (token === undefined) throw new WhereError(`expected ${expected} but the expression ended`);
    this.pos += 1;
    return token;
  }

  private isKeyword(token: Token | undefined, word: string): boolean {
    return token?.type === 'ident' && token.text.toUpperCase() === word;
  }

  private expectKeyword(word: string): void {
    const token = this.next(word);
    if (!this.isKeyword(token, word)) throw new WhereError(`expected ${word} at position ${token.at}`);
  }

  private expectPunct(text: '(' | ')' | ','): void {
    const token = this.next(`'${text}'`);
    if (token.type !== 'punct' || token.text !== text) {
      throw new WhereError(`expected '${text}' at position ${token.at}`);
    }
  }

  parse(): Clause[] {
    if (this.tokens.length === 0) throw new WhereError('empty expression');
    const clauses = [this.clause()];
    while (this.pos < this.tokens.length) {
      const token = this.peek()!;
      if (this.isKeyword(token, 'OR'))
        throw new WhereError('OR is not supported; combine values with IN (…)');
      if (!this.isKeyword(token, 'AND')) throw new WhereError(`expected AND at position ${token.at}`);
      this.pos += 1;
      clauses.push(this.clause());
    }
    return clauses;
  }

  private literal(token: Token): Literal | undefined {
    if (token.type === 'string') return token.text;
    if (token.type === 'number') {
      const value = Number(token.text);
      if (!Number.isSafeInteger(value)) throw new WhereError(`integer out of range at position ${token.at}`);
      return value;
    }
    if (this.isKeyword(token, 'TRUE')) return true;
    if (this.isKeyword(token, 'FALSE')) return false;
    return undefined;
  }

  private path(token: Token): string[] {
    if (
      token.type !== 'ident' ||
      ['AND', 'IN', 'IS', 'NOT', 'NULL', 'LIKE', 'ILIKE'].includes(token.text.toUpperCase())
    ) {
      throw new WhereError(`expected an attribute at position ${token.at}`);
    }
    return token.text.split('.');
  }

  private operand(): Operand {
    const token = this.next('an operand');
    const value = this.literal(token);
    if (value !== undefined) return { kind: 'literal', value };
    if (this.isKeyword(token, 'LEN')) {
      this.expectPunct('(');
      const path = this.path(this.next('an attribute'));
      this.expectPunct(')');
      return { kind: 'len', path };
    }
    return { kind: 'attr', path: this.path(token) };
  }

  private clause(): Clause {
    const left = this.operand();
    const token = this.next('an operator');
    if (left.kind === 'attr' && this.isKeyword(token, 'IS')) {
      const negated = this.isKeyword(this.peek(), 'NOT');
      if (negated) this.pos += 1;
      const what = this.peek();
      if (this.isKeyword(what, 'TRUE') || this.isKeyword(what, 'FALSE')) {
        this.pos += 1;
        return { kind: 'truth', path: left.path, value: this.isKeyword(what, 'TRUE'), negated };
      }
      this.expectKeyword('NULL');
      return { kind: 'null', path: left.path, negated };
    }
    if (this.isKeyword(token, 'NOT')) {
      const like = this.peek();
      if (this.isKeyword(like, 'LIKE') || this.isKeyword(like, 'ILIKE')) {
        this.pos += 1;
        const op = `NOT ${like!.text.toUpperCase()}` as 'NOT LIKE' | 'NOT ILIKE';
        return { kind: 'compare', left, op, right: this.operand() };
      }
    }
    if (this.isKeyword(token, 'NOT') || this.isKeyword(token, 'IN')) {
      const negated = this.isKeyword(token, 'NOT');
      if (negated) this.expectKeyword('IN');
      this.expectPunct('(');
      const values: Literal[] = [];
      for (;;) {
        const item = this.next('a literal');
        const value = this.literal(item);
        if (value === undefined) throw new WhereError(`expected a literal at position ${item.at}`);
        values.push(value);
        const sep = this.next("',' or ')'");
        if (sep.type === 'punct' && sep.text === ')') break;
        if (sep.type !== 'punct' || sep.text !== ',')
          throw new WhereError(`expected ',' or ')' at position ${sep.at}`);
      }
      return { kind: 'in', left, negated, values };
    }
    if (this.isKeyword(token, 'LIKE') || this.isKeyword(token, 'ILIKE')) {
      const right = this.operand();
      return { kind: 'compare', left, op: token.text.toUpperCase() as 'LIKE' | 'ILIKE', right };
    }
    if (token.type !== 'op') throw new WhereError(`expected an operator at position ${token.at}`);
    if (token.text === '?') {
      if (left.kind !== 'attr')
        throw new WhereError(`'?' needs an attribute on its left (position ${token.at})`);
      const item = this.next('a literal');
      const value = this.literal(item);
      if (value === undefined) throw new WhereError(`expected a literal after '?' at position ${item.at}`);
      return { kind: 'has', path: left.path, value };
    }
    const op = (token.text === '<>' ? '!=' : token.text) as ComparisonOp;
    return { kind: 'compare', left, op, right: this.operand() };
  }
}

/** Parses a `where` expression into its AND-ed clauses; throws WhereError with the reason. */
export function parseWhere(text: string): Clause[] {
  if (text.length > MAX_WHERE_LENGTH) {
    throw new WhereError(`where expression is ${text.length} characters; the limit is ${MAX_WHERE_LENGTH}`);
  }
  return new Parser(tokenize(text)).parse();
}
