import { resample } from '../audio/resample';

/**
 * Speed perturbation by resampling (Ko et al.'s "audio augmentation for speech
 * recognition", the sox `speed` effect Kaldi uses): reading the samples as if recorded at
 * `factor × rate` and resampling to `rate` plays them `factor` times faster, so tempo and
 * pitch change together (1.1 → 10% shorter, ≈ 1.65 semitones higher) — a cheap way to make
 * new "speakers" from a few recordings. The factor is snapped to 1/100 so the polyphase
 * ratio stays small (16000 · 1.07 = 17120 → 100/107) and its filter is cached.
 */

/** A factor drawn in [lo, hi], snapped to 0.01. */
export function snapSpeed(u: number): number {
  return Math.round(u * 100) / 100;
}

/** `x` played `factor` times faster at `sampleRate` (a new array; a copy for factor 1). */
export function changeSpeed(x: Float32Array, sampleRate: number, factor: number): Float32Array {
  const from = Math.round(sampleRate * factor);
  return resample(x, from, sampleRate);
}

/** Where sample `i` of the original lands after changeSpeed (for event onsets). */
export function speedPosition(i: number, sampleRate: number, factor: number): number {
  return Math.round((i * sampleRate) / Math.round(sampleRate * factor));
}
