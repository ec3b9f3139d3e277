// Building ConfigHub `where` expressions safely. ConfigHub literals are single-quoted and have no escape
// for `'` or `\`, so values containing them are refused instead of being mangled.
import { MAX_WHERE_LENGTH } from '../api/v1beta1.ts';
import { InvalidFilterError } from './errors.ts';

export { MAX_WHERE_LENGTH };

/** Returns `'value'`, or throws InvalidFilterError when the value cannot be expressed as a literal. */
export function quoteLiteral(value: string, what: string): string {
  if (value.includes("'") || value.includes('\\')) {
    throw new InvalidFilterError(
      `${what} ${JSON.stringify(value)} contains a quote or backslash, which ConfigHub filters cannot express`,
    );
  }
  return `'${value}'`;
}

/** `Attr IN ('a','b')` with every value quoted. */
export function inList(attribute: string, values: readonly string[], what: string): string {
  return `${attribute} IN (${values.map((v) => quoteLiteral(v, what)).join(',')})`;
}

/**
 * Checks a user-supplied expression before it is sent. ConfigHub only has `AND`, so appending our own
 * clauses with ` AND ` can only narrow the user's selection, never widen it.
 */
export function checkUserWhere(where: string): string {
  const trimmed = where.trim();
  // A NUL or other control character cannot be part of a filter; it is refused, never sent or echoed.
  if (/[\u0000-\u001f\u007f]/.test(trimmed.replace(/[\t\r\n]/g, ' '))) {
    throw new InvalidFilterError('where must not contain a NUL or other control character');
  }
  if (trimmed.includes('\\')) {
    throw new InvalidFilterError('where must not contain a backslash (ConfigHub has no escape in literals)');
  }
  // An unterminated literal would swallow the clauses appended after it: refuse it before sending.
  if ((trimmed.match(/'/g)?.length ?? 0) % 2 !== 0) {
    throw new InvalidFilterError('where has an unterminated quoted literal (an odd number of single quotes)');
  }
  if (trimmed.length > MAX_WHERE_LENGTH) {
    throw new InvalidFilterError(
      `where is ${trimmed.length} characters long; ConfigHub accepts at most ${MAX_WHERE_LENGTH}`,
    );
  }
  return trimmed;
}

/** Joins non-empty clauses with AND and enforces ConfigHub's length cap. */
export function andWhere(...clauses: ReadonlyArray<string | undefined>): string {
  const expression = clauses.filter((c): c is string => c !== undefined && c.trim() !== '').join(' AND ');
  if (expression.length > MAX_WHERE_LENGTH) {
    throw new InvalidFilterError(
      `the combined where expression is ${expression.length} characters long; ConfigHub accepts at most ${MAX_WHERE_LENGTH}`,
    );
  }
  return expression;
}

/**
 * Splits `values` into groups so that `prefix AND Attr IN (…)` stays below `maxLength` characters
 * (and each group has at most `maxCount` values).
 */
export function batchInClauses(
  prefix: string,
  attribute: string,
  values: readonly string[],
  what: string,
  maxLength = MAX_WHERE_LENGTH - 1,
  maxCount = Number.POSITIVE_INFINITY,
): string[][] {
  const fixed = `${prefix} AND ${attribute} IN ()`.length;
  const batches: string[][] = [];
  let current: string[] = [];
  let length = fixed;
  for (const value of values) {
    const literal = quoteLiteral(value, what);
    if (fixed + literal.length > maxLength) {
      throw new InvalidFilterError(
        `${what} ${JSON.stringify(value)} is too long to fit in a where expression`,
      );
    }
    if (current.length > 0 && (length + 1 + literal.length > maxLength || current.length >= maxCount)) {
      batches.push(current);
      current = [];
      length = fixed;
    }
    length += literal.length + (current.length > 0 ? 1 : 0);
    current.push(value);
  }
  if (current.length > 0) batches.push(current);
  return batches;
}
