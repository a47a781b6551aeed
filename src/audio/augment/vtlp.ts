import { matchPower, principalArg, processStft, STFT_HOP, STFT_SIZE } from './stft';

/**
 * Vocal tract length perturbation (N. Jaitly and G. E. Hinton, "Vocal Tract Length
 * Perturbation (VTLP) improves speech recognition", ICML WDLASL 2013): the frequency axis is
 * warped by a factor α ∈ [0.9, 1.1], as a shorter or longer vocal tract scales every
 * formant. A handful of TTS voices have a handful of tract lengths; warping gives each
 * render a new one. The warp is piecewise linear so the band edge stays put:
 *
 *   f' = α·f                                   for f ≤ F_hi·min(α, 1)/α
 *   f' = nyq − (nyq − F_hi·min(α, 1)) / (nyq − F_hi·min(α, 1)/α) · (nyq − f)   above,
 *
 * with F_hi = 4800 Hz at 16 kHz (Jaitly & Hinton use it for 8 kHz-wide filter banks).
 *
 * Jaitly & Hinton warp filter-bank features; we warp the waveform, so a model that sees
 * waveforms (or our MFCC stage) gets the same effect. In the STFT (stft.ts) output bin j
 * takes the magnitude found at the inverse-warped frequency (linear interpolation) and a
 * phase advanced per hop by the warped instantaneous frequency of that source bin (the
 * phase vocoder's frequency estimate), so a partial at f comes out as a clean partial at
 * f'. Harmonics move too (pitch scales with α, as for a real shorter talker); duration is
 * unchanged. The output keeps the input's mean power.
 */

export const VTLP_F_HI_HZ = 4800;

/** The warp f → f' (Hz) for factor α, at `sampleRate`. */
export function vtlpWarp(f: number, alpha: number, sampleRate: number, fHi = VTLP_F_HI_HZ): number {
  const nyq = sampleRate / 2;
  const knee = (fHi * Math.min(alpha, 1)) / alpha;
  if (f <= knee) return alpha * f;
  return nyq - ((nyq - fHi * Math.min(alpha, 1)) / (nyq - knee)) * (nyq - f);
}

/** Inverse of vtlpWarp (both pieces are linear and increasing). */
export function vtlpUnwarp(fOut: number, alpha: number, sampleRate: number, fHi = VTLP_F_HI_HZ): number {
  const nyq = sampleRate / 2;
  const knee = (fHi * Math.min(alpha, 1)) / alpha;
  const kneeOut = alpha * knee;
  if (fOut <= kneeOut) return fOut / alpha;
  return nyq - ((nyq - knee) / (nyq - kneeOut)) * (nyq - fOut);
}

/** x with its frequency axis warped by α (0.8–1.25 accepted; 1 returns a copy). */
export function applyVtlp(x: Float32Array, alpha: number, sampleRate: number): Float32Array {
  if (!(alpha >= 0.8 && alpha <= 1.25)) throw new RangeError(`VTLP factor must be in [0.8, 1.25], got ${alpha}`);
  if (alpha === 1) return Float32Array.from(x);
  const bins = STFT_SIZE / 2 + 1;
  const binHz = sampleRate / STFT_SIZE;
  // For each output bin: source position (fractional bin) and the warp's local slope.
  const src = new Float64Array(bins);
  for (let j = 0; j < bins; j++) src[j] = vtlpUnwarp(j * binHz, alpha, sampleRate) / binHz;
  const expected = (k: number): number => (2 * Math.PI * k * STFT_HOP) / STFT_SIZE;
  const prevPhase = new Float64Array(bins);
  const outPhase = new Float64Array(bins);
  const mag = new Float64Array(bins);
  const freq = new Float64Array(bins); // instantaneous frequency, Hz
  const y = processStft(x, (re, im, fresh) => {
    for (let k = 0; k < bins; k++) {
      const p = Math.atan2(im[k]!, re[k]!);
      mag[k] = Math.sqrt(re[k]! * re[k]! + im[k]! * im[k]!);
      const dev = fresh ? 0 : principalArg(p - prevPhase[k]! - expected(k));
      freq[k] = (k + (dev * STFT_SIZE) / (2 * Math.PI * STFT_HOP)) * binHz;
      prevPhase[k] = p;
    }
    for (let j = 0; j < bins; j++) {
      const s = src[j]!;
      const k0 = Math.min(Math.floor(s), bins - 2);
      const t = s - k0;
      const m = (1 - t) * mag[k0]! + t * mag[k0 + 1]!;
      const near = t < 0.5 ? k0 : k0 + 1;
      const fOut = vtlpWarp(Math.min(Math.max(freq[near]!, 0), sampleRate / 2), alpha, sampleRate);
      const ph = fresh ? prevPhase[near]! : outPhase[j]! + (2 * Math.PI * fOut * STFT_HOP) / sampleRate;
      outPhase[j] = principalArg(ph);
      re[j] = m * Math.cos(ph);
      im[j] = j === 0 || j === bins - 1 ? 0 : m * Math.sin(ph);
    }
  });
  return matchPower(y, x);
}
