import { z } from 'zod';
import { StageInputError } from '../errors';
import { summarizeThreshold, type StreamMatch, type ThresholdResult } from './event-metrics';
import { matchAtThreshold, type PreparedEvaluation } from './threshold-sweep';

/**
 * One threshold per keyword, chosen on the tuning streams (docs/results/2026-12-04-per-keyword-thresholds.md).
 *
 * A single θ must sit where the most confusable keyword stops firing on negatives ("yet" → yes,
 * "goal" → go), which costs every other keyword recall. Per keyword k the choice is Lagrangian:
 * for a multiplier λ, θ_k = argmin_θ misses_k(θ) + λ · FA_k(θ), where misses_k and FA_k are the
 * keyword-k misses and the false accepts that fired k, counted on the single-θ sweep of the tuning
 * streams (the keywords interact only through the arg-max and the refractory period, which the
 * exact check below accounts for). The λ taken is the one whose thresholds, run together through
 * the detector on the tuning streams, have the lowest FRR within the FA budget.
 *
 * Thirty tuning minutes hold one false accept at 2 FA/h, so a keyword that never fired there would
 * get a low θ and fire on unseen voices. `pooledFaPrior` α shrinks each keyword's count towards the
 * pooled one: FA_k(θ) + α · FA(θ) / K, K keywords — a keyword with no false accepts of its own is
 * charged α/K of every other keyword's (a pseudo-count prior towards the single-θ rate).
 */

/** The multipliers tried when none are configured: a geometric-ish grid from "misses only" to "no false accept". */
export const DEFAULT_LAMBDAS: readonly number[] = [
  0.5, 1, 1.5, 2, 3, 4, 5, 6, 8, 10, 12, 15, 20, 25, 30, 40, 50, 70, 100, 150, 200, 300, 500, 1000,
];

export const perKeywordThresholdsSchema = z.strictObject({
  pooledFaPrior: z
    .number()
    .min(0)
    .max(1000)
    .default(4)
    .describe(
      "α ≥ 0: each keyword's false accepts at θ are counted as its own + α · (all keywords' false accepts) / (number of keywords), so a keyword that never fired on the short tuning streams does not get a low threshold (0 = each keyword on its own counts, which overshot the FA budget 7× on unseen voices in docs/results/2026-12-04-per-keyword-thresholds.md).",
    ),
  lambdas: z
    .array(z.number().positive())
    .min(1)
    .max(200)
    .default(() => [...DEFAULT_LAMBDAS])
    .describe(
      'Lagrange multipliers λ tried: per keyword θ_k minimises misses_k + λ·FA_k on the tuning sweep; the λ kept is the one whose thresholds together have the lowest tuning FRR within the FA budget.',
    ),
});
export type PerKeywordThresholdsConfig = z.output<typeof perKeywordThresholdsSchema>;

/** Per keyword at one threshold: its events, its hits, and the false accepts that fired it. */
export interface KeywordCounts {
  readonly events: number;
  readonly hits: number;
  readonly falseAccepts: number;
}

/** keyword → counts, for matches at one threshold (keywords in the given order). */
export function countsByKeyword(
  matches: readonly StreamMatch[],
  keywords: readonly string[],
): Record<string, KeywordCounts> {
  const out = new Map(keywords.map((k) => [k, { events: 0, hits: 0, falseAccepts: 0 }]));
  const at = (k: string) => {
    const c = out.get(k);
    if (c === undefined) throw new StageInputError(`"${k}" is not one of the evaluated keywords`);
    return c;
  };
  for (const m of matches) {
    for (const o of m.keyword) {
      const c = at(o.event.label);
      c.events++;
      if (o.type === 'hit') c.hits++;
    }
    for (const o of m.negative) if (o.type === 'false-accept') at(o.detection.label).falseAccepts++;
    for (const d of m.background) at(d.label).falseAccepts++;
  }
  return Object.fromEntries(out);
}

/** One row of the tuning sweep, broken down by keyword. */
export interface SweepCounts {
  readonly threshold: number;
  readonly byKeyword: Readonly<Record<string, KeywordCounts>>;
}

/**
 * θ_k per keyword for one λ: argmin misses_k + λ · (FA_k + α · FA / K) over the sweep's
 * thresholds; ties → the higher θ (same measured cost, more margin against false accepts).
 */
export function lagrangianThresholds(
  sweep: readonly SweepCounts[],
  keywords: readonly string[],
  lambda: number,
  pooledFaPrior: number,
): number[] {
  if (sweep.length === 0) throw new StageInputError('no thresholds in the tuning sweep to choose from');
  return keywords.map((k) => {
    let best: { cost: number; threshold: number } | undefined;
    for (const row of sweep) {
      const own = row.byKeyword[k];
      if (own === undefined) throw new StageInputError(`the tuning sweep has no counts for keyword "${k}"`);
      const pooled = keywords.reduce((s, j) => s + (row.byKeyword[j]?.falseAccepts ?? 0), 0) / keywords.length;
      const cost = own.events - own.hits + lambda * (own.falseAccepts + pooledFaPrior * pooled);
      if (best === undefined || cost < best.cost || (cost === best.cost && row.threshold > best.threshold))
        best = { cost, threshold: row.threshold };
    }
    return best!.threshold;
  });
}

/** The thresholds chosen, and what they give on the streams they were chosen on. */
export interface PerKeywordChoice {
  readonly lambda: number;
  readonly pooledFaPrior: number;
  /** keyword → θ_k (the sweep's thresholds, so on the board's grid when the sweep is). */
  readonly thresholds: Readonly<Record<string, number>>;
  readonly targetFaPerHour: number;
  /** Whether some λ met the FA budget on the tuning streams; else the lowest FA/h was taken. */
  readonly constraintMet: boolean;
  /** The detector with these thresholds on the tuning streams (its `threshold` field is NaN: there is no single one). */
  readonly result: ThresholdResult;
  readonly reason: string;
}

/** Result of the detector at per-keyword thresholds (keywords order) on prepared streams. */
export function resultAtThresholds(
  prepared: PreparedEvaluation,
  thresholds: readonly number[],
): { result: ThresholdResult; matches: StreamMatch[] } {
  const matches = matchAtThreshold(prepared, thresholds);
  return {
    result: summarizeThreshold(NaN, matches, prepared.totals.durationSec, prepared.timing.strideMs),
    matches,
  };
}

/**
 * The per-keyword thresholds for a FA budget, chosen on `tuning` over its options' thresholds:
 * per λ the Lagrangian θ_k, then the λ whose joint detector has the lowest tuning FRR with
 * FA/h ≤ target (ties → lower FA/h, then the larger λ: fewer false accepts for the same errors);
 * when no λ meets the budget, the lowest FA/h (ties → lower FRR, larger λ), `constraintMet` false.
 */
export function choosePerKeywordThresholds(
  tuning: PreparedEvaluation,
  config: PerKeywordThresholdsConfig,
): PerKeywordChoice {
  const { thresholds, targetFaPerHour } = tuning.options;
  const keywords = tuning.keywords;
  const sweep: SweepCounts[] = thresholds.map((threshold) => ({
    threshold,
    byKeyword: countsByKeyword(matchAtThreshold(tuning, threshold), keywords),
  }));
  const tried = new Map<string, { lambda: number; th: number[]; result: ThresholdResult }>();
  for (const lambda of [...config.lambdas].sort((a, b) => a - b)) {
    const th = lagrangianThresholds(sweep, keywords, lambda, config.pooledFaPrior);
    const key = th.join(',');
    const seen = tried.get(key);
    // Equal thresholds for a larger λ: keep the larger λ (the tie rule below prefers it anyway).
    tried.set(key, { lambda, th, result: seen?.result ?? resultAtThresholds(tuning, th).result });
  }
  const cands = [...tried.values()];
  const feasible = cands.filter((c) => c.result.faPerHour <= targetFaPerHour);
  const constraintMet = feasible.length > 0;
  const pick = (xs: typeof cands, cmp: (a: ThresholdResult, b: ThresholdResult) => number) =>
    xs.reduce((best, x) => {
      const d = cmp(x.result, best.result);
      return d < 0 || (d === 0 && x.lambda > best.lambda) ? x : best;
    });
  const best = constraintMet
    ? pick(feasible, (a, b) => a.frr - b.frr || a.faPerHour - b.faPerHour)
    : pick(cands, (a, b) => a.faPerHour - b.faPerHour || a.frr - b.frr);
  const fmt = (x: number) => String(Number(x.toPrecision(4)));
  const reason = constraintMet
    ? `λ = ${best.lambda}: lowest tuning FRR (${fmt(best.result.frr)}) among ${feasible.length} of ${cands.length} per-keyword threshold set(s) with FA/h ≤ ${fmt(targetFaPerHour)} (this one: ${fmt(best.result.faPerHour)}), pooled FA prior ${config.pooledFaPrior}`
    : `no λ reaches FA/h ≤ ${fmt(targetFaPerHour)} on the tuning streams; λ = ${best.lambda} has the lowest (${fmt(best.result.faPerHour)}, FRR ${fmt(best.result.frr)})`;
  return {
    lambda: best.lambda,
    pooledFaPrior: config.pooledFaPrior,
    thresholds: Object.fromEntries(keywords.map((k, i) => [k, best.th[i]!])),
    targetFaPerHour,
    constraintMet,
    result: best.result,
    reason,
  };
}

/** FRR per keyword (1 − hits / events; 0 without events) of one set of matches. */
export function frrByKeyword(matches: readonly StreamMatch[], keywords: readonly string[]): Record<string, number> {
  const counts = countsByKeyword(matches, keywords);
  return Object.fromEntries(
    keywords.map((k) => {
      const c = counts[k]!;
      return [k, c.events === 0 ? 0 : 1 - c.hits / c.events];
    }),
  );
}
