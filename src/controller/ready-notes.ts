// What a successful reconcile adds to its Ready message: the gates it published despite (gates.mode:
// ignore) and a pre-minted token's coming expiry. Kept out of the reconciler so the ladder stays readable.
import type { FetchedSummary } from '../api/v1beta1.ts';
import { tokenExpiryWarning } from './token-expiry.ts';

export interface ReadyNotes {
  /** Appended to `stored artifact for revision '…'`; empty when there is nothing to say. */
  suffix: string;
  /** The token warning, also recorded as a TokenExpiring Warning event when it is new. */
  tokenWarning: string | undefined;
}

export function readyNotes(
  fetched: FetchedSummary | undefined,
  tokenExpiresAtMs: number | undefined,
  nowMs: number,
  intervalMs: number,
): ReadyNotes {
  const ignored = fetched?.ignoredGates ?? [];
  const tokenWarning = tokenExpiryWarning(tokenExpiresAtMs, nowMs, intervalMs);
  const suffix =
    (ignored.length === 0
      ? ''
      : `, published despite gates (spec.gates.mode: ignore): ${ignored.join('; ')}`) +
    (tokenWarning === undefined ? '' : `; ${tokenWarning}`);
  return { suffix, tokenWarning };
}
