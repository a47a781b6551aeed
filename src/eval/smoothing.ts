import { StageInputError } from '../errors';

/**
 * Posterior smoothing before thresholding (docs/methods.md#event-based-evaluation: "smooth posteriors, sweep the
 * threshold"). Frame-by-frame outputs are noisy: one frame's flicker would otherwise be a
 * detection (thesis §3.2.2, Fig. 3.1 shows such ambiguous frame outputs inside one event).
 *
 * The average is causal: the smoothed value at frame t uses frames t−W+1 … t only, because
 * the device decides at frame t with what it has heard so far. At the start of a stream,
 * where fewer than W frames exist, it averages the frames that exist (a device that counts
 * its buffered frames); padding with zeros instead would hide a keyword said right away.
 *
 * Sums are recomputed per frame (O(frames × classes × W), W ≤ 250 by the options schema)
 * rather than kept as a running sum, so no rounding error drifts along a long stream and a
 * value's smoothed result depends only on its own window.
 *
 * @param posteriors  [frames × classes], row-major.
 * @param numClasses  classes per frame.
 * @param windowFrames  W ≥ 1; 1 returns a copy.
 * @returns           [frames × classes], row-major, float64.
 */
export function smoothPosteriors(
  posteriors: ArrayLike<number>,
  numClasses: number,
  windowFrames: number,
): Float64Array {
  const frames = frameCount(posteriors.length, numClasses);
  if (!Number.isInteger(windowFrames) || windowFrames < 1) {
    throw new StageInputError(`smoothing window must be a positive whole number of frames, got ${windowFrames}`);
  }
  const out = new Float64Array(posteriors.length);
  for (let t = 0; t < frames; t++) {
    const first = Math.max(0, t - windowFrames + 1);
    const n = t - first + 1;
    for (let c = 0; c < numClasses; c++) {
      let sum = 0;
      for (let f = first; f <= t; f++) sum += posteriors[f * numClasses + c]!;
      out[t * numClasses + c] = sum / n;
    }
  }
  return out;
}

/** Number of frames in a [frames × classes] buffer; throws if the length does not divide. */
export function frameCount(length: number, numClasses: number): number {
  if (!Number.isInteger(numClasses) || numClasses < 1) {
    throw new StageInputError(`number of classes must be a positive integer, got ${numClasses}`);
  }
  if (length % numClasses !== 0) {
    throw new StageInputError(
      `posteriors hold ${length} values, not a whole number of frames of ${numClasses} classes`,
    );
  }
  return length / numClasses;
}
