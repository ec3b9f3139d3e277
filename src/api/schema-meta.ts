// What the CRD says beyond plain JSON Schema, attached to the zod schemas as metadata so that the CRD
// generated from them (npm run generate) carries it: CEL rules paired with the zod checks they mirror,
// Kubernetes formats and list semantics, and fields kept as they are.
import type { z } from 'zod';

/** One `x-kubernetes-validations` entry: the API server evaluates `rule` and answers with `message`. */
export interface CelRule {
  rule: string;
  message: string;
}

/**
 * A check made twice with the same words: by the API server (the CEL rule, at admission) and by the
 * controller (the zod refinement, for objects admitted before the rule existed).
 */
export function checkedBoth<T extends z.ZodType>(
  schema: T,
  rules: ReadonlyArray<CelRule & { check: (value: z.output<T>) => boolean }>,
): T {
  let checked = schema;
  for (const { check, message } of rules) checked = checked.refine(check, message);
  return checked.meta({
    'x-kubernetes-validations': rules.map(({ rule, message }) => ({ rule, message })),
  });
}

/** An integer the API server stores as int64, as metav1 fields are. */
export const int64 = <T extends z.ZodType>(schema: T): T => schema.meta({ format: 'int64' });

/** A list merged by key, as `conditions` are: one entry per key, which zod checks as the API server does. */
export const listMap = <T extends z.ZodArray<z.ZodObject>>(schema: T, keys: string[]): T =>
  schema
    .refine(
      (entries) => {
        const seen = new Set(entries.map((entry) => JSON.stringify(keys.map((key) => entry[key]))));
        return seen.size === entries.length;
      },
      `must hold at most one entry per ${keys.join(', ')}`,
    )
    .meta({ 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': keys });

/** A value of any JSON type, kept as written instead of pruned. */
export const anyValue = <T extends z.ZodType>(schema: T): T =>
  schema.meta({ 'x-kubernetes-preserve-unknown-fields': true });
