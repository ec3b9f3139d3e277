// The drift report stored in status.drift and printed by `confighub-source drift`. Its schema is API
// (src/api/drift-report.ts); what drift detection adds here is how items are named and bounded.
import type { DriftItem } from '../api/drift-report.ts';

export {
  Cause,
  Classification,
  DetectionMethod,
  type DriftItem,
  type DriftReport,
  driftItemSchema,
  driftReportSchema,
  MAX_ERRORS,
  MAX_NOTES,
  MAX_OPEN_ITEMS,
  MAX_RESOLVED_ITEMS,
  Severity,
} from '../api/drift-report.ts';

/** Longest JSON rendering of a desired or live value kept in an item. */
export const MAX_VALUE_CHARS = 512;

/** An item as a single check finds it, before state assigns times. */
export type DriftFinding = Omit<DriftItem, 'firstObserved' | 'lastObserved' | 'resolvedAt'>;

export function objectRef(o: { kind: string; namespace?: string | undefined; name: string }): string {
  return o.namespace ? `${o.kind}/${o.namespace}/${o.name}` : `${o.kind}/${o.name}`;
}

export function itemId(
  o: { kind: string; namespace?: string | undefined; name: string },
  path: string,
): string {
  return `${objectRef(o)}#${path}`;
}
