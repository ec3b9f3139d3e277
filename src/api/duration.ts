// Go/Flux duration strings ("1m30s", "500ms", "1.5h") as CRDs validate them.

export const INTERVAL_PATTERN = '^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$';
/**
 * Flux's timeout pattern, narrowed to durations above zero: at least one part holds a non-zero digit.
 * Written without look-ahead, because the API server checks CRD patterns with Go's RE2.
 */
export const TIMEOUT_PATTERN =
  '^([0-9]+(\\.[0-9]+)?(ms|s|m))*([0-9]*[1-9][0-9]*(\\.[0-9]+)?|[0-9]+\\.[0-9]*[1-9][0-9]*)(ms|s|m)([0-9]+(\\.[0-9]+)?(ms|s|m))*$';
/** Longest interval or timeout a spec may set; the CRD and the controller both enforce it. */
export const MAX_DURATION = '87600h';
export const MAX_DURATION_MS = 87_600 * 3_600_000;
/** Duration strings are short; the bound also keeps the CRD's CEL rules cheap to evaluate. */
export const MAX_DURATION_LENGTH = 32;

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const PART = /([0-9]+(?:\.[0-9]+)?)(ms|s|m|h)/g;

/** Parses a duration that matched INTERVAL_PATTERN; returns milliseconds, or undefined when malformed. */
export function parseDuration(text: string): number | undefined {
  if (!new RegExp(INTERVAL_PATTERN).test(text)) return undefined;
  let total = 0;
  for (const match of text.matchAll(PART)) {
    total += Number(match[1]) * (UNIT_MS[match[2]!] ?? Number.NaN);
  }
  return Number.isFinite(total) ? Math.round(total) : undefined;
}

/** Formats milliseconds the way Go prints durations in messages ("1m0s", "30s", "250ms"). */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = (ms % 60_000) / 1000;
  if (h > 0) return `${h}h${m}m${s}s`;
  if (m > 0) return `${m}m${s}s`;
  return `${s}s`;
}
