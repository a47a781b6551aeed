import { INT8_POSTERIOR_MAX } from './device-threshold';
import type { StreamPosteriors } from './threshold-sweep';

/**
 * The stream sweep as the board sees it (docs/results/2026-12-04-default-pipeline-time.md has
 * the measurements behind this rule). The board's detector (firmware/stream/tops_stream.c, its
 * host twin src/deploy/stream-detector.ts) averages the int8 softmax codes p = q + 128 ∈ 0…255
 * (scale 1/256) and fires when 256 S ≥ θ₁₆ n, θ₁₆ = round(θ · 2¹⁶). So:
 *  - a posterior exists only on the 1/256 grid and never above 255/256: the float model's
 *    0.9995 and 0.995 are both the code 255 there, which a float sweep tells apart;
 *  - a threshold above 255/256 (the float sweep chose 0.998 in the default run) never fires;
 *  - the comparison is against θ₁₆ / 2¹⁶, not θ.
 *
 * Running the integer model itself over every 20 ms window of the 90 stream minutes costs
 * ≈ 8 ms of CPU per window with the host build of the generated C (src/nn/host-int-model.ts),
 * ≈ 36 CPU minutes per evaluation: too much for the default run's budget (issue #10). The
 * float model's posteriors put on the int8 output grid are the next best thing: the softmax
 * output quantization (TFLite int8 scheme: q = round(p · 256) − 128, clamped to −128…127) is
 * applied exactly, and with the snapped thresholds the host detector then decides exactly as
 * the board's integer detector does on the same codes (test/unit/eval/device-posteriors.test.ts).
 * What remains between this and the board is the int8 network's own rounding of the logits,
 * measured in the results page above.
 */

/** The int8 softmax output code's posterior for a float posterior: round(p·256)/256, at most 255/256. */
export function int8GridPosterior(p: number): number {
  const code = Math.min(255, Math.max(0, Math.round(p * 256)));
  return code / 256;
}

/** Every posterior of a stream put on the int8 output grid (a new array). */
export function onInt8Grid(posteriors: Float32Array): Float32Array {
  const out = new Float32Array(posteriors.length);
  for (let i = 0; i < posteriors.length; i++) out[i] = int8GridPosterior(posteriors[i]!);
  return out;
}

/** Streams with their posteriors on the int8 output grid. */
export function streamsOnInt8Grid(streams: readonly StreamPosteriors[]): StreamPosteriors[] {
  return streams.map((s) => ({ ...s, posteriors: onInt8Grid(s.posteriors) }));
}

/** The threshold the board compares against: round(θ · 2¹⁶) / 2¹⁶ (src/deploy/stream-detector.ts). */
export function deviceThreshold(threshold: number): number {
  return Math.round(threshold * 65536) / 65536;
}

export interface DeviceThresholds {
  /** Reachable thresholds as the board compares them (snapped, strictly increasing). */
  readonly thresholds: number[];
  /** Configured thresholds above 255/256, which the board's detector never reaches. */
  readonly unreachable: number[];
}

/**
 * The sweep's thresholds the board can use: snapped to its 2⁻¹⁶ grid, those above 255/256
 * left out (they would score FRR 100% at 0 FA/h and could be chosen as the "lowest FA/h"
 * fallback, an operating point that never fires), duplicates after snapping merged.
 */
export function deviceThresholds(configured: readonly number[]): DeviceThresholds {
  const thresholds: number[] = [];
  const unreachable: number[] = [];
  for (const t of configured) {
    const snapped = deviceThreshold(t);
    if (snapped > INT8_POSTERIOR_MAX) unreachable.push(t);
    else if (thresholds[thresholds.length - 1] !== snapped) thresholds.push(snapped);
  }
  return { thresholds, unreachable };
}
