// postBuild variable substitution with Flux's rules (fluxcd/pkg kustomize_varsub.go + drone/envsubst):
// variables come from substituteFrom ConfigMaps/Secrets in order, then spec.postBuild.substitute wins;
// newlines are removed from values; names must match ^[_[:alpha:]][_[:alpha:][:digit:]]*$; objects
// labelled or annotated `kustomize.toolkit.fluxcd.io/substitute: disabled` are left alone; `$$` escapes.

export const SUBSTITUTE_KEY = 'kustomize.toolkit.fluxcd.io/substitute';
const NAME = /^[_a-zA-Z][_a-zA-Z0-9]*$/;

export class SubstitutionError extends Error {
  override readonly name = 'SubstitutionError';
}

export function validateVarNames(vars: Record<string, string>): void {
  for (const name of Object.keys(vars)) {
    if (!NAME.test(name)) {
      throw new SubstitutionError(
        `'${name}' var name is invalid, must match '^[_[:alpha:]][_[:alpha:][:digit:]]*$'`,
      );
    }
  }
}

/**
 * Bash-style substitution of `${VAR}`, `${VAR:-default}`, `${VAR:=default}`, `${VAR-default}`,
 * `${VAR=default}` and `$VAR`; unknown variables become empty (non-strict mode).
 */
export function envsubst(text: string, vars: Record<string, string>, strict = false): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c !== '$') {
      out += c;
      continue;
    }
    const next = text[i + 1];
    if (next === '$') {
      out += '$';
      i++;
      continue;
    }
    if (next === '{') {
      const end = closingBrace(text, i + 2);
      if (end === -1) throw new SubstitutionError('variable substitution failed: missing closing brace');
      out += expand(text.slice(i + 2, end), vars, strict);
      i = end;
      continue;
    }
    const m = /^[_a-zA-Z][_a-zA-Z0-9]*/.exec(text.slice(i + 1));
    if (m === null) {
      out += c;
      continue;
    }
    out += lookup(m[0], vars, strict);
    i += m[0].length;
  }
  return out;
}

/** Index of the `}` that closes a `${` whose body starts at `from` (defaults may nest `${…}`). */
function closingBrace(text: string, from: number): number {
  let depth = 1;
  for (let i = from; i < text.length; i++) {
    if (text[i] === '$' && text[i + 1] === '{') {
      depth++;
      i++;
    } else if (text[i] === '}' && --depth === 0) return i;
  }
  return -1;
}

function expand(expr: string, vars: Record<string, string>, strict: boolean): string {
  const m = /^([_a-zA-Z][_a-zA-Z0-9]*)(?:(:?[-=])(.*))?$/s.exec(expr);
  if (m === null) throw new SubstitutionError(`variable substitution failed: bad substitution '${expr}'`);
  const [, name, op, fallback] = m as unknown as [string, string, string | undefined, string | undefined];
  const value = vars[name];
  if (op === undefined) return lookup(name, vars, strict);
  const useDefault = op.startsWith(':') ? value === undefined || value === '' : value === undefined;
  return useDefault ? envsubst(fallback ?? '', vars, strict) : (value ?? '');
}

function lookup(name: string, vars: Record<string, string>, strict: boolean): string {
  const value = vars[name];
  if (value === undefined && strict) throw new SubstitutionError(`variable not set (strict mode): "${name}"`);
  return value ?? '';
}
