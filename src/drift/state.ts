// Drift over time: an item keeps its firstObserved while it stays open, gets resolvedAt when a later
// check no longer finds it, and events fire only on those transitions, never on every check.
import {
  type DriftFinding,
  type DriftItem,
  type DriftReport,
  MAX_OPEN_ITEMS,
  MAX_RESOLVED_ITEMS,
  objectRef,
} from './report.ts';

export interface MergeInput {
  previous: DriftReport | undefined;
  findings: readonly DriftFinding[];
  /** Objects that could not be checked this time: their open items stay open, untouched. */
  unchecked: ReadonlySet<string>;
  now: string;
}

const bySeverity = { critical: 0, warning: 1, info: 2 } as const;

export function mergeItems(input: MergeInput): { items: DriftItem[]; resolved: DriftItem[]; total: number } {
  const previousOpen = new Map((input.previous?.items ?? []).map((item) => [item.id, item]));
  const items: DriftItem[] = input.findings.map((finding) => {
    const before = previousOpen.get(finding.id);
    return { ...finding, firstObserved: before?.firstObserved ?? input.now, lastObserved: input.now };
  });
  const found = new Set(items.map((item) => item.id));
  const newlyResolved: DriftItem[] = [];
  for (const item of previousOpen.values()) {
    if (found.has(item.id)) continue;
    if (input.unchecked.has(objectRef(item))) items.push(item);
    else newlyResolved.push({ ...item, resolvedAt: input.now });
  }
  items.sort((a, b) => bySeverity[a.severity] - bySeverity[b.severity] || a.id.localeCompare(b.id));
  const stillResolved = (input.previous?.resolved ?? []).filter((item) => !found.has(item.id));
  const resolved = [...newlyResolved, ...stillResolved]
    .sort(
      (a, b) => Date.parse(b.resolvedAt ?? '') - Date.parse(a.resolvedAt ?? '') || a.id.localeCompare(b.id),
    )
    .slice(0, MAX_RESOLVED_ITEMS);
  return { items: items.slice(0, MAX_OPEN_ITEMS), resolved, total: items.length };
}

export interface DriftEvent {
  type: 'Normal' | 'Warning';
  reason: 'DriftDetected' | 'DriftResolved';
  message: string;
}

const NAMED_IN_EVENT = 5;

/**
 * Events for the transitions between two reports: one Warning naming new drift, one Normal naming
 * resolved drift; nothing when the set of open items did not change.
 */
export function driftEvents(previous: DriftReport | undefined, next: DriftReport): DriftEvent[] {
  const before = new Set((previous?.items ?? []).map((item) => item.id));
  const after = new Set(next.items.map((item) => item.id));
  const opened = next.items.filter((item) => !before.has(item.id));
  const wasResolved = new Set((previous?.resolved ?? []).map((item) => `${item.id}@${item.resolvedAt}`));
  const closed = (next.resolved ?? []).filter(
    (item) => !after.has(item.id) && !wasResolved.has(`${item.id}@${item.resolvedAt}`),
  );
  const events: DriftEvent[] = [];
  if (opened.length > 0) {
    events.push({ type: 'Warning', reason: 'DriftDetected', message: describe('new drift', opened) });
  }
  if (closed.length > 0) {
    events.push({ type: 'Normal', reason: 'DriftResolved', message: describe('drift resolved', closed) });
  }
  return events;
}

function describe(what: string, items: readonly DriftItem[]): string {
  const lines = items
    .slice(0, NAMED_IN_EVENT)
    .map((item) => `${item.id} (${item.classification}, ${item.severity})`);
  if (items.length > NAMED_IN_EVENT) lines.push(`and ${items.length - NAMED_IN_EVENT} more`);
  return `${what}: ${items.length} item${items.length === 1 ? '' : 's'}\n${lines.join('\n')}`;
}

/** A one-line summary for the Drifted condition. */
export function summarize(report: DriftReport): { openItems: number; message: string } {
  const open = report.summary.items;
  if (report.source === 'pending') {
    return {
      openItems: 0,
      message: `drift check pending: ${report.notes?.[0] ?? 'no consumer has applied this revision yet'}`,
    };
  }
  if (open === 0) {
    return {
      openItems: 0,
      message: `no drift in ${report.summary.objects} objects checked at ${report.checkedAt}`,
    };
  }
  const counts = { critical: 0, warning: 0, info: 0 };
  for (const item of report.items) counts[item.severity]++;
  const parts = Object.entries(counts)
    .filter(([, n]) => n > 0)
    .map(([severity, n]) => `${n} ${severity}`);
  return {
    openItems: open,
    message: `${open} drift item${open === 1 ? '' : 's'} in ${report.summary.drifted} of ${report.summary.objects} objects (${parts.join(', ')}); see status.drift`,
  };
}
