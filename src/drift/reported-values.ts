// How a desired or live value appears in a drift report: Secret data masked, everything else bounded.
import { truncate } from '../util/clean-text.ts';
import { isRecord } from '../util/is-record.ts';
import { MAX_VALUE_CHARS } from './report.ts';

const MASK = '***';

/** Secret values never leave the cluster through a report; other values are bounded. */
export function present(kind: string, segments: readonly string[], value: unknown): unknown {
  if (value === undefined) return undefined;
  if (
    kind === 'Secret' &&
    (segments.length === 0 || segments[0] === 'data' || segments[0] === 'stringData')
  ) {
    return mask(value);
  }
  const json = JSON.stringify(value);
  return json.length > MAX_VALUE_CHARS ? truncate(json, MAX_VALUE_CHARS) : value;
}

function mask(value: unknown): unknown {
  if (isRecord(value)) return Object.fromEntries(Object.keys(value).map((k) => [k, MASK]));
  return MASK;
}

export function valueField(key: 'desired' | 'live', value: unknown): Record<string, unknown> {
  return value === undefined ? {} : { [key]: value };
}
