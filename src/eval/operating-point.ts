import { StageInputError } from '../errors';
import type { ThresholdResult } from './event-metrics';

/**
 * Choosing the threshold to ship (thesis §3.2.2, Fig. 3.3a: "if a user desires a false
 * positive rate below 1.5%, then they must accept an overall classification error
 * (excluding false positive) of at least ≈3%, which corresponds to a threshold of at most
 * 0.25"). The user fixes the false-accept budget; the rule then takes the best FRR within it.
 *
 * Rule:
 *  - among thresholds with faPerHour ≤ target: the lowest FRR; ties → lower faPerHour, then
 *    the higher threshold (same measured errors, more margin against false accepts on new audio);
 *  - if none meets the target: the lowest faPerHour; ties → lower FRR, then higher threshold;
 *    `constraintMet` is false so a report cannot present it as meeting the budget.
 */
export interface OperatingPoint {
  readonly threshold: number;
  readonly targetFaPerHour: number;
  readonly constraintMet: boolean;
  /** The chosen threshold's full report. */
  readonly result: ThresholdResult;
  /** One sentence saying why this threshold, for reports and logs. */
  readonly reason: string;
}

export function chooseOperatingPoint(results: readonly ThresholdResult[], targetFaPerHour: number): OperatingPoint {
  if (results.length === 0) throw new StageInputError('no threshold results to choose an operating point from');
  const feasible = results.filter((r) => r.faPerHour <= targetFaPerHour);
  const constraintMet = feasible.length > 0;
  const best = constraintMet
    ? pickMin(feasible, (a, b) => a.frr - b.frr || a.faPerHour - b.faPerHour || b.threshold - a.threshold)
    : pickMin(results, (a, b) => a.faPerHour - b.faPerHour || a.frr - b.frr || b.threshold - a.threshold);
  const fmt = (x: number) => String(Number(x.toPrecision(4)));
  const reason = constraintMet
    ? `lowest FRR (${fmt(best.frr)}) among ${feasible.length} threshold(s) with FA/h ≤ ${fmt(targetFaPerHour)} (this one: ${fmt(best.faPerHour)})`
    : `no threshold reaches FA/h ≤ ${fmt(targetFaPerHour)}; chose the lowest FA/h (${fmt(best.faPerHour)}, FRR ${fmt(best.frr)})`;
  return { threshold: best.threshold, targetFaPerHour, constraintMet, result: best, reason };
}

function pickMin<T>(items: readonly T[], compare: (a: T, b: T) => number): T {
  return items.reduce((best, x) => (compare(x, best) < 0 ? x : best));
}
