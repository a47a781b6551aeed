import { StageInputError } from '../errors';

/**
 * Event matching and the per-threshold report (thesis §3.2.2 "Custom event metric",
 * §3.3.4 "Evaluation", appendix 3.A; docs/methods.md#event-based-evaluation). Detections are compared with labelled
 * events, not frames: plain frame accuracy is biased by the many non-event frames
 * (thesis §3.3.4), so a user-level count of what happened to each spoken word is the metric.
 */

/** One labelled utterance of a stream (the synth-kws `streams/index.json` event format). */
export interface GroundTruthEvent {
  /** The keyword, or for a negative the word spoken. */
  readonly label: string;
  readonly onsetSec: number;
  readonly offsetSec: number;
  readonly kind: 'keyword' | 'negative';
  /** Who spoke it (clip-source contract, src/eval/clip-sources.ts); absent in streams made before it. */
  readonly engine?: string;
  readonly voice?: string;
}

/** A firing of the detector, placed in time. */
export interface TimedDetection {
  readonly frame: number;
  /** When the device has the posterior that fired (options.ts time conventions). */
  readonly timeMs: number;
  /** Keyword that fired. */
  readonly label: string;
}

export interface ToleranceMs {
  /** A detection up to this long before an event's onset still belongs to it. */
  readonly earlyMs: number;
  /** A detection up to this long after an event's offset still belongs to it. */
  readonly lateMs: number;
}

/** What happened to one keyword event: exactly one of the three (a row of Fig. 3.A.1). */
export type KeywordOutcome =
  | {
      readonly type: 'hit';
      readonly event: GroundTruthEvent;
      readonly detection: TimedDetection;
      /** detection time − event offset; negative when it fired before the word ended. */
      readonly latencyMs: number;
    }
  | { readonly type: 'misclassification'; readonly event: GroundTruthEvent; readonly detection: TimedDetection }
  | { readonly type: 'false-reject'; readonly event: GroundTruthEvent };

/** What happened to one negative word: the device stayed quiet, or a keyword fired on it. */
export type NegativeOutcome =
  | { readonly type: 'rejected'; readonly event: GroundTruthEvent }
  | { readonly type: 'false-accept'; readonly event: GroundTruthEvent; readonly detection: TimedDetection };

export interface StreamMatch {
  /** One per keyword event, in onset order. */
  readonly keyword: readonly KeywordOutcome[];
  /** One per negative event, in onset order. */
  readonly negative: readonly NegativeOutcome[];
  /** Detections that belong to no event: false accepts in background (or repeated firings). */
  readonly background: readonly TimedDetection[];
}

/**
 * Binary-rounding slack for window edges: onsets are decimal seconds (8.06 s × 1000 =
 * 8060.000000000001 ms), which must not move an edge by a whole frame.
 */
const EDGE_EPS_MS = 1e-6;

/**
 * Assigns detections to events; each detection is used at most once and each event gets
 * at most one, so every detection and every event lands in exactly one cell of the
 * generalized confusion matrix (appendix 3.A, Fig. 3.A.1).
 *
 * An event's window is [onset − early, offset + late] (the thesis' early/late frame
 * tolerance, §3.2.2 and §3.3.4). Passes, each over events in onset order, each taking the
 * earliest still-free detection inside the window:
 *  1. hits: a detection of the event's own keyword;
 *  2. misclassifications: for keyword events still without a hit, a detection of another keyword;
 *  3. negative words: a detection inside the window is a false accept on that word;
 *  4. every detection left is a false accept in background — including a second firing
 *     inside an already-matched window (a second action the user did not ask for).
 * Hits go first so that a correct firing is never taken as another event's misclassification.
 * With non-overlapping utterances and equal tolerances, windows are ordered by both ends,
 * and earliest-first matching then yields the largest number of hits (as in interval scheduling).
 */
export function matchStream(
  detections: readonly TimedDetection[],
  events: readonly GroundTruthEvent[],
  tolerance: ToleranceMs,
): StreamMatch {
  const dets = [...detections].sort((a, b) => a.timeMs - b.timeMs || a.frame - b.frame);
  const taken = dets.map(() => false);
  const byOnset = [...events].sort((a, b) => a.onsetSec - b.onsetSec);
  const keywordEvents = byOnset.filter((e) => e.kind === 'keyword');
  const negativeEvents = byOnset.filter((e) => e.kind === 'negative');

  /** Index of the earliest free detection inside e's window that satisfies `accept`, or -1. */
  const claim = (e: GroundTruthEvent, accept: (d: TimedDetection) => boolean): number => {
    const lo = e.onsetSec * 1000 - tolerance.earlyMs - EDGE_EPS_MS;
    const hi = e.offsetSec * 1000 + tolerance.lateMs + EDGE_EPS_MS;
    for (let i = lowerBound(dets, lo); i < dets.length && dets[i]!.timeMs <= hi; i++) {
      if (!taken[i] && accept(dets[i]!)) {
        taken[i] = true;
        return i;
      }
    }
    return -1;
  };

  const hits = keywordEvents.map((e) => claim(e, (d) => d.label === e.label));
  const wrong = keywordEvents.map((e, i) => (hits[i]! >= 0 ? -1 : claim(e, (d) => d.label !== e.label)));
  const keyword: KeywordOutcome[] = keywordEvents.map((event, i) => {
    const h = hits[i]!;
    const w = wrong[i]!;
    if (h >= 0) {
      const detection = dets[h]!;
      return { type: 'hit', event, detection, latencyMs: detection.timeMs - event.offsetSec * 1000 };
    }
    if (w >= 0) return { type: 'misclassification', event, detection: dets[w]! };
    return { type: 'false-reject', event };
  });

  const negative: NegativeOutcome[] = negativeEvents.map((event) => {
    const j = claim(event, () => true);
    return j >= 0 ? { type: 'false-accept', event, detection: dets[j]! } : { type: 'rejected', event };
  });

  const background = dets.filter((_, i) => !taken[i]);
  return { keyword, negative, background };
}

/** First index whose time is ≥ t (detections sorted by time). */
function lowerBound(dets: readonly TimedDetection[], t: number): number {
  let lo = 0;
  let hi = dets.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (dets[mid]!.timeMs < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export interface LatencyStats {
  /** Number of hits the statistics are over. */
  readonly count: number;
  readonly mean: number;
  /** Middle value; the mean of the two middle values for an even count. */
  readonly median: number;
  /** Nearest-rank 90th percentile: the ⌈0.9·n⌉-th smallest value. */
  readonly p90: number;
  /** `mean` in frames, the unit of the thesis' Fig. 3.3b. */
  readonly meanFrames: number;
}

/** Latency statistics of hits (ms after the keyword's offset), or null when there are none. */
export function latencyStats(latenciesMs: readonly number[], strideMs: number): LatencyStats | null {
  const n = latenciesMs.length;
  if (n === 0) return null;
  const sorted = [...latenciesMs].sort((a, b) => a - b);
  const mean = sorted.reduce((a, b) => a + b, 0) / n;
  const mid = n >> 1;
  const median = n % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  const p90 = sorted[Math.ceil(0.9 * n) - 1]!;
  return { count: n, mean, median, p90, meanFrames: mean / strideMs };
}

/**
 * The report at one threshold (docs/methods.md#event-based-evaluation; thesis Fig. 3.3). Rates follow Fig. 3.3a, which
 * plots false positives against the two error types of a keyword event — false negatives
 * and misclassifications between positive classes — and §3.2.2, which reads the sum as the
 * "overall classification error (excluding false positive)":
 *   missRate             = falseRejects / keywordEvents
 *   misclassificationRate = misclassifications / keywordEvents
 *   frr                  = missRate + misclassificationRate = 1 − hits / keywordEvents
 * i.e. FRR counts every keyword the user said that did not get its own action. With no
 * keyword events the rates are 0 (nothing could be missed). False accepts are counted per
 * hour of audio (a rate per event is meaningless for a continuous stream):
 *   faPerHour = falseAccepts · 3600 / total stream seconds,
 * with falseAccepts = firings on negative words + firings in background.
 */
export interface ThresholdResult {
  readonly threshold: number;
  readonly keywordEvents: number;
  readonly negativeEvents: number;
  readonly hits: number;
  readonly falseRejects: number;
  readonly misclassifications: number;
  /** All false accepts: on negative words plus in background. */
  readonly falseAccepts: number;
  /** The part of falseAccepts attributed to a negative word. */
  readonly falseAcceptsOnNegatives: number;
  readonly frr: number;
  readonly missRate: number;
  readonly misclassificationRate: number;
  readonly faPerHour: number;
  /** Over hits; null when there are none. */
  readonly latencyMs: LatencyStats | null;
}

/** Sums the matches of every stream at one threshold into its report. */
export function summarizeThreshold(
  threshold: number,
  matches: readonly StreamMatch[],
  totalDurationSec: number,
  strideMs: number,
): ThresholdResult {
  if (!(totalDurationSec > 0))
    throw new StageInputError(`total stream duration must be positive, got ${totalDurationSec} s`);
  let hits = 0;
  let falseRejects = 0;
  let misclassifications = 0;
  let negativeEvents = 0;
  let onNegatives = 0;
  let inBackground = 0;
  const latencies: number[] = [];
  for (const m of matches) {
    for (const o of m.keyword) {
      if (o.type === 'hit') {
        hits++;
        latencies.push(o.latencyMs);
      } else if (o.type === 'misclassification') misclassifications++;
      else falseRejects++;
    }
    negativeEvents += m.negative.length;
    onNegatives += m.negative.filter((o) => o.type === 'false-accept').length;
    inBackground += m.background.length;
  }
  const keywordEvents = hits + falseRejects + misclassifications;
  const rate = (n: number) => (keywordEvents === 0 ? 0 : n / keywordEvents);
  const falseAccepts = onNegatives + inBackground;
  return {
    threshold,
    keywordEvents,
    negativeEvents,
    hits,
    falseRejects,
    misclassifications,
    falseAccepts,
    falseAcceptsOnNegatives: onNegatives,
    frr: rate(falseRejects + misclassifications),
    missRate: rate(falseRejects),
    misclassificationRate: rate(misclassifications),
    faPerHour: (falseAccepts * 3600) / totalDurationSec,
    latencyMs: latencyStats(latencies, strideMs),
  };
}
