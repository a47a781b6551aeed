import { z } from 'zod';

/**
 * Threshold sweeps as ranges in a pipeline file: `{from: 0.05, to: 0.96, step: 0.01, then:
 * [0.965, 0.97, …]}` instead of a hundred numbers. The range expands, during validation, to
 * exactly the list a user would have typed: each value is rounded to the decimals of `from`
 * and `step`, so 0.05 + 2·0.01 is the double that the YAML text `0.07` parses to, not
 * 0.07000000000000001. The resolved config, and hence the cache key, is that list either way.
 */
export const thresholdRangeSchema = z.strictObject({
  from: z.number().gt(0).max(1),
  to: z.number().gt(0).max(1),
  step: z.number().gt(0).max(1),
  /** Values appended after the range, e.g. a finer tail where the operating point sits. */
  then: z
    .array(z.number().gt(0).max(1))
    .default([])
    .describe('Values appended after the range, e.g. a finer tail where the operating point sits.'),
});
export type ThresholdRange = z.infer<typeof thresholdRangeSchema>;

/** Most values a range may expand to (the list itself allows 10 000). */
const MAX_RANGE_VALUES = 10_000;

function decimals(x: number): number {
  const s = String(x);
  if (s.includes('e-')) return Number(s.split('e-')[1]) + (s.split('e')[0]?.split('.')[1]?.length ?? 0);
  return s.split('.')[1]?.length ?? 0;
}

/**
 * from, from + step, …, to (inclusive; `to` must be reachable in whole steps), then `then`.
 * Returns a message instead of a list when the range is not well formed.
 */
export function expandThresholdRange(r: ThresholdRange): number[] | string {
  if (r.to < r.from) return `to (${r.to}) must be ≥ from (${r.from})`;
  const steps = (r.to - r.from) / r.step;
  const n = Math.round(steps);
  if (Math.abs(steps - n) > 1e-9)
    return `to (${r.to}) is not from (${r.from}) plus a whole number of steps (${r.step})`;
  if (n + 1 + r.then.length > MAX_RANGE_VALUES)
    return `the range has ${n + 1 + r.then.length} values; at most ${MAX_RANGE_VALUES}`;
  const d = Math.max(decimals(r.from), decimals(r.step));
  const values = Array.from({ length: n + 1 }, (_, i) => Number((r.from + i * r.step).toFixed(d)));
  return [...values, ...r.then];
}

/** A threshold list, or a range that validation expands into one. */
export function thresholdsSchema(list: z.ZodArray<z.ZodNumber>) {
  return z.union([
    list,
    thresholdRangeSchema.transform((r, ctx) => {
      const out = expandThresholdRange(r);
      if (typeof out === 'string') {
        ctx.addIssue({ code: 'custom', message: out });
        return z.NEVER;
      }
      return out;
    }),
  ]);
}
