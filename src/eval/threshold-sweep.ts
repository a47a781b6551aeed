import { StageInputError } from '../errors';
import { eventConfusionMatrix, type EventConfusionMatrix } from './confusion';
import { detectKeywords } from './event-detector';
import {
  matchStream,
  summarizeThreshold,
  type GroundTruthEvent,
  type StreamMatch,
  type ThresholdResult,
} from './event-metrics';
import { chooseOperatingPoint, type OperatingPoint } from './operating-point';
import {
  BACKGROUND_LABEL,
  NEGATIVE_EVENT_LABEL,
  parseEventEvalOptions,
  REJECTED_LABEL,
  resolveTiming,
  type EventEvalOptions,
  type EventEvalOptionsInput,
  type EventTiming,
} from './options';
import { frameCount, smoothPosteriors } from './smoothing';

/**
 * Event-based evaluation of a keyword spotter on long streams (docs/methods.md#event-based-evaluation; thesis §3.2.2
 * "Custom event metric", Fig. 3.3): smooth the posteriors once, then for every threshold
 * detect, match against the labelled events and count; the DET curve is the sweep's
 * (faPerHour, frr) pairs and the operating point is chosen on it.
 *
 *   posteriors ──smoothing.ts──► smoothed ──event-detector.ts(θ)──► detections
 *                                                                     │
 *   index.json events ─────────────────────event-metrics.ts matchStream┘──► StreamMatch
 *        per θ: summarizeThreshold ──► ThresholdResult ──► det, operating-point.ts
 *        at the operating point: confusion.ts eventConfusionMatrix
 *
 * Note on the DET curve: the number of upward crossings of a level is not monotone in the
 * level, so FA/h is not guaranteed to fall at every step of θ — a posterior that dips
 * between two thresholds gives one firing at the lower and two at the higher one, and a
 * refractory period started later can let a later crossing through. With posteriors whose
 * peaks are isolated it is monotone (test/unit/eval/threshold-sweep.test.ts covers both).
 */

/** One stream: the model's posteriors on it and its ground truth (an index.json entry). */
export interface StreamPosteriors {
  /** Names the stream in messages (e.g. the index.json entry's `file`). */
  readonly id: string;
  readonly durationSec: number;
  /** [frames × labels.length], row-major. */
  readonly posteriors: Float32Array;
  readonly events: readonly GroundTruthEvent[];
}

export interface DetPoint {
  readonly threshold: number;
  readonly frr: number;
  readonly faPerHour: number;
}

export interface EvaluationTotals {
  readonly streams: number;
  readonly frames: number;
  readonly durationSec: number;
  readonly hours: number;
  readonly keywordEvents: number;
  readonly negativeEvents: number;
}

export interface EventEvaluation {
  /** The options after validation and defaults. */
  readonly options: EventEvalOptions;
  /** Labels that may fire, in label order. */
  readonly keywords: readonly string[];
  readonly totals: EvaluationTotals;
  /** One per threshold, ascending. */
  readonly perThreshold: readonly ThresholdResult[];
  readonly det: readonly DetPoint[];
  readonly operatingPoint: OperatingPoint;
  /** Generalized confusion matrix (appendix 3.A) at the operating point's threshold. */
  readonly eventConfusion: EventConfusionMatrix;
}

/** Inputs checked and smoothed once, ready to be matched at any threshold. */
export interface PreparedEvaluation {
  readonly options: EventEvalOptions;
  readonly timing: EventTiming;
  readonly labels: readonly string[];
  readonly keywords: readonly string[];
  readonly keywordClasses: readonly number[];
  readonly streams: readonly PreparedStream[];
  readonly totals: EvaluationTotals;
}

export interface PreparedStream {
  readonly id: string;
  readonly smoothed: Float64Array;
  readonly events: readonly GroundTruthEvent[];
}

/** Full sweep: per-threshold reports, DET curve, operating point and its event confusion matrix. */
export function evaluateStreams(
  streams: readonly StreamPosteriors[],
  labels: readonly string[],
  options: EventEvalOptionsInput = {},
): EventEvaluation {
  const prepared = prepareEventEvaluation(streams, labels, options);
  const { thresholds, targetFaPerHour } = prepared.options;
  const perThreshold = thresholds.map((t) =>
    summarizeThreshold(t, matchAtThreshold(prepared, t), prepared.totals.durationSec, prepared.timing.strideMs),
  );
  const operatingPoint = chooseOperatingPoint(perThreshold, targetFaPerHour);
  return {
    options: prepared.options,
    keywords: prepared.keywords,
    totals: prepared.totals,
    perThreshold,
    det: detCurve(perThreshold),
    operatingPoint,
    eventConfusion: eventConfusionMatrix(matchAtThreshold(prepared, operatingPoint.threshold), prepared.keywords),
  };
}

/** The DET curve (thesis Fig. 3.3a axes): one (FA/h, FRR) point per threshold, ascending θ. */
export function detCurve(results: readonly ThresholdResult[]): DetPoint[] {
  return [...results]
    .sort((a, b) => a.threshold - b.threshold)
    .map(({ threshold, frr, faPerHour }) => ({ threshold, frr, faPerHour }));
}

/**
 * Detections and their matches on every stream at one threshold (for drill-down: which word, when),
 * or at one threshold per keyword (prepared.keywords order; src/eval/per-keyword-thresholds.ts).
 */
export function matchAtThreshold(prepared: PreparedEvaluation, threshold: number | readonly number[]): StreamMatch[] {
  const { timing, labels, keywordClasses } = prepared;
  const config = { numClasses: labels.length, keywordClasses, threshold, refractoryFrames: timing.refractoryFrames };
  return prepared.streams.map((s) => {
    const detections = detectKeywords(s.smoothed, config).map((d) => ({
      frame: d.frame,
      timeMs: timing.offsetMs + d.frame * timing.strideMs,
      label: labels[d.classIndex]!,
    }));
    return matchStream(detections, s.events, timing);
  });
}

/** Validates options, labels and streams (naming the stream and event at fault) and smooths. */
export function prepareEventEvaluation(
  streams: readonly StreamPosteriors[],
  labels: readonly string[],
  optionsInput: EventEvalOptionsInput = {},
): PreparedEvaluation {
  const options = parseEventEvalOptions(optionsInput);
  const keywords = keywordsOf(labels, options);
  const keywordClasses = keywords.map((k) => labels.indexOf(k));
  if (streams.length === 0) throw new StageInputError('no streams to evaluate');

  let frames = 0;
  let durationSec = 0;
  let keywordEvents = 0;
  let negativeEvents = 0;
  const prepared = streams.map((s) => {
    checkStream(s, labels.length, keywords);
    frames += frameCount(s.posteriors.length, labels.length);
    durationSec += s.durationSec;
    keywordEvents += s.events.filter((e) => e.kind === 'keyword').length;
    negativeEvents += s.events.filter((e) => e.kind === 'negative').length;
    return {
      id: s.id,
      smoothed: smoothPosteriors(s.posteriors, labels.length, options.smoothingFrames),
      events: s.events,
    };
  });
  return {
    options,
    timing: resolveTiming(options),
    labels,
    keywords,
    keywordClasses,
    streams: prepared,
    totals: { streams: streams.length, frames, durationSec, hours: durationSec / 3600, keywordEvents, negativeEvents },
  };
}

/** `options.keywords` if given (each must be a label), else every label not in nonKeywordLabels; in label order. */
function keywordsOf(labels: readonly string[], options: EventEvalOptions): string[] {
  if (labels.length === 0) throw new StageInputError('the model has no labels');
  const dup = labels.find((l, i) => labels.indexOf(l) !== i);
  if (dup !== undefined) throw new StageInputError(`label "${dup}" appears twice in the model's labels`);
  for (const k of options.keywords ?? []) {
    if (!labels.includes(k))
      throw new StageInputError(`keyword "${k}" is not one of the model's labels (${labels.join(', ')})`);
  }
  const keywords = labels.filter((l) =>
    options.keywords ? options.keywords.includes(l) : !options.nonKeywordLabels.includes(l),
  );
  if (keywords.length === 0) throw new StageInputError(`no keyword among the labels (${labels.join(', ')})`);
  const reserved = keywords.find((k) => k === REJECTED_LABEL || k === BACKGROUND_LABEL || k === NEGATIVE_EVENT_LABEL);
  if (reserved !== undefined) {
    throw new StageInputError(
      `label "${reserved}" would be a keyword but is reserved for the event confusion matrix; list it in nonKeywordLabels`,
    );
  }
  return keywords;
}

/** Slack for an offset rounded to the sample or written with fewer decimals than the duration. */
const DURATION_SLACK_SEC = 1e-3;

function checkStream(s: StreamPosteriors, numClasses: number, keywords: readonly string[]): void {
  const where = `stream "${s.id}"`;
  if (!(Number.isFinite(s.durationSec) && s.durationSec > 0)) {
    throw new StageInputError(`${where}: durationSec must be a positive number, got ${s.durationSec}`);
  }
  try {
    frameCount(s.posteriors.length, numClasses);
  } catch (e) {
    throw new StageInputError(`${where}: ${(e as Error).message}`);
  }
  const bad = s.posteriors.findIndex((p) => !Number.isFinite(p));
  if (bad >= 0) {
    throw new StageInputError(
      `${where}: posterior at frame ${Math.floor(bad / numClasses)}, class ${bad % numClasses} is ${s.posteriors[bad]}`,
    );
  }
  s.events.forEach((e, i) => {
    const at = `${where}: events[${i}]`;
    if (e.kind !== 'keyword' && e.kind !== 'negative') {
      throw new StageInputError(`${at}: kind must be "keyword" or "negative", got ${JSON.stringify(e.kind)}`);
    }
    if (!(Number.isFinite(e.onsetSec) && Number.isFinite(e.offsetSec) && e.onsetSec >= 0 && e.onsetSec < e.offsetSec)) {
      throw new StageInputError(`${at}: expected 0 ≤ onsetSec < offsetSec, got ${e.onsetSec} … ${e.offsetSec}`);
    }
    if (e.offsetSec > s.durationSec + DURATION_SLACK_SEC) {
      throw new StageInputError(`${at}: offsetSec ${e.offsetSec} is after the end of the stream (${s.durationSec} s)`);
    }
    if (e.kind === 'keyword' && !keywords.includes(e.label)) {
      throw new StageInputError(
        `${at}: keyword "${e.label}" is not one of the evaluated keywords (${keywords.join(', ')})`,
      );
    }
  });
}
