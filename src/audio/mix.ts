/**
 * Levels and mixing (thesis §3, Algorithm 1: `match_target_amplitude` of the background to
 * a target dBFS, then `overlay` of positives/negatives). Levels are RMS dBFS as in pydub,
 * which the thesis' AudioSample uses: 20·log10(rms), full scale = 1.0, so a full-scale
 * square wave is 0 dBFS and a full-scale sine −3.01 dBFS. Sums are float64.
 */

/** Mean power (mean of squares) of x[start, end). 0 for an empty range. */
export function meanPower(x: Float32Array, start = 0, end = x.length): number {
  if (end <= start) return 0;
  let s = 0;
  for (let i = start; i < end; i++) s += x[i]! * x[i]!;
  return s / (end - start);
}

/** RMS level in dBFS; −Infinity for digital silence. */
export function dbfs(x: Float32Array, start = 0, end = x.length): number {
  return 10 * Math.log10(meanPower(x, start, end));
}

export function dbToGain(db: number): number {
  return Math.pow(10, db / 20);
}

/** A new array: x · gain. */
export function scaled(x: Float32Array, gain: number): Float32Array {
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = x[i]! * gain;
  return out;
}

/** Gain that brings a signal of mean power `power` to `targetDbfs` (1 for silence). */
export function gainForDbfs(power: number, targetDbfs: number): number {
  return power > 0 ? dbToGain(targetDbfs) / Math.sqrt(power) : 1;
}

/** A new array at `targetDbfs` RMS (pydub's match_target_amplitude). Silence stays silent. */
export function gainToDbfs(x: Float32Array, targetDbfs: number): Float32Array {
  return scaled(x, gainForDbfs(meanPower(x), targetDbfs));
}

export interface SnrMix {
  readonly mix: Float32Array;
  /** Gain that was applied to the noise. */
  readonly noiseGain: number;
}

/**
 * signal + g·noise with g chosen so that 10·log10(Ps / (g²·Pn)) = snrDb, Pn measured over
 * the first signal.length samples of `noise` (which must be at least that long).
 * `signalPower` overrides Ps: the dataset passes the power of the active speech only, so
 * the SNR describes the word, not the word diluted by the silence around it.
 */
export function mixAtSnr(signal: Float32Array, noise: Float32Array, snrDb: number, signalPower?: number): SnrMix {
  const n = signal.length;
  if (noise.length < n) throw new RangeError(`mixAtSnr: noise has ${noise.length} samples, signal ${n}`);
  const ps = signalPower ?? meanPower(signal);
  const pn = meanPower(noise, 0, n);
  const noiseGain = pn > 0 ? Math.sqrt(ps / (pn * Math.pow(10, snrDb / 10))) : 0;
  const mix = new Float32Array(n);
  for (let i = 0; i < n; i++) mix[i] = signal[i]! + noiseGain * noise[i]!;
  return { mix, noiseGain };
}

/** Add `src` · gain into `dst` starting at `offset` (parts outside dst are dropped). In place. */
export function overlay(dst: Float32Array, src: Float32Array, offset: number, gain = 1): void {
  const start = Math.max(0, -offset);
  const end = Math.min(src.length, dst.length - offset);
  for (let i = start; i < end; i++) dst[offset + i] = dst[offset + i]! + src[i]! * gain;
}

/**
 * A copy of x moved by `shift` samples (positive = later), zero-filled, same length:
 * the random time shift of KWS training augmentation.
 */
export function timeShift(x: Float32Array, shift: number): Float32Array {
  const out = new Float32Array(x.length);
  overlay(out, x, Math.trunc(shift));
  return out;
}

export function peak(x: Float32Array): number {
  let p = 0;
  for (let i = 0; i < x.length; i++) {
    const a = Math.abs(x[i]!);
    if (a > p) p = a;
  }
  return p;
}

/**
 * Peak safety: if the peak exceeds `ceiling`, scale the whole signal down (in place) so it
 * does not clip when written as int16. Scaling, not clipping, keeps the SNR and the
 * spectrum. Returns the gain applied (1 when nothing was done).
 */
export function applyPeakSafety(x: Float32Array, ceiling = 0.98): number {
  const p = peak(x);
  if (p <= ceiling) return 1;
  const g = ceiling / p;
  for (let i = 0; i < x.length; i++) x[i] = x[i]! * g;
  return g;
}
