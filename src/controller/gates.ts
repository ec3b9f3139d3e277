// The gate policy: a revision ConfigHub would not release is not published either, unless the spec
// says to ignore gates. ConfigHub refuses to release a unit with validation errors or open apply gates
// and blocks applying data that still holds placeholders; publishing it through Flux would bypass that.
//
// The whole revision is held, never a subset: Flux prunes the objects of a unit that disappears from the
// artifact, so publishing "the passing units" would delete the gated unit's objects from the cluster.
import { Reason } from '../api/conditions.ts';
import type { RepositorySpec } from '../api/v1beta1.ts';
import { refIdOf, type SpaceListing, type SpaceSnapshot } from '../confighub/index.ts';
import { findPlaceholders } from '../confighub/placeholders.ts';
import { WaitingError } from './errors.ts';

/** Placeholders named per unit in a message; the rest are counted. */
const MAX_PLACEHOLDERS_NAMED = 3;
/** Findings named in a hold message (a condition message must stay readable and below its size cap). */
const MAX_FINDINGS_NAMED = 20;

export interface GateFinding {
  unit: string;
  reason: typeof Reason.ValidationFailed | typeof Reason.GatesPending | typeof Reason.UnresolvedPlaceholders;
  detail: string;
}

/** Most pressing first: failed validation and placeholders need a change; pending gates clear alone. */
const SEVERITY = [Reason.ValidationFailed, Reason.UnresolvedPlaceholders, Reason.GatesPending] as const;

/** Validation errors and open apply gates, as listed (head mode only: they describe the head). */
export function listedGateFindings(listing: SpaceListing): GateFinding[] {
  const findings: GateFinding[] = [];
  for (const unit of listing.units) {
    const failed = unit.validationErrors ?? [];
    if (failed.length > 0) {
      findings.push({ unit: unit.slug, reason: Reason.ValidationFailed, detail: failed.join(', ') });
    }
    const pending = (unit.applyGates ?? []).filter((gate) => !failed.includes(gate));
    if (pending.length > 0) {
      findings.push({ unit: unit.slug, reason: Reason.GatesPending, detail: pending.join(', ') });
    }
  }
  return findings;
}

/** Unresolved placeholders in the downloaded data, with their positions. */
export function placeholderFindings(snapshot: SpaceSnapshot): GateFinding[] {
  const findings: GateFinding[] = [];
  for (const unit of snapshot.units) {
    const hits = findPlaceholders(unit.data, MAX_PLACEHOLDERS_NAMED + 1);
    if (hits.length === 0) continue;
    const named = hits
      .slice(0, MAX_PLACEHOLDERS_NAMED)
      .map((h) => `${h.text} at line ${h.line}, column ${h.column}`);
    if (hits.length > MAX_PLACEHOLDERS_NAMED) named.push('and more');
    findings.push({ unit: unit.slug, reason: Reason.UnresolvedPlaceholders, detail: named.join('; ') });
  }
  return findings;
}

/** One line per finding, e.g. `web: ValidationFailed (vet-schemas)`, for status and messages. */
export function describeFindings(findings: readonly GateFinding[]): string[] {
  return findings.map((f) => `${f.unit}: ${f.reason} (${f.detail})`);
}

export interface GateCheck {
  spec: RepositorySpec;
  listing: SpaceListing;
  /** Whether an earlier artifact stays published while this revision is held. */
  hasArtifact: boolean;
  /** When to look again (only asked when holding): pending gates clear by themselves, so the interval is enough. */
  requeueAfterMs(): number;
  /** Downloads the listing's data (kept for the build, so it is fetched once). */
  prefetch(): Promise<SpaceSnapshot>;
}

/**
 * Holds the revision (throws a WaitingError: Ready=False with the most pressing reason, retried after
 * `requeueAfterMs`) or, with `gates.mode: ignore`, returns what was ignored for status.
 * Releases are published as ConfigHub released them: no gate applies.
 */
export async function checkGates(check: GateCheck): Promise<string[]> {
  const { spec, listing } = check;
  if (spec.ref?.release !== undefined) return [];
  const hold = (spec.gates?.mode ?? 'hold') === 'hold';
  const findings = listing.refId === refIdOf('head') ? listedGateFindings(listing) : [];
  // Held already: no need to download data only to find more reasons.
  if (!(hold && findings.length > 0)) findings.push(...placeholderFindings(await check.prefetch()));
  if (findings.length === 0) return [];
  if (!hold) return describeFindings(findings);
  const reason = SEVERITY.find((r) => findings.some((f) => f.reason === r))!;
  // Most pressing first, so a long list still shows what needs a human.
  const ordered = SEVERITY.flatMap((r) => findings.filter((f) => f.reason === r));
  const named = describeFindings(ordered.slice(0, MAX_FINDINGS_NAMED));
  if (ordered.length > MAX_FINDINGS_NAMED) named.push(`and ${ordered.length - MAX_FINDINGS_NAMED} more`);
  throw new WaitingError(
    reason,
    `revision ${listing.refId} of space '${listing.spaceSlug}' is held because ConfigHub would not release it: ` +
      `${named.join('; ')}. ` +
      `${check.hasArtifact ? 'The last artifact stays published' : 'Nothing is published yet'}; ` +
      'checked again every interval (set spec.gates.mode: ignore to publish anyway)',
    check.requeueAfterMs(),
  );
}
