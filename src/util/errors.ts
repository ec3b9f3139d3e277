// The text of a caught value, for logs, conditions and messages: `throw` may hand us anything.

/** An Error's message, or the thrown value as a string. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * The string `code` of a system or library error (`ENOENT`, `ECONNRESET`, `UND_ERR_BODY_TIMEOUT`), looked
 * for on the error and then along its `cause` chain (fetch and undici wrap the socket's error).
 */
export function errorCode(error: unknown): string | undefined {
  for (let at = error, depth = 0; at !== null && typeof at === 'object' && depth < 8; depth++) {
    if ('code' in at && typeof at.code === 'string') return at.code;
    at = 'cause' in at ? at.cause : undefined;
  }
  return undefined;
}
