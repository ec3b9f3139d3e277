// The text of a caught value, for logs, conditions and messages: `throw` may hand us anything.

/** An Error's message, or the thrown value as a string. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
