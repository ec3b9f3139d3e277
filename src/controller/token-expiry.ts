// A pre-minted ConfigHub token is a user's session JWT: it expires and nothing here can renew it. The
// controller reads its `exp` and warns well ahead, so the Secret is replaced before fetching stops.

const HOUR_MS = 3_600_000;
/** Warn this long ahead at least, and at least three polls ahead for long intervals. */
const MIN_WARNING_MS = 24 * HOUR_MS;
const WARNING_INTERVALS = 3;

/** The warning to show while a token nears its expiry, or undefined when it is far away or renews. */
export function tokenExpiryWarning(
  expiresAtMs: number | undefined,
  nowMs: number,
  intervalMs: number,
): string | undefined {
  if (expiresAtMs === undefined) return undefined;
  if (expiresAtMs - nowMs > Math.max(MIN_WARNING_MS, WARNING_INTERVALS * intervalMs)) return undefined;
  // No "in N hours": the message must not change on every poll, or every poll would write status.
  return (
    `the ConfigHub token in the Secret expires at ${new Date(expiresAtMs).toISOString()}: ` +
    'replace it, or use a worker or key credential, which renew themselves'
  );
}
