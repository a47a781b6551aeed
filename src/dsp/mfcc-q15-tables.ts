import { INPUT_L1_LIMIT, makeRealFftQ30Tables, toQ30, type RealFftQ30Tables } from './fft-q30';
import { melFilterbank } from './mel';
import { dctOrthoMatrix, hannWindow, POWER_FLOOR } from './mfcc';
import type { MfccParams } from './mfcc-config';

/**
 * Tables of the fixed-point MFCC (the "prepare" half; mfcc-q15.ts is the per-frame
 * integer "eval" half and documents how each table is used). Tables are generated once
 * with float math and then frozen: the C port embeds exactly these integers (a later
 * codegen step emits them as const arrays), so the two implementations share them
 * instead of recomputing them.
 */

/** Fractional bits of the int16 MFCC output: value = out / 32 (range ±1024, step 1/32). */
export const OUTPUT_FRAC_BITS = 5;
/** Per mel band, FFT components are shifted below 2^COMPONENT_BITS before squaring (power < 2^51). */
export const COMPONENT_BITS = 25;
/** Fractional bits of the window table. */
export const WINDOW_FRAC_BITS = 30;
/** Fractional bits of the DCT table (which also carries the 10·log10(2) dB factor). */
export const DCT_FRAC_BITS = 24;

export interface MfccQ15Tables {
  readonly params: MfccParams;
  /**
   * Periodic Hann, Q30: round(2^30·(0.5 − 0.5·cos(2πn/window))). Q30 rather than Q15: a
   * Q15 window's rounding alone put an error floor ~105 dB under the loudest band.
   */
  readonly windowQ30: Int32Array;
  /**
   * Right shift s of x·w (less the frame's normalization shift), the smallest s with
   * 2^15·Σw/2^s + window ≤ INPUT_L1_LIMIT, so the FFT cannot overflow for any int16 input.
   * 25 for the 640-sample Hann window.
   */
  readonly windowShift: number;
  readonly fft: RealFftQ30Tables;
  /** Sparse mel filterbank: band m covers bins melStart[m] .. + melLength[m] − 1. */
  readonly melStart: Uint16Array;
  readonly melLength: Uint16Array;
  readonly melOffset: Uint32Array;
  /** Q15 triangle weights: min(32767, round(2^15·w)) (unit peak). */
  readonly melWeightsQ15: Int16Array;
  /**
   * Per-band power normalization target: band powers are shifted below 2^bandBits so the
   * weighted sum stays < 2^52: bandBits = min(30, 37 − ceil(log2(max melLength))).
   */
  readonly bandBits: number;
  /** round(2^16·log2(1e-10)): the log floor in Q16 log2 units (librosa amin = 1e-10). */
  readonly log2FloorQ16: number;
  /**
   * Row-major [coefficients][melBands], Q24: round(2^24 · 10·log10(2) · D[j][m]) with D
   * the orthonormal DCT-II. Applied to Q16 log2 energies it yields dB-domain MFCCs.
   */
  readonly dctQ24: Int32Array;
}

function smallestWindowShift(window: Int32Array): number {
  let sum = 0;
  for (const w of window) sum += Math.abs(w);
  for (let s = 0; s <= 45; s++) {
    if ((32768 * sum) / 2 ** s + window.length <= INPUT_L1_LIMIT) return s;
  }
  throw new RangeError('window too long for the integer FFT bound');
}

export function prepareMfccQ15(params: MfccParams): MfccQ15Tables {
  const windowQ30 = Int32Array.from(hannWindow(params.windowSamples), toQ30);
  const fb = melFilterbank({
    sampleRate: params.sampleRate,
    fftSize: params.fftSize,
    bands: params.melBands,
    lowHz: params.lowHz,
    highHz: params.highHz,
  });
  if (params.fftSize > 65536) throw new RangeError(`fftSize ${params.fftSize} too large for the fixed-point front end`);
  const melWeightsQ15 = Int16Array.from(fb.weights, (w) => Math.min(32767, Math.round(w * 32768)));
  let maxLen = 1;
  for (let m = 0; m < fb.bands; m++) {
    maxLen = Math.max(maxLen, fb.length[m]!);
    if (!melWeightsQ15.subarray(fb.offset[m], fb.offset[m]! + fb.length[m]!).some((w) => w > 0)) {
      throw new RangeError(`mel band ${m} has no weight ≥ 2^-16 in Q15: use fewer bands or a larger fftSize`);
    }
  }
  const bandBits = Math.min(30, 37 - Math.ceil(Math.log2(maxLen)));

  const dbPerLog2 = 10 * Math.log10(2);
  const dct = dctOrthoMatrix(params.coefficients, params.melBands);
  const dctQ24 = Int32Array.from(dct, (d) => Math.round(d * dbPerLog2 * 2 ** DCT_FRAC_BITS));
  // |log2 energy| < 2^5 (floor −33.2, max ≈ +22), so |L| < 2^21 in Q16; each DCT sum must
  // stay exact in int64 and in JS numbers: Σ|D|·2^22 < 2^53.
  for (let j = 0; j < params.coefficients; j++) {
    let s = 0;
    for (let m = 0; m < params.melBands; m++) s += Math.abs(dctQ24[j * params.melBands + m]!);
    if (s * 2 ** 22 >= 2 ** 53) throw new RangeError('DCT table too large for exact accumulation');
  }

  return {
    params,
    windowQ30,
    windowShift: smallestWindowShift(windowQ30),
    fft: makeRealFftQ30Tables(params.fftSize),
    melStart: Uint16Array.from(fb.start),
    melLength: Uint16Array.from(fb.length),
    melOffset: Uint32Array.from(fb.offset),
    melWeightsQ15,
    bandBits,
    log2FloorQ16: Math.round(65536 * Math.log2(POWER_FLOOR)),
    dctQ24,
  };
}
