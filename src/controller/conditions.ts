// Condition helpers in the manner of fluxcd/pkg runtime/conditions: lastTransitionTime moves only
// when the status flips, and abnormal-true conditions (Reconciling, Stalled, *Failed) are removed
// rather than set to False.
import type { Condition } from '../api/v1beta1.ts';
import { sameJson } from '../kube/same-json.ts';
import { stripControl, withoutUserinfo } from '../util/clean-text.ts';

export interface ConditionInput {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
}

export function findCondition(
  conditions: readonly Condition[] | undefined,
  type: string,
): Condition | undefined {
  return conditions?.find((c) => c.type === type);
}

export function isTrue(conditions: readonly Condition[] | undefined, type: string): boolean {
  return findCondition(conditions, type)?.status === 'True';
}

/** Returns a new list with the condition set; keeps lastTransitionTime when the status is unchanged. */
export function setCondition(
  conditions: readonly Condition[],
  input: ConditionInput,
  observedGeneration: number | undefined,
  now: string,
): Condition[] {
  const previous = findCondition(conditions, input.type);
  const next: Condition = {
    type: input.type,
    status: input.status,
    ...(observedGeneration !== undefined ? { observedGeneration } : {}),
    lastTransitionTime:
      previous !== undefined && previous.status === input.status ? previous.lastTransitionTime : now,
    reason: input.reason,
    message: truncateMessage(input.message),
  };
  const others = conditions.filter((c) => c.type !== input.type);
  return sortConditions([...others, next]);
}

export function removeCondition(conditions: readonly Condition[], type: string): Condition[] {
  return conditions.filter((c) => c.type !== type);
}

/** Ready first, then Reconciling and Stalled, then the rest alphabetically, as `kubectl describe` reads best. */
const ORDER = ['Ready', 'Reconciling', 'Stalled'];
function sortConditions(conditions: Condition[]): Condition[] {
  const rank = (c: Condition) => {
    const i = ORDER.indexOf(c.type);
    return i === -1 ? ORDER.length : i;
  };
  return conditions.sort((a, b) => rank(a) - rank(b) || a.type.localeCompare(b.type));
}

/** metav1.Condition allows 32768 characters; control characters never reach `kubectl` output. */
function truncateMessage(raw: string): string {
  const message = stripControl(withoutUserinfo(raw));
  return message.length > 32_000 ? `${message.slice(0, 32_000)}…` : message;
}

/** Equality that ignores lastTransitionTime, for "did anything change" decisions. */
export function sameConditions(
  a: readonly Condition[] | undefined,
  b: readonly Condition[] | undefined,
): boolean {
  const strip = (list: readonly Condition[] | undefined) =>
    (list ?? [])
      .map(({ lastTransitionTime: _t, ...rest }) => rest)
      .sort((x, y) => x.type.localeCompare(y.type));
  return sameJson(strip(a), strip(b));
}
