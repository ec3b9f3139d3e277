// JSON read from the API or a file is `unknown` until looked at: this is the one test for "an object
// with keys", as opposed to null, an array or a scalar.

/** A plain JSON object (not null, not an array). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
