// --timeout for commands that wait: a duration as flux takes it (90s, 1m30s, 5m).
import { parseDurationFlag } from './flags.ts';

export const TIMEOUT_FLAG = { timeout: { type: 'string', default: '5m' } } as const;

export const TIMEOUT_HELP =
  '  --timeout DURATION     how long to wait for the reconciliation, e.g. 90s or 1m30s (default 5m)';

export function parseTimeout(text: string): number {
  return parseDurationFlag('timeout', text);
}
