// What a source file loads: the specifiers of its static imports and re-exports, `import()` with a literal,
// and the module URLs it builds next to itself (`new URL('./x.ts', import.meta.url)`,
// `siblingModule(import.meta.url, './x')`), which load a module without an import statement.
import { isBuiltin } from 'node:module';

const STATIC = /^[ \t]*(?:import|export)\b[^;'"`]*?\bfrom\s*['"]([^'"]+)['"]/gm;
const BARE_IMPORT = /^[ \t]*import\s*['"]([^'"]+)['"]/gm;
const DYNAMIC = /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g;
const URL_OF = /\bnew URL\(\s*['"]([^'"]+)['"]\s*,\s*import\.meta\.url\s*\)/g;
const SIBLING = /\bsiblingModule\(\s*import\.meta\.url\s*,\s*['"]([^'"]+)['"]\s*\)/g;

/** Comment lines removed, so that a specifier quoted in a comment is not taken for an import. */
function withoutCommentLines(source: string): string {
  return source
    .split('\n')
    .map((line) => (/^\s*(\/\/|\/\*|\*)/.test(line) ? '' : line))
    .join('\n');
}

export function moduleSpecifiers(source: string): string[] {
  const text = withoutCommentLines(source);
  const found = new Set<string>();
  for (const pattern of [STATIC, BARE_IMPORT, DYNAMIC, URL_OF, SIBLING]) {
    for (const match of text.matchAll(pattern)) found.add(match[1]!);
  }
  return [...found];
}

export const isRelative = (specifier: string) => specifier.startsWith('./') || specifier.startsWith('../');

/** The npm package a bare specifier names (`@scope/name/sub/path` → `@scope/name`); undefined for Node's own. */
export function packageOf(specifier: string): string | undefined {
  if (isRelative(specifier) || specifier.startsWith('/') || isBuiltin(specifier)) return undefined;
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}
