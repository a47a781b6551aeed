import { RealFftQ30 } from './fft-q30';
import { bitLength, pow2, roundShift, shiftSigned } from './int-arith';
import { log2Q16 } from './log2-q16';
import { frameCount } from './mfcc';
import {
  COMPONENT_BITS,
  DCT_FRAC_BITS,
  OUTPUT_FRAC_BITS,
  prepareMfccQ15,
  WINDOW_FRAC_BITS,
  type MfccQ15Tables,
} from './mfcc-q15-tables';
import type { MfccParams } from './mfcc-config';

/**
 * Fixed-point MFCC: integer only in the per-frame path. This comment is the contract for
 * firmware/frontend/tops_mfcc_q15.c, which must reproduce the output bit for bit. All
 * values are integers; "x >> s" is an arithmetic shift (floor), "rnd(x, s)" is
 * (x + 2^(s−1)) >> s (round half up), "·2^s" is a multiply (never << on signed values).
 * Widths in brackets are what C needs; every value is < 2^53, so the JS numbers here are
 * exact and equal to the C result. Tables come from mfcc-q15-tables.ts.
 *
 * Input: int16 PCM x (Q15: x/32768 is the float sample). Per frame t (MicroNets §4 KWS:
 * 640 samples, stride 320, FFT 1024, 40 bands, 10 coefficients):
 *
 *  1. Block normalization. peak = max |x[n]| over the frame; nrm = max(0, 15 −
 *     bitLength(peak)) (0..15). Quiet frames are scaled up so FFT rounding stays far below
 *     the signal whatever the level.
 *  2. Window. v[n] = rnd(x[n]·w[n], s − nrm) [int64 product < 2^45, int32 result],
 *     w = Q30 periodic Hann, s = windowShift (25 for 640 samples; if s < nrm the shift is
 *     a multiply by 2^(nrm − s) instead). v = (x/2^15)·h·2^(45 + nrm − s) and Σ|v| ≤ 2^29
 *     by the choice of s.
 *  3. FFT. Y = RealFftQ30(v) (fft-q30.ts: Q30 twiddles, no stage scaling) [int32]:
 *     Y[k] = 2·DFT(v)[k] = 2^(46 + nrm − s) · X[k], X the float spectrum of the frame.
 *  4–5. Power and mel, normalized per band (so a band keeps ~30 significant bits even
 *     when it is 150 dB below the loudest bin of the frame, in or out of the mel range).
 *     For band m with bins k = start .. start + len − 1 and Q15 weights W[i]:
 *       cmax = max over its bins of |Re Y[k]|, |Im Y[k]|; q = max(0, bitLength(cmax) − 25);
 *       P[k] = rnd(Re Y[k], q)² + rnd(Im Y[k], q)²      [int64, < 2^51]
 *            = 2^G·|X[k]|² with G = 2·(46 + nrm − s − q);
 *       pmax = max P[k]; sh = max(0, bitLength(pmax) − bandBits);
 *       A[m] = Σ_i W[i] · rnd(P[start + i], sh)           [int64, < 2^52]
 *            = 2^(15 + G − sh) · E[m], E the float mel energy.
 *  6. Log. L[m] = A = 0 ? floor : max(floor, log2Q16(A) + (sh − 15 − G)·2^16) [int32, Q16
 *     log2 units], floor = log2FloorQ16 = round(2^16·log2(1e-10)) (log2-q16.ts).
 *  7. DCT. C[j] = Σ_m dctQ24[j][m] · L[m] [int64, < 2^51]; out[j] = sat16(rnd(C[j],
 *     24 + 16 − 5)). The table carries 10·log10(2), so out is the dB-domain MFCC of
 *     mfcc.ts in Q5: value = out/32, range ±1024, step 1/32.
 *
 * Accuracy vs the float64 reference (mfcc.ts) on the same int16 input: see
 * test/unit/dsp/mfcc-q15.test.ts (bound asserted there, measured numbers in its comments).
 */

/** A prepared fixed-point front end: tables plus scratch buffers (like a C context). */
export class MfccQ15 {
  readonly tables: MfccQ15Tables;
  private readonly fft: RealFftQ30;
  private readonly v: Int32Array;
  private readonly yRe: Int32Array;
  private readonly yIm: Int32Array;
  private readonly power: Float64Array;
  private readonly logMel: Int32Array;

  constructor(params: MfccParams) {
    this.tables = prepareMfccQ15(params);
    this.fft = new RealFftQ30(params.fftSize);
    const bins = params.fftSize / 2 + 1;
    this.v = new Int32Array(params.windowSamples);
    this.yRe = new Int32Array(bins);
    this.yIm = new Int32Array(bins);
    this.power = new Float64Array(bins);
    this.logMel = new Int32Array(params.melBands);
  }

  get params(): MfccParams {
    return this.tables.params;
  }

  /** Steps 1–6 for the frame starting at `offset`: Q16 log2 mel energies into `out`. */
  logMelFrame(x: Int16Array, offset: number, out: Int32Array): void {
    const t = this.tables;
    const win = t.params.windowSamples;
    const { v, yRe, yIm, power } = this;
    // Hot loop. The frame lies inside x (compute() counts frames so), and the mel tables come
    // from melFilterbank, whose bands span bins within 0..fftSize/2 and whose weights are laid
    // out by melOffset; so the reads below use a non-null `!` rather than a check.

    // 1. block normalization
    const nrm = blockNormShift(x, offset, win);

    // 2. window
    const shift = t.windowShift - nrm;
    for (let n = 0; n < win; n++) v[n] = shiftSigned(x[offset + n]! * t.windowQ30[n]!, shift);

    // 3. FFT
    this.fft.transform(v, yRe, yIm);

    // 4–6. per-band power, mel weighting and log
    // x is Q15, w is Q30 and the FFT returns 2·X: Y = 2^(15 + 30 + 1 + nrm − s)·X.
    const scale = 15 + WINDOW_FRAC_BITS + 1 + nrm - t.windowShift;
    for (let m = 0; m < out.length; m++) {
      const start = t.melStart[m]!;
      const end = start + t.melLength[m]!;
      const off = t.melOffset[m]! - start;
      let cmax = 0;
      for (let k = start; k < end; k++) {
        const a = Math.max(Math.abs(yRe[k]!), Math.abs(yIm[k]!));
        if (a > cmax) cmax = a;
      }
      const q = Math.max(0, bitLength(cmax) - COMPONENT_BITS);
      let pmax = 0;
      for (let k = start; k < end; k++) {
        const cr = roundShift(yRe[k]!, q);
        const ci = roundShift(yIm[k]!, q);
        power[k] = cr * cr + ci * ci;
        if (power[k]! > pmax) pmax = power[k]!;
      }
      const sh = Math.max(0, bitLength(pmax) - t.bandBits);
      let acc = 0;
      for (let k = start; k < end; k++) acc += t.melWeightsQ15[off + k]! * roundShift(power[k]!, sh);
      const g = 2 * (scale - q);
      const l = acc === 0 ? t.log2FloorQ16 : log2Q16(acc) + (sh - 15 - g) * 65536;
      out[m] = Math.max(l, t.log2FloorQ16);
    }
  }

  /** MFCCs of a whole int16 signal: row-major [frames][coefficients], Q5 int16. */
  compute(x: Int16Array): Int16Array {
    return mfccQ5Frames(x, this.tables, this.logMel, (off, out) => this.logMelFrame(x, off, out));
  }
}

/**
 * Step 1 of both fixed-point contracts (this one and mfcc-q31.ts): nrm = max(0, 15 −
 * bitLength(max |x[n]|)) over the frame's `win` samples from `offset` (inside x).
 */
export function blockNormShift(x: Int16Array, offset: number, win: number): number {
  let peak = 0;
  for (let n = 0; n < win; n++) {
    const a = Math.abs(x[offset + n]!);
    if (a > peak) peak = a;
  }
  return Math.max(0, 15 - bitLength(peak));
}

/**
 * Step 7 of both fixed-point contracts, frame by frame over a whole signal: `logMelFrame`
 * fills the Q16 log2 mel energies of the frame at a sample offset into `logMel`, the Q24 DCT
 * makes the Q5 int16 MFCCs, row-major [frames][coefficients].
 */
export function mfccQ5Frames(
  x: Int16Array,
  tables: Pick<MfccQ15Tables, 'params' | 'dctQ24'>,
  logMel: Int32Array,
  logMelFrame: (offset: number, out: Int32Array) => void,
): Int16Array {
  const { windowSamples, strideSamples, coefficients, melBands } = tables.params;
  const frames = frameCount(x.length, windowSamples, strideSamples);
  const out = new Int16Array(frames * coefficients);
  const dct = tables.dctQ24;
  const outShift = DCT_FRAC_BITS + 16 - OUTPUT_FRAC_BITS;
  for (let f = 0; f < frames; f++) {
    logMelFrame(f * strideSamples, logMel);
    for (let j = 0; j < coefficients; j++) {
      let acc = 0;
      for (let m = 0; m < melBands; m++) acc += dct[j * melBands + m]! * logMel[m]!;
      const r = roundShift(acc, outShift);
      out[f * coefficients + j] = r > 32767 ? 32767 : r < -32768 ? -32768 : r;
    }
  }
  return out;
}

/** Q5 int16 MFCCs → float values (out / 2^5). A loop: `Float32Array.from(q, map)` iterates slowly. */
export function mfccQ15ToFloat(q: Int16Array): Float32Array {
  const scale = pow2(OUTPUT_FRAC_BITS);
  const out = new Float32Array(q.length);
  for (let i = 0; i < q.length; i++) out[i] = q[i]! / scale;
  return out;
}

/** Q16 log2 energies → dB (for comparisons with mfcc.ts logMelFrame). */
export function log2Q16ToDb(l: number): number {
  return (l / 65536) * 10 * Math.log10(2);
}
