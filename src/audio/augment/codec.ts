import { resample } from '../resample';

/**
 * Codec artefacts of cheap and telephone channels (ITU-T G.711 companding, 8 kHz
 * narrow-band, coarse quantization). Speech that reached a device over a phone line, a
 * Bluetooth SCO link or an 8-bit ADC has granular noise that follows the signal's level
 * and a band cut at 4 kHz; a model trained on clean 16-bit renders has never heard either.
 */

export const MU = 255;
export const A = 87.6;

/** 8-bit companding levels: sign and 7 bits of magnitude. */
const LEVELS = 127;

function clamp1(v: number): number {
  return v > 1 ? 1 : v < -1 ? -1 : v;
}

/** μ-law compress (G.711's continuous law, μ = 255): [−1, 1] → [−1, 1]. */
export function muLawCompress(x: number): number {
  const v = clamp1(x);
  return (Math.sign(v) * Math.log1p(MU * Math.abs(v))) / Math.log1p(MU);
}

export function muLawExpand(y: number): number {
  return (Math.sign(y) * Math.expm1(Math.abs(y) * Math.log1p(MU))) / MU;
}

/** A-law compress (A = 87.6): linear below 1/A, logarithmic above. */
export function aLawCompress(x: number): number {
  const v = Math.abs(clamp1(x));
  const d = 1 + Math.log(A);
  const y = v < 1 / A ? (A * v) / d : (1 + Math.log(A * v)) / d;
  return Math.sign(x) * y;
}

export function aLawExpand(y: number): number {
  const v = Math.abs(y);
  const d = 1 + Math.log(A);
  const x = v < 1 / d ? (v * d) / A : Math.exp(v * d - 1) / A;
  return Math.sign(y) * x;
}

/** Round to one of 2·LEVELS + 1 uniform steps of [−1, 1] (the 8-bit code). */
function quantize8(y: number): number {
  return Math.round(y * LEVELS) / LEVELS;
}

/** Encode and decode every sample through 8-bit μ-law. */
export function muLawRoundTrip(x: Float32Array): Float32Array {
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = muLawExpand(quantize8(muLawCompress(x[i]!)));
  return out;
}

/** Encode and decode every sample through 8-bit A-law. */
export function aLawRoundTrip(x: Float32Array): Float32Array {
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = aLawExpand(quantize8(aLawCompress(x[i]!)));
  return out;
}

/**
 * Uniform quantization to `bits` bits (round to nearest of 2^(bits−1) steps per unit,
 * clamped): the granular noise of a low-resolution ADC, ≈ 6.02·bits + 1.76 dB below a
 * full-scale sine.
 */
export function quantizeBits(x: Float32Array, bits: number): Float32Array {
  if (!Number.isInteger(bits) || bits < 2 || bits > 24)
    throw new RangeError(`bits must be an integer in [2, 24], got ${bits}`);
  const q = Math.pow(2, bits - 1);
  return x.map((v) => Math.min(q - 1, Math.max(-q, Math.round(clamp1(v) * q))) / q);
}

/**
 * Resampling filter of the telephone path: 8 zero crossings (a 3.5 kHz-wide transition,
 * ≈ 4× cheaper than the dataset resampler's 32) — a phone line's own filters are no sharper.
 */
const TELEPHONE_FILTER = { zeroCrossings: 8, rolloff: 0.9 } as const;

/**
 * A narrow-band telephone call: down to 8 kHz (the resampler's anti-alias filter cuts at
 * 0.9 × 4 kHz), through 8-bit μ-law, and back up to `sampleRate`; same length as x.
 */
export function telephoneRoundTrip(x: Float32Array, sampleRate: number): Float32Array {
  const narrow = muLawRoundTrip(resample(x, sampleRate, 8000, TELEPHONE_FILTER));
  const back = resample(narrow, 8000, sampleRate, TELEPHONE_FILTER);
  const out = new Float32Array(x.length);
  out.set(back.subarray(0, Math.min(back.length, x.length)));
  return out;
}
