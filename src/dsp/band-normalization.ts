import { roundShift } from './int-arith';

/**
 * Per-band standardization of log-mel patches (features `normalize: band`): every band of
 * every frame becomes (x − mean_b) / sd_b, with mean and standard deviation of band b over
 * all frames of all training patches. Without it the classifier sees raw dB, where the
 * quiet high bands (in which most machine faults show: clicks, rattle, whine, hiss) vary
 * over a few dB while the loud low bands vary over tens, and it learns to tell the machine
 * IDs apart from the low bands alone (docs/anomaly-detection.md has the measurements).
 *
 * Integer form, so the board can do the same in its front end: with the log-mel codes q in
 * Q5 dB (src/dsp/logmel.ts) and the constants
 *   m_b = round(32 · mean_b)            (Q5 dB)
 *   k_b = round(2^15 / max(sd_b, 1/8))  (Q15 reciprocal of the band's sd in dB)
 * the output is z_b = sat16(roundShift((q − m_b) · k_b, 15)), the standardized value in Q5.
 * The float path uses the same constants: (x − m_b/32) · k_b / 2^15.
 */

export interface BandNormalization {
  /** Per band: round(32 · mean) (Q5 dB). */
  readonly meanQ5: readonly number[];
  /** Per band: round(2^15 / sd) (Q15 per dB). */
  readonly gainQ15: readonly number[];
}

/** The smallest sd the gain is computed for (a constant band would otherwise divide by 0). */
export const MIN_BAND_SD_DB = 1 / 8;

/** Band statistics of `values` = rows of [frames][bands] in dB. */
export function fitBandNormalization(values: Float32Array, bands: number): BandNormalization {
  const n = values.length / bands;
  const mean = new Float64Array(bands);
  const sq = new Float64Array(bands);
  for (let i = 0; i < values.length; i++) mean[i % bands]! += values[i]!;
  for (let b = 0; b < bands; b++) mean[b]! /= Math.max(1, n);
  for (let i = 0; i < values.length; i++) sq[i % bands]! += (values[i]! - mean[i % bands]!) ** 2;
  return {
    meanQ5: [...mean].map((m) => Math.round(32 * m)),
    gainQ15: [...sq].map((s) => Math.round(32768 / Math.max(MIN_BAND_SD_DB, Math.sqrt(s / Math.max(1, n))))),
  };
}

/** The integer transform on Q5 codes (values = codes / 32, as the fixed front end stores them). */
export function normalizeBandsFixed(values: Float32Array, bands: number, norm: BandNormalization): Float32Array {
  const out = new Float32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const b = i % bands;
    const q = Math.round(values[i]! * 32);
    const z = roundShift((q - norm.meanQ5[b]!) * norm.gainQ15[b]!, 15);
    out[i] = (z > 32767 ? 32767 : z < -32768 ? -32768 : z) / 32;
  }
  return out;
}

/** The float transform with the same constants. */
export function normalizeBandsFloat(values: Float32Array, bands: number, norm: BandNormalization): Float32Array {
  const out = new Float32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const b = i % bands;
    out[i] = (values[i]! - norm.meanQ5[b]! / 32) * (norm.gainQ15[b]! / 32768);
  }
  return out;
}
