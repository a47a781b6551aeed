import { StageInputError } from '../errors';
import { eventConfusionMatrix } from './confusion';
import type { OperatingPoint } from './operating-point';
import { matchAtThreshold, type EventEvaluation, type PreparedEvaluation } from './threshold-sweep';

/**
 * Operating point chosen on one set of streams and measured on another (issue #4: honest
 * event metrics). thesis §3.2.2 reads the operating threshold off the DET curve (Fig.
 * 3.3a); if that curve is the one being reported, the reported FRR at the FA budget is the
 * best the sweep happened to reach on exactly those streams — a minimum over ~95
 * thresholds, biased low, and with a few false accepts per half hour the bias is large.
 * Choosing θ on separate tuning streams and applying it unchanged to the scored streams
 * gives the number a device shipped with that θ would show.
 */

/** What the tuning streams said, kept next to the scored evaluation for the report and logs. */
export interface TuningSummary {
  readonly streams: number;
  readonly hours: number;
  /** The operating point on the tuning streams (its result is the tuning streams' numbers). */
  readonly operatingPoint: OperatingPoint;
  /**
   * For comparison only: the operating point the old protocol would pick on the scored
   * streams themselves (optimistic; not the reported number).
   */
  readonly scoredOracle: OperatingPoint;
}

/**
 * `scored` with its operating point replaced by the threshold `tuning` chose: the result,
 * `constraintMet` (whether the scored streams stay within the FA budget at that threshold)
 * and the event confusion matrix are those of the scored streams at that threshold.
 * Both evaluations must sweep the same thresholds (the evaluate stage uses one options object).
 */
export function applyTunedThreshold(
  scored: EventEvaluation,
  scoredPrepared: PreparedEvaluation,
  tuning: EventEvaluation,
): { events: EventEvaluation; tuning: TuningSummary } {
  const tuned = tuning.operatingPoint;
  const result = scored.perThreshold.find((r) => r.threshold === tuned.threshold);
  if (result === undefined) {
    throw new StageInputError(`tuned threshold ${tuned.threshold} is not among the scored sweep's thresholds`);
  }
  const target = scored.operatingPoint.targetFaPerHour;
  const fmt = (x: number) => String(Number(x.toPrecision(4)));
  const operatingPoint: OperatingPoint = {
    threshold: tuned.threshold,
    targetFaPerHour: target,
    constraintMet: result.faPerHour <= target,
    result,
    reason:
      `chosen on ${tuning.totals.streams} tuning stream(s) (${fmt(tuning.totals.hours * 60)} min, not scored): ${tuned.reason}; ` +
      `on the scored streams it gives FRR ${fmt(result.frr)} at ${fmt(result.faPerHour)} FA/h`,
  };
  return {
    events: {
      ...scored,
      operatingPoint,
      eventConfusion: eventConfusionMatrix(matchAtThreshold(scoredPrepared, tuned.threshold), scored.keywords),
    },
    tuning: {
      streams: tuning.totals.streams,
      hours: tuning.totals.hours,
      operatingPoint: tuned,
      scoredOracle: scored.operatingPoint,
    },
  };
}
