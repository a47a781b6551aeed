import type { MetricValue } from '../stage/stage-module';
import type { ThresholdResult } from './event-metrics';
import { falseAcceptsByWord, type FalseAcceptsByWord } from './false-accepts-by-word';
import {
  choosePerKeywordThresholds,
  frrByKeyword,
  resultAtThresholds,
  type PerKeywordThresholdsConfig,
} from './per-keyword-thresholds';
import type { PreparedEvaluation } from './threshold-sweep';

/**
 * The per-keyword detector in the evaluate stage: thresholds chosen on the tuning streams
 * (src/eval/per-keyword-thresholds.ts), applied unchanged to the scored streams, summarised for
 * the evaluation artifact, the metrics and the log.
 */

/** What goes into the evaluation artifact under `perKeyword`. */
export interface PerKeywordArtifact {
  readonly rule: 'lagrangian';
  readonly lambda: number;
  readonly pooledFaPrior: number;
  /** keyword → θ_k as compared on the board (the sweep's snapped thresholds). */
  readonly thresholds: Readonly<Record<string, number>>;
  /** keyword → round(θ_k · 2¹⁶): the board's per-class table (deploy's stream.thresholds). */
  readonly thresholdsQ16: Readonly<Record<string, number>>;
  readonly targetFaPerHour: number;
  /** Whether the tuning streams met the budget; `scoredConstraintMet` says it for the scored ones. */
  readonly constraintMet: boolean;
  readonly scoredConstraintMet: boolean;
  readonly reason: string;
  readonly tuning: ThresholdResult;
  readonly scored: ThresholdResult;
  readonly frrByKeyword: { readonly tuning: Record<string, number>; readonly scored: Record<string, number> };
  readonly negativeFalseAccepts: FalseAcceptsByWord;
}

export interface PerKeywordEvaluation {
  readonly artifact: PerKeywordArtifact;
  /** One line for the choice, one per keyword: what the stage logs. */
  readonly logLines: readonly string[];
}

export function perKeywordEvaluation(
  tuning: PreparedEvaluation,
  scored: PreparedEvaluation,
  config: PerKeywordThresholdsConfig,
): PerKeywordEvaluation {
  const choice = choosePerKeywordThresholds(tuning, config);
  const keywords = tuning.keywords;
  const th = keywords.map((k) => choice.thresholds[k]!);
  const tuned = resultAtThresholds(tuning, th);
  const onScored = resultAtThresholds(scored, th);
  const frr = { tuning: frrByKeyword(tuned.matches, keywords), scored: frrByKeyword(onScored.matches, keywords) };
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
  const artifact: PerKeywordArtifact = {
    rule: 'lagrangian',
    lambda: choice.lambda,
    pooledFaPrior: choice.pooledFaPrior,
    thresholds: choice.thresholds,
    thresholdsQ16: Object.fromEntries(keywords.map((k, i) => [k, Math.round(th[i]! * 65536)])),
    targetFaPerHour: choice.targetFaPerHour,
    constraintMet: choice.constraintMet,
    scoredConstraintMet: onScored.result.faPerHour <= choice.targetFaPerHour,
    reason: choice.reason,
    tuning: tuned.result,
    scored: onScored.result,
    frrByKeyword: frr,
    negativeFalseAccepts: falseAcceptsByWord(onScored.matches),
  };
  const logLines = [
    `per-keyword thresholds (${choice.reason}): tuning FRR ${pct(tuned.result.frr)} at ${tuned.result.faPerHour.toFixed(2)} FA/h, scored FRR ${pct(onScored.result.frr)} at ${onScored.result.faPerHour.toFixed(2)} FA/h`,
    ...keywords.map(
      (k, i) =>
        `  ${k}: θ ${th[i]!.toFixed(4)} (Q16 ${artifact.thresholdsQ16[k]}), FRR tuning ${pct(frr.tuning[k]!)}, scored ${pct(frr.scored[k]!)}`,
    ),
  ];
  return { artifact, logLines };
}

/** `--json` metrics of the per-keyword detector (flat scalars). */
export function perKeywordMetrics(e: PerKeywordEvaluation): Record<string, MetricValue> {
  const a = e.artifact;
  return {
    perKeywordFrr: a.scored.frr,
    perKeywordFaPerHour: a.scored.faPerHour,
    perKeywordConstraintMet: a.scoredConstraintMet,
    perKeywordTuningFrr: a.tuning.frr,
    perKeywordTuningFaPerHour: a.tuning.faPerHour,
    perKeywordLambda: a.lambda,
    ...Object.fromEntries(Object.entries(a.thresholds).map(([k, t]) => [`perKeywordThreshold.${k}`, t])),
    ...Object.fromEntries(Object.entries(a.frrByKeyword.scored).map(([k, f]) => [`perKeywordFrr.${k}`, f])),
  };
}
