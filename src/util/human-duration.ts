// Ages as kubectl prints them (AGE, LAST SEEN): apimachinery's duration.HumanDuration, about two
// significant figures, with its exact boundaries: 119s, 2m, 9m59s, 10m, 179m, 3h, 7h59m, 8h, 47h, 2d,
// 7d23h, 8d, 729d, 2y, 7y364d, 8y. The CLI and the Kubernetes API test server's tables share it.

const SECOND = 1000;

/** kubectl's text for a duration in milliseconds. */
export function humanDuration(ms: number): string {
  // Go converts with int(d.Seconds()): toward zero. Up to 2 s in the future is clock skew, shown as 0s.
  const seconds = Math.trunc(ms / SECOND);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.trunc(seconds / 60);
  if (minutes < 10) return withRest(minutes, 'm', seconds % 60, 's');
  if (minutes < 3 * 60) return `${minutes}m`;
  const hours = Math.trunc(minutes / 60);
  if (hours < 8) return withRest(hours, 'h', minutes % 60, 'm');
  if (hours < 48) return `${hours}h`;
  const days = Math.trunc(hours / 24);
  if (hours < 24 * 8) return withRest(days, 'd', hours % 24, 'h');
  if (hours < 24 * 365 * 2) return `${days}d`;
  const years = Math.trunc(days / 365);
  if (hours < 24 * 365 * 8) return withRest(years, 'y', days % 365, 'd');
  return `${years}y`;
}

function withRest(whole: number, unit: string, rest: number, restUnit: string): string {
  return rest === 0 ? `${whole}${unit}` : `${whole}${unit}${rest}${restUnit}`;
}

/** The age of an RFC 3339 timestamp at `now`, as kubectl prints it; `<unknown>` without one. */
export function ageOf(timestamp: string | undefined | null, now: number): string {
  if (!timestamp) return '<unknown>';
  const at = Date.parse(timestamp);
  return Number.isNaN(at) ? '<invalid>' : humanDuration(now - at);
}
