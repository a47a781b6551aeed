import { matchPower, processStft, STFT_SIZE } from './stft';

/**
 * Pitch-independent formant shift: the spectral envelope moves by a factor β while the
 * harmonics (the pitch) stay where they are — a different vocal tract on the same larynx,
 * which VTLP (vtlp.ts) cannot give because it scales both. Per STFT frame (stft.ts) the
 * magnitude is split into an envelope E (the log of the power averaged over ±ENVELOPE_HZ:
 * the 300 Hz window holds at least one harmonic of voices up to 300 Hz pitch, and any
 * wider would blur the formants so that part of each peak stays behind in the fine
 * structure; power, not log magnitude, is averaged so that the near-zero bins between
 * harmonics do not dominate) and a fine structure (the rest); the envelope is resampled at
 * k/β and the fine structure kept: |Y[k]| = |X[k]| · E(k/β) / E(k). Phases are kept. The output
 * keeps the input's mean power.
 */

export const ENVELOPE_HZ = 150;

export function applyFormantShift(x: Float32Array, beta: number, sampleRate: number): Float32Array {
  if (!(beta >= 0.8 && beta <= 1.25)) throw new RangeError(`formant shift factor must be in [0.8, 1.25], got ${beta}`);
  if (beta === 1) return Float32Array.from(x);
  const bins = STFT_SIZE / 2 + 1;
  const half = Math.max(1, Math.round(ENVELOPE_HZ / (sampleRate / STFT_SIZE)));
  const power = new Float64Array(bins);
  const prefix = new Float64Array(bins + 1);
  const env = new Float64Array(bins);
  const y = processStft(x, (re, im) => {
    for (let k = 0; k < bins; k++) power[k] = re[k]! * re[k]! + im[k]! * im[k]!;
    for (let k = 0; k < bins; k++) prefix[k + 1] = prefix[k]! + power[k]!;
    for (let k = 0; k < bins; k++) {
      const lo = Math.max(0, k - half);
      const hi = Math.min(bins - 1, k + half);
      env[k] = 0.5 * Math.log((prefix[hi + 1]! - prefix[lo]!) / (hi - lo + 1) + 1e-30);
    }
    for (let k = 0; k < bins; k++) {
      const s = Math.min(k / beta, bins - 1);
      const k0 = Math.min(Math.floor(s), bins - 2);
      const t = s - k0;
      const shifted = (1 - t) * env[k0]! + t * env[k0 + 1]!;
      const g = Math.exp(shifted - env[k]!);
      re[k] = re[k]! * g;
      im[k] = im[k]! * g;
    }
  });
  return matchPower(y, x);
}
