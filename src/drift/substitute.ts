// Flux's postBuild variable substitution (drone/envsubst in non-strict mode), written independently of
// the test kit's kustomize-controller stand-in so the two check each other: `$$` is a literal `$`,
// `${VAR}` / `$VAR` become the value or nothing, `${VAR:-x}` `${VAR:=x}` fall back when unset or empty,
// `${VAR-x}` `${VAR=x}` only when unset; defaults may themselves hold variables.

const BARE = /^[_a-zA-Z][_a-zA-Z0-9]*/;
const EXPRESSION = /^([_a-zA-Z][_a-zA-Z0-9]*)(?:(:-|:=|-|=)([\s\S]*))?$/;
export const VAR_NAME = /^[_a-zA-Z][_a-zA-Z0-9]*$/;

export class SubstitutionUnsupportedError extends Error {
  override readonly name = 'SubstitutionUnsupportedError';
}

export function substitute(text: string, vars: ReadonlyMap<string, string>): string {
  const parts: string[] = [];
  let i = 0;
  while (i < text.length) {
    const dollar = text.indexOf('$', i);
    if (dollar === -1) {
      parts.push(text.slice(i));
      break;
    }
    parts.push(text.slice(i, dollar));
    const next = text[dollar + 1];
    if (next === '$') {
      parts.push('$');
      i = dollar + 2;
    } else if (next === '{') {
      const end = matchingBrace(text, dollar + 2);
      if (end === -1) throw new SubstitutionUnsupportedError('unterminated ${');
      parts.push(expand(text.slice(dollar + 2, end), vars));
      i = end + 1;
    } else {
      const name = BARE.exec(text.slice(dollar + 1))?.[0];
      parts.push(name === undefined ? '$' : (vars.get(name) ?? ''));
      i = dollar + 1 + (name?.length ?? 0);
    }
  }
  return parts.join('');
}

function matchingBrace(text: string, start: number): number {
  let open = 1;
  for (let j = start; j < text.length; j++) {
    if (text.startsWith('${', j)) {
      open++;
      j++;
    } else if (text[j] === '}') {
      open--;
      if (open === 0) return j;
    }
  }
  return -1;
}

function expand(body: string, vars: ReadonlyMap<string, string>): string {
  const parsed = EXPRESSION.exec(body);
  // Other bash operators (${#x}, ${x:1:2}, ${x^^}) exist in envsubst but are not reproduced here.
  if (parsed === null) throw new SubstitutionUnsupportedError(`\${${body}} is not reproduced`);
  const [, name, operator, fallback = ''] = parsed as unknown as [string, string, string | undefined, string];
  const value = vars.get(name);
  if (operator === undefined) return value ?? '';
  const missing = operator.startsWith(':') ? value === undefined || value === '' : value === undefined;
  return missing ? substitute(fallback, vars) : (value ?? '');
}
