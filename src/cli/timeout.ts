// --timeout for commands that wait: a Go duration, as flux takes it.
import { parseDuration } from '../api/duration.ts';
import { UsageError } from './errors.ts';

export const TIMEOUT_HELP = '  --timeout DURATION     how long to wait for the reconciliation (default 5m)';

export function parseTimeout(text: string | undefined): number {
  const ms = parseDuration(text ?? '5m');
  if (ms === undefined || ms <= 0) {
    throw new UsageError(`--timeout: invalid duration "${text}" (e.g. 30s, 5m, 1h)`);
  }
  return ms;
}
