import { matchPower, processStft, STFT_SIZE } from './stft';

/**
 * Pitch-independent formant shift: the spectral envelope moves by a factor β while the
 * harmonics (the pitch) stay where they are — a different vocal tract on the same larynx,
 * which VTLP (vtlp.ts) cannot give because it scales both. Per STFT frame (stft.ts) the
 * log magnitude is split into an envelope (a moving average over ±ENVELOPE_HZ, wider than
 * the harmonic spacing of voices up to ~250 Hz pitch, so the harmonics are averaged out)
 * and a fine structure (log magnitude − envelope); the envelope is resampled at k/β and
 * the fine structure kept: |Y[k]| = |X[k]| · E(k/β) / E(k). Phases are kept. The output
 * keeps the input's mean power.
 */

export const ENVELOPE_HZ = 250;

export function applyFormantShift(x: Float32Array, beta: number, sampleRate: number): Float32Array {
  if (!(beta >= 0.8 && beta <= 1.25)) throw new RangeError(`formant shift factor must be in [0.8, 1.25], got ${beta}`);
  if (beta === 1) return Float32Array.from(x);
  const bins = STFT_SIZE / 2 + 1;
  const half = Math.max(1, Math.round(ENVELOPE_HZ / (sampleRate / STFT_SIZE)));
  const logMag = new Float64Array(bins);
  const prefix = new Float64Array(bins + 1);
  const env = new Float64Array(bins);
  const y = processStft(x, (re, im) => {
    for (let k = 0; k < bins; k++) logMag[k] = Math.log(Math.hypot(re[k]!, im[k]!) + 1e-12);
    for (let k = 0; k < bins; k++) prefix[k + 1] = prefix[k]! + logMag[k]!;
    for (let k = 0; k < bins; k++) {
      const lo = Math.max(0, k - half);
      const hi = Math.min(bins - 1, k + half);
      env[k] = (prefix[hi + 1]! - prefix[lo]!) / (hi - lo + 1);
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
