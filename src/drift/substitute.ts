// Flux's postBuild variable substitution (drone/envsubst in non-strict mode), written independently of
// the test kit's kustomize-controller stand-in so the two check each other: `$$` is a literal `$`,
// `${VAR}` / `$VAR` become the value or nothing, `${VAR:-x}` `${VAR:=x}` fall back when unset or empty,
// `${VAR-x}` `${VAR=x}` only when unset.

const TOKEN = /\$\$|\$\{([^}]*)\}|\$([_a-zA-Z][_a-zA-Z0-9]*)/g;
const EXPRESSION = /^([_a-zA-Z][_a-zA-Z0-9]*)(?:(:-|:=|-|=)([\s\S]*))?$/;
export const VAR_NAME = /^[_a-zA-Z][_a-zA-Z0-9]*$/;

export class SubstitutionUnsupportedError extends Error {
  override readonly name = 'SubstitutionUnsupportedError';
}

export function substitute(text: string, vars: ReadonlyMap<string, string>): string {
  return text.replace(TOKEN, (match, braced: string | undefined, bare: string | undefined) => {
    if (match === '$$') return '$';
    if (bare !== undefined) return vars.get(bare) ?? '';
    const parsed = EXPRESSION.exec(braced ?? '');
    // Other bash operators (${#x}, ${x:1:2}, ${x^^}) exist in envsubst but are not reproduced here.
    if (parsed === null) throw new SubstitutionUnsupportedError(`\${${braced}} is not reproduced`);
    const [, name, operator, fallback = ''] = parsed as unknown as [
      string,
      string,
      string | undefined,
      string,
    ];
    const value = vars.get(name);
    if (operator === undefined) return value ?? '';
    const missing = operator.startsWith(':') ? value === undefined || value === '' : value === undefined;
    return missing ? substitute(fallback, vars) : (value ?? '');
  });
}
