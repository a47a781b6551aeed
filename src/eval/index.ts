/**
 * Event-based keyword-spotting evaluation (docs/methods.md#event-based-evaluation; thesis §3.2.2 "Custom event metric",
 * §3.3.4, appendix 3.A). Pure: posteriors and ground-truth events in, numbers out.
 * Usually only `evaluateStreams` and `eventEvalOptionsSchema` are needed; the steps are
 * exported for drill-down reports and for reuse.
 */
export {
  eventEvalOptionsSchema,
  parseEventEvalOptions,
  resolveTiming,
  refractoryFrames,
  DEFAULT_THRESHOLDS,
  DEFAULT_NON_KEYWORD_LABELS,
  DEFAULT_EARLY_MS,
  DEFAULT_LATE_MS,
  REJECTED_LABEL,
  BACKGROUND_LABEL,
  NEGATIVE_EVENT_LABEL,
} from './options';
export type { EventEvalOptions, EventEvalOptionsInput, EventTiming } from './options';

export { smoothPosteriors } from './smoothing';

export { detectKeywords } from './event-detector';
export type { DetectorConfig, FrameDetection } from './event-detector';

export { matchStream, summarizeThreshold, latencyStats } from './event-metrics';
export type {
  GroundTruthEvent,
  TimedDetection,
  ToleranceMs,
  KeywordOutcome,
  NegativeOutcome,
  StreamMatch,
  LatencyStats,
  ThresholdResult,
} from './event-metrics';

export { evaluateStreams, prepareEventEvaluation, matchAtThreshold, detCurve } from './threshold-sweep';
export type {
  StreamPosteriors,
  DetPoint,
  EvaluationTotals,
  EventEvaluation,
  PreparedEvaluation,
  PreparedStream,
} from './threshold-sweep';

export { chooseOperatingPoint } from './operating-point';
export { applyTunedThreshold } from './tuned-threshold';
export type { TuningSummary } from './tuned-threshold';
export type { OperatingPoint } from './operating-point';

export { confusionMatrix, accuracy, argmaxPerRow, eventConfusionMatrix } from './confusion';
export type { ConfusionCounts, EventConfusionMatrix } from './confusion';
