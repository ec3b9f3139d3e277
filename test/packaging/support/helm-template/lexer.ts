// Splits template source into text and action bodies, applying `{{-` / `-}}` whitespace trimming.
export type Chunk = { kind: 'text'; text: string } | { kind: 'action'; body: string; line: number };

export class TemplateError extends Error {
  override name = 'TemplateError';
}

const isSpace = (c: string | undefined) => c === ' ' || c === '\t' || c === '\n' || c === '\r';

export function lex(source: string, file: string): Chunk[] {
  const out: Chunk[] = [];
  let i = 0;
  while (i < source.length) {
    const open = source.indexOf('{{', i);
    if (open < 0) {
      out.push({ kind: 'text', text: source.slice(i) });
      break;
    }
    let text = source.slice(i, open);
    let j = open + 2;
    if (source[j] === '-' && isSpace(source[j + 1])) {
      text = text.replace(/[ \t\r\n]+$/, '');
      j += 1;
    }
    if (text !== '') out.push({ kind: 'text', text });
    const line = source.slice(0, open).split('\n').length;
    // Find the closing braces outside string literals and comments.
    let k = j;
    let quote: string | undefined;
    for (; k < source.length; k++) {
      const c = source[k];
      if (quote) {
        if (c === '\\' && quote === '"') k++;
        else if (c === quote) quote = undefined;
        continue;
      }
      if (c === '"' || c === '`') quote = c;
      else if (source.startsWith('/*', k)) {
        const end = source.indexOf('*/', k + 2);
        if (end < 0) throw new TemplateError(`${file}:${line}: unterminated comment`);
        k = end + 1;
      } else if (source.startsWith('}}', k)) break;
    }
    if (k >= source.length) throw new TemplateError(`${file}:${line}: unclosed action`);
    let body = source.slice(j, k);
    let trimAfter = false;
    if (body.endsWith('-') && isSpace(body[body.length - 2])) {
      body = body.slice(0, -1);
      trimAfter = true;
    }
    out.push({ kind: 'action', body: body.trim(), line });
    i = k + 2;
    if (trimAfter) while (i < source.length && isSpace(source[i])) i++;
  }
  return out;
}
