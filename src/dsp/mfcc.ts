import { RealFft } from './fft';
import { melFilterbank, type MelFilterbank } from './mel';
import type { MfccParams } from './mfcc-config';

/**
 * Float MFCC (float64): the reference the integer front end (mfcc-q15.ts) is measured
 * against, and the one that must agree with librosa (test/unit/dsp/mfcc.test.ts).
 *
 * Per frame (MicroNets §4 set-up: 640-sample window, 320 stride, 40 bands, 10 coefficients):
 *  1. frame t = samples[t·stride .. t·stride + window), no padding at either end, so a
 *     1 s clip at 16 kHz gives 1 + floor((16000 − 640)/320) = 49 frames;
 *  2. multiply by a periodic Hann window, h[n] = 0.5 − 0.5·cos(2πn/window) (scipy/librosa
 *     'hann', TF's default);
 *  3. zero-pad to fftSize and take |X[k]|², k = 0..fftSize/2 (the pad position does not
 *     change |X|, so this equals librosa's centred window inside an fftSize frame);
 *  4. mel energies E[m] = Σ_k w[m][k]·|X[k]|² (HTK scale, unit-peak triangles, mel.ts);
 *  5. log: 10·log10(max(E[m], 1e-10)) — librosa.power_to_db(ref=1, amin=1e-10,
 *     top_db=None). No top_db clipping: it depends on the whole clip's maximum, which a
 *     streaming device does not have;
 *  6. orthonormal DCT-II over the bands, keep the first `coefficients` (no liftering).
 * Input samples are floats in [−1, 1] (int16 / 32768 for PCM16 audio).
 */

/** Mel energies below this are clamped before the log (librosa's amin). */
export const POWER_FLOOR = 1e-10;

/** Periodic Hann window of length n: 0.5 − 0.5·cos(2πi/n). */
export function hannWindow(n: number): Float64Array {
  const w = new Float64Array(n);
  for (let i = 0; i < n; i++) w[i] = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / n);
  return w;
}

/**
 * Orthonormal DCT-II matrix, row-major [coefficients][bands]:
 * D[j][m] = s_j·cos(π·j·(2m + 1) / (2·bands)), s_0 = √(1/bands), s_j = √(2/bands).
 * (scipy.fft.dct(type=2, norm='ortho'), as librosa.feature.mfcc uses.)
 */
export function dctOrthoMatrix(coefficients: number, bands: number): Float64Array {
  const d = new Float64Array(coefficients * bands);
  for (let j = 0; j < coefficients; j++) {
    const s = Math.sqrt((j === 0 ? 1 : 2) / bands);
    for (let m = 0; m < bands; m++) d[j * bands + m] = s * Math.cos((Math.PI * j * (2 * m + 1)) / (2 * bands));
  }
  return d;
}

/** Number of frames for a signal of n samples (0 if shorter than one window). */
export function frameCount(n: number, windowSamples: number, strideSamples: number): number {
  return n < windowSamples ? 0 : 1 + Math.floor((n - windowSamples) / strideSamples);
}

/** Precomputed tables and scratch for computeMfcc. */
export interface MfccPlan {
  readonly params: MfccParams;
  readonly window: Float64Array;
  readonly filterbank: MelFilterbank;
  readonly dct: Float64Array;
  readonly fft: RealFft;
  readonly scratch: { frame: Float64Array; re: Float64Array; im: Float64Array; logMel: Float64Array };
}

export function prepareMfcc(params: MfccParams): MfccPlan {
  const bins = params.fftSize / 2 + 1;
  return {
    params,
    window: hannWindow(params.windowSamples),
    filterbank: melFilterbank({
      sampleRate: params.sampleRate,
      fftSize: params.fftSize,
      bands: params.melBands,
      lowHz: params.lowHz,
      highHz: params.highHz,
    }),
    dct: dctOrthoMatrix(params.coefficients, params.melBands),
    fft: new RealFft(params.fftSize),
    scratch: {
      frame: new Float64Array(params.windowSamples),
      re: new Float64Array(bins),
      im: new Float64Array(bins),
      logMel: new Float64Array(params.melBands),
    },
  };
}

/**
 * Log-mel energies (dB) of one frame starting at `offset` into `logMel` (length melBands).
 * Exposed so tests can compare the stages before the DCT.
 */
export function logMelFrame(plan: MfccPlan, samples: ArrayLike<number>, offset: number, logMel: Float64Array): void {
  const { params, window, filterbank: fb, fft } = plan;
  const { frame, re, im } = plan.scratch;
  // Hot loop: the frame lies inside `samples` (computeMfcc counts frames so) and the
  // filterbank's bands span bins within 0..fftSize/2, so reads use a non-null `!`.
  for (let n = 0; n < params.windowSamples; n++) frame[n] = samples[offset + n]! * window[n]!;
  fft.transform(frame, re, im);
  for (let k = 0; k < re.length; k++) re[k] = re[k]! * re[k]! + im[k]! * im[k]!; // power, in place
  for (let m = 0; m < fb.bands; m++) {
    let e = 0;
    const o = fb.offset[m]!;
    const s = fb.start[m]!;
    for (let i = 0; i < fb.length[m]!; i++) e += fb.weights[o + i]! * re[s + i]!;
    logMel[m] = 10 * Math.log10(Math.max(e, POWER_FLOOR));
  }
}

/**
 * MFCCs of a whole signal: row-major [frames][coefficients] (frames = frameCount(length)).
 */
export function computeMfcc(plan: MfccPlan, samples: ArrayLike<number>): Float64Array {
  const { windowSamples, strideSamples, coefficients, melBands } = plan.params;
  const frames = frameCount(samples.length, windowSamples, strideSamples);
  const out = new Float64Array(frames * coefficients);
  const logMel = plan.scratch.logMel;
  for (let t = 0; t < frames; t++) {
    logMelFrame(plan, samples, t * strideSamples, logMel);
    for (let j = 0; j < coefficients; j++) {
      let acc = 0;
      for (let m = 0; m < melBands; m++) acc += plan.dct[j * melBands + m]! * logMel[m]!;
      out[t * coefficients + j] = acc;
    }
  }
  return out;
}
