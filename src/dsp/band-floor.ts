import { z } from 'zod';

/**
 * Per-window noise-floor removal on log-mel energies (features `bandFloor:`), applied to the
 * frames of one classifier window (a 1 s clip, or the detector's last 49 frames of a stream)
 * before the DCT. Stateless per window, so a clip and the same second of a stream give the
 * same features (a recursive estimator such as PCEN's would not: its state at a clip's start
 * differs from its state mid-stream).
 *
 * The floor of band b is a minimum-statistics estimate (Martin 2001): the smallest value of
 * the band's moving average over `smoothFrames` frames, in log units. Two ways to use it:
 *  - `snr`: L' = max(0, L − F − margin): the band's level above its own floor (a-posteriori
 *    SNR), invariant to the input gain and to a stationary noise's spectrum.
 *  - `subtract`: power spectral subtraction, E' = max(E − k·N, g·E) with N = 2^F, i.e.
 *    L' = L + log2(max(1 − k·2^(F − L), g)); keeps the level, removes a stationary floor.
 */
export const bandFloorSchema = z.strictObject({
  mode: z.enum(['snr', 'subtract']).describe('snr = level above the floor; subtract = spectral subtraction.'),
  smoothFrames: z.number().int().min(1).max(15).default(3).describe('Frames of the moving average whose minimum is the floor.'),
  marginDb: z.number().min(0).max(20).default(0).describe('snr: dB above the floor that still count as floor.'),
  overSubtract: z.number().min(0).max(4).default(1).describe('subtract: k, the multiple of the floor removed.'),
  gainFloorDb: z.number().min(-40).max(0).default(-20).describe('subtract: g, the least a band keeps of its power (dB).'),
});
export type BandFloorConfig = z.output<typeof bandFloorSchema>;

/**
 * Floor-remove `frames` rows of `bands` log values in place; `unitsPerLog2` is the scale of
 * the values (65536 for the integer front end's Q16 log2, 10·log10(2) for dB).
 */
export function applyBandFloor(
  values: Float64Array | Int32Array,
  frames: number,
  bands: number,
  cfg: BandFloorConfig,
  unitsPerLog2: number,
): void {
  const half = Math.floor(cfg.smoothFrames / 2);
  const dbPerLog2 = 10 * Math.log10(2);
  const integer = values instanceof Int32Array;
  const round = (v: number): number => (integer ? Math.round(v) : v);
  for (let b = 0; b < bands; b++) {
    let floor = Infinity;
    for (let t = 0; t < frames; t++) {
      const lo = Math.max(0, t - half);
      const hi = Math.min(frames - 1, t - half + cfg.smoothFrames - 1);
      let s = 0;
      for (let u = lo; u <= hi; u++) s += values[u * bands + b]!;
      floor = Math.min(floor, s / (hi - lo + 1));
    }
    if (cfg.mode === 'snr') {
      const f = floor + (cfg.marginDb / dbPerLog2) * unitsPerLog2;
      for (let t = 0; t < frames; t++) {
        const i = t * bands + b;
        values[i] = round(Math.max(0, values[i]! - f));
      }
    } else {
      const g = 10 ** (cfg.gainFloorDb / 10);
      for (let t = 0; t < frames; t++) {
        const i = t * bands + b;
        const rel = 2 ** ((floor - values[i]!) / unitsPerLog2);
        values[i] = round(values[i]! + Math.log2(Math.max(1 - cfg.overSubtract * rel, g)) * unitsPerLog2);
      }
    }
  }
}
