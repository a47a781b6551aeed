import { StageInputError } from '../errors';
import { frameCount } from './smoothing';

/**
 * Turns smoothed per-frame posteriors into keyword detections at one threshold: the
 * decision the device makes, frame by frame (thesis §3.2.2 "Custom event metric": the
 * frame-by-frame vector becomes events by thresholding the model output; Fig. 3.3 sweeps
 * that threshold).
 *
 * Rule, per frame t, over the keyword classes only (`_silence_`/`_unknown_` never fire; they
 * act through the softmax, whose mass they take from the keywords):
 *  1. A keyword class is *armed* while its posterior is below the threshold θ; it starts
 *     armed (as if the stream were preceded by silence).
 *  2. During the refractory period after a detection nothing fires, and every class at or
 *     above θ is disarmed: its crossing belongs to the utterance that already fired.
 *  3. Otherwise the arg-max keyword k (ties → lowest class index) fires if it is armed and
 *     its posterior is ≥ θ. Firing disarms k and starts the refractory period.
 * θ is one number or one per keyword class (θ_k; docs/results/2026-12-04-per-keyword-thresholds.md):
 * each class arms and fires against its own θ_k, the arg-max is still over the posteriors.
 * So a class fires once per upward crossing of θ, only while it is the best keyword, and
 * two firings are at least the refractory period apart. A class that crossed while another
 * keyword was higher stays armed and fires when it becomes the arg-max (still above θ).
 */

export interface DetectorConfig {
  readonly numClasses: number;
  /** Indices of the classes that may fire. */
  readonly keywordClasses: readonly number[];
  /** θ: a posterior ≥ θ counts as above; or θ_k per entry of keywordClasses (same order). */
  readonly threshold: number | readonly number[];
  /** Frames t+1 … t+n−1 after a firing at t are suppressed (options.ts refractoryFrames). */
  readonly refractoryFrames: number;
}

export interface FrameDetection {
  readonly frame: number;
  readonly classIndex: number;
}

/**
 * @param smoothed  [frames × numClasses], row-major (smoothing.ts output).
 * @returns         detections in frame order.
 */
export function detectKeywords(smoothed: ArrayLike<number>, config: DetectorConfig): FrameDetection[] {
  const { numClasses, keywordClasses, threshold, refractoryFrames } = config;
  const frames = frameCount(smoothed.length, numClasses);
  for (const k of keywordClasses) {
    if (!Number.isInteger(k) || k < 0 || k >= numClasses) {
      throw new StageInputError(`keyword class index ${k} is outside 0…${numClasses - 1}`);
    }
  }
  const n = keywordClasses.length;
  const th = perKeywordThresholds(threshold, n);
  const armed = new Uint8Array(n).fill(1);
  const detections: FrameDetection[] = [];
  if (n === 0) return detections;
  let lastFire = -refractoryFrames; // no suppression before the first firing

  // Plain indexed loops without global lookups (Infinity is one; under jest's vm context
  // that costs 20×): this runs frames × keywords × thresholds times in a sweep.
  for (let t = 0; t < frames; t++) {
    const row = t * numClasses;
    const suppressed = t - lastFire < refractoryFrames;
    let best = 0;
    let bestScore = smoothed[row + keywordClasses[0]!]!;
    for (let i = 0; i < n; i++) {
      const k = keywordClasses[i]!;
      const score = smoothed[row + k]!;
      if (score < th[i]!) armed[i] = 1;
      else if (suppressed) armed[i] = 0;
      if (score > bestScore || (score === bestScore && k < keywordClasses[best]!)) {
        best = i;
        bestScore = score;
      }
    }
    if (suppressed || bestScore < th[best]! || armed[best] === 0) continue;
    detections.push({ frame: t, classIndex: keywordClasses[best]! });
    armed[best] = 0;
    lastFire = t;
  }
  return detections;
}

/** θ per keyword index: one θ repeated, or the list checked against the keyword count. */
function perKeywordThresholds(threshold: number | readonly number[], n: number): Float64Array {
  if (typeof threshold === 'number') return new Float64Array(n).fill(threshold);
  if (threshold.length !== n)
    throw new StageInputError(`${threshold.length} per-keyword thresholds for ${n} keyword classes`);
  return Float64Array.from(threshold);
}
