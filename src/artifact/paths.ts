// The one definition of a safe relative path, shared by the archive builder, the storage and the
// HTTP server. It is stricter than Flux's untar (which only rejects empty names, `\`, a leading `/`
// and `../`) so nothing we write or serve can be read differently by another extractor.

/** C0 controls and DEL: never valid in a name we write or serve. */
const CONTROL = /[\u0000-\u001f\u007f]/;

/**
 * Returns why `path` is not a safe `/`-separated relative path, or `undefined` when it is.
 * Rules: non-empty; no leading or trailing `/`; no `\`; no control characters (NUL included);
 * well-formed Unicode; no empty, `.` or `..` segment, and no segment ending in `..` (Flux's untar
 * refuses any name containing `../`, so a directory named `x..` would fail the whole extraction).
 */
export function relativePathProblem(path: string): string | undefined {
  if (path.length === 0) return 'is empty';
  if (path.startsWith('/')) return 'is absolute (starts with "/")';
  if (path.endsWith('/')) return 'ends with "/"';
  if (path.includes('\\')) return 'contains a backslash';
  if (CONTROL.test(path)) return 'contains a control character';
  if (!path.isWellFormed()) return 'is not well-formed Unicode';
  for (const segment of path.split('/')) {
    if (segment === '') return 'has an empty segment';
    if (segment === '.' || segment === '..') return `has a "${segment}" segment`;
    if (segment.endsWith('..')) return 'has a segment ending in ".."';
  }
  return undefined;
}
