// What drift detection leaves alone: objects opted out with Flux's (or our) annotations, and fields
// matched by ignore rules in Flux's shape (`paths` as JSON pointers, `target` fields as regular
// expressions), from spec.drift.ignore and from the consuming Kustomization or HelmRelease.
import { GROUP } from '../api/constants.ts';
import type { IgnoreTarget } from '../api/v1beta1.ts';
import { parsePointer } from './pointer.ts';

/** Our own per-object opt-out, for objects Flux should still correct but we should not report. */
export const DRIFT_ANNOTATION = `${GROUP}/drift`;

const OPT_OUTS: ReadonlyArray<{ key: string; values: string[] }> = [
  { key: 'kustomize.toolkit.fluxcd.io/reconcile', values: ['disabled'] },
  { key: 'kustomize.toolkit.fluxcd.io/ssa', values: ['ignore', 'ifnotpresent'] },
  { key: 'helm.toolkit.fluxcd.io/driftdetection', values: ['disabled'] },
  { key: DRIFT_ANNOTATION, values: ['disabled'] },
];

export interface IgnoreRule {
  paths: string[];
  target?: IgnoreTarget;
}

export interface ObjectIdentity {
  group: string;
  version: string;
  kind: string;
  name: string;
  namespace?: string;
}

type Meta = { labels?: Record<string, string>; annotations?: Record<string, string> } | undefined;

/** The opt-out that excludes an object (checked on the desired and the live object), if any. */
export function optOutOf(...metas: Meta[]): string | undefined {
  for (const meta of metas) {
    for (const source of [meta?.annotations, meta?.labels]) {
      if (source === undefined) continue;
      for (const [key, value] of Object.entries(source)) {
        const rule = OPT_OUTS.find((o) => o.key === key.toLowerCase());
        if (rule?.values.includes(value.toLowerCase())) return `${key}: ${value}`;
      }
    }
  }
  return undefined;
}

/** A rule of spec.drift.ignore that cannot be used; the message names the field. */
export class InvalidIgnoreRuleError extends Error {
  override readonly name = 'InvalidIgnoreRuleError';
}

/** Compiled rules: pointer prefixes to ignore per object. */
export class IgnoreRules {
  readonly #rules: Array<{ paths: string[][]; target: Array<[keyof ObjectIdentity, RegExp]> }>;

  /**
   * `field` names the rules in errors (e.g. `spec.drift.ignore`). Without it, rules that are not
   * usable (another controller's, already validated there) are skipped instead of failing the check.
   */
  constructor(rules: readonly IgnoreRule[], field?: string) {
    this.#rules = rules.map((rule, i) => ({
      paths: rule.paths.flatMap((path, j) => {
        try {
          return [parsePointer(path)];
        } catch (error) {
          if (field === undefined) return [];
          throw new InvalidIgnoreRuleError(`${field}[${i}].paths[${j}]: ${(error as Error).message}`);
        }
      }),
      target: Object.entries(rule.target ?? {})
        .filter(([, pattern]) => pattern !== undefined && pattern !== '')
        .map(([key, pattern]) => [key as keyof ObjectIdentity, anchored(String(pattern))]),
    }));
  }

  /** Pointer paths (as segments) ignored on this object; `[]` among them ignores the whole object. */
  pathsFor(object: ObjectIdentity): string[][] {
    const out: string[][] = [];
    for (const rule of this.#rules) {
      if (rule.target.every(([field, re]) => re.test(String(object[field] ?? '')))) out.push(...rule.paths);
    }
    return out;
  }
}

export function isIgnored(segments: readonly string[], ignored: readonly string[][]): boolean {
  return ignored.some(
    (prefix) => prefix.length <= segments.length && prefix.every((s, i) => segments[i] === s),
  );
}

/** Flux matches selector fields as whole-string regular expressions. */
function anchored(pattern: string): RegExp {
  try {
    return new RegExp(`^(?:${pattern})$`);
  } catch {
    // An invalid expression matches only itself, literally, rather than failing the whole check.
    return new RegExp(`^${pattern.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
  }
}
