import { makeRealFftQ31Tables, Q31_INPUT_LIMIT, RealFftQ31, toQ31, type RealFftQ31Tables } from './fft-q31';
import { mulHi32 } from './int-arith';
import { log2Q16 } from './log2-q16';
import { hannWindow } from './mfcc';
import { blockNormShift, mfccQ5Frames } from './mfcc-q15';
import { prepareMfccQ15, type MfccQ15Tables } from './mfcc-q15-tables';
import type { MfccParams } from './mfcc-config';

/**
 * The `q31-fast` fixed-point MFCC (features `contract: q31-fast`): the same steps as the
 * default contract (mfcc-q15.ts) with cheaper arithmetic, so the board's front end costs less
 * than 60 k instructions per 20 ms hop (firmware/README.md, "Streaming"). This comment is the
 * contract for firmware/frontend/tops_mfcc_q31_impl.h, which reproduces it bit for bit;
 * notation as in fft-q31.ts (x >> s = floor, hi(a, w) = floor(a·w / 2^32)).
 *
 *  1. Block normalization, as the default: peak = max |x[n]|, nrm = max(0, 15 − bitLength(peak)).
 *  2. Window: v[n] = hi(x[n]·2^(15 + nrm), w31[n]) (one SMMUL), w31 = toQ31(Hann) (Q31,
 *     clamped to 2^31 − 1); |x·2^nrm| ≤ 2^15, so |v| ≤ 2^29 (fft-q31.ts input bound) and
 *     v = x_float·h·2^(29 + nrm) up to the floor.
 *  3. FFT: Y = RealFftQ31(v) = 2^(29 + nrm − fftShift)·X, X the float spectrum.
 *  4–5. Power and mel per band with 32-bit words. For band m (bins start .. start + len − 1,
 *     Q15 weights W[i]):
 *       c = OR over its bins of (re ^ (re >> 31)) | (im ^ (im >> 31))   (|·| without the +1)
 *       q = max(0, bitLength(c) − componentBits);   P[k] = (re >> q)² + (im >> q)²   (< 2^29)
 *       A[m] = Σ_i floor(P[start + i]·W[i] / 2^16)   (SMLAWB; < 2^31 by componentBits)
 *     so A = 2^(2G − 1)·E, G = 29 + nrm − fftShift − q, E the float mel energy.
 *     componentBits = min(14, floor((31 − ceil(log2 maxLen)) / 2)) (12 for the KWS bands):
 *     the band's loudest bin keeps 12–13 significant bits per component, so its power is
 *     exact to ~2^-11 (0.005 dB), and one shift per band replaces the default's 64-bit powers
 *     and second normalization pass.
 *  6. Log: L[m] = A = 0 ? floor : max(floor, log2Q16(A) + (1 − 2G)·2^16), floor = log2FloorQ16.
 *  7. DCT: exactly the default's (Q24 table, int64 sum, out = sat16(rnd(C, 35))), Q5 output.
 *
 * Why this is accurate enough although the FFT drops bits: the frame is normalized first
 * (step 1), so the loudest bins sit near 2^28 and the flooring noise of the FFT (a few LSB)
 * is ~160 dB below them, under the int16 input's own quantization noise (~120 dB below a
 * full-scale tone's bin): the reason fft-q30.ts gives for Q30 twiddles still holds. Measured
 * against the float front end and the default contract in test/unit/dsp/mfcc-q31.test.ts.
 */

const TWO_POW_MINUS_16 = 2 ** -16;

export interface MfccQ31Tables {
  readonly params: MfccParams;
  /** toQ31(periodic Hann). */
  readonly windowQ31: Int32Array;
  readonly fft: RealFftQ31Tables;
  /** Per-band component bound before squaring (step 4–5). */
  readonly componentBits: number;
  /** Mel bands, DCT and log floor: the default contract's tables (shared, not recomputed). */
  readonly shared: MfccQ15Tables;
}

/**
 * Whether the split step's sums fit int32 for this window and FFT size: Σ|v| of step 2 (|x·2^(15 +
 * nrm)| ≤ 2^30, the floor adds < 1) over 2^fftShift bounds the FFT output Z, and E = Z[k] + Z*[M−k]
 * must fit with room for the floors. False only for windows close to the FFT size when log2 M is
 * odd (e.g. 1024 samples in FFT 1024); mfcc-config.ts reports it as a config problem.
 */
export function q31WindowFits(windowSamples: number, fftSize: number): boolean {
  const fftShift = makeRealFftQ31Tables(fftSize).fftShift;
  let l1 = 0;
  for (const h of hannWindow(windowSamples)) l1 += Math.floor((2 ** 30 * toQ31(h)) / 2 ** 32) + 1;
  return l1 <= Q31_INPUT_LIMIT * windowSamples && 2 * (l1 / 2 ** fftShift + 64) < 2 ** 31;
}

export function prepareMfccQ31(params: MfccParams): MfccQ31Tables {
  const shared = prepareMfccQ15(params);
  const windowQ31 = Int32Array.from(hannWindow(params.windowSamples), toQ31);
  const fft = makeRealFftQ31Tables(params.fftSize);
  if (!q31WindowFits(params.windowSamples, params.fftSize)) {
    throw new RangeError(
      `contract q31-fast: window ${params.windowSamples} too long for FFT ${params.fftSize} (split step would overflow)`,
    );
  }
  let maxLen = 1;
  for (const l of shared.melLength) maxLen = Math.max(maxLen, l);
  const componentBits = Math.min(14, Math.floor((31 - Math.ceil(Math.log2(maxLen))) / 2));
  return { params, windowQ31, fft, componentBits, shared };
}

/** A prepared q31-fast front end; same interface as MfccQ15 (mfcc-q15.ts). */
export class MfccQ31 {
  readonly tables: MfccQ31Tables;
  private readonly fft: RealFftQ31;
  private readonly v: Int32Array;
  private readonly yRe: Int32Array;
  private readonly yIm: Int32Array;
  private readonly logMel: Int32Array;

  constructor(params: MfccParams) {
    this.tables = prepareMfccQ31(params);
    this.fft = new RealFftQ31(params.fftSize);
    const bins = params.fftSize / 2 + 1;
    this.v = new Int32Array(params.windowSamples);
    this.yRe = new Int32Array(bins);
    this.yIm = new Int32Array(bins);
    this.logMel = new Int32Array(params.melBands);
  }

  get params(): MfccParams {
    return this.tables.params;
  }

  /** Steps 1–6 for the frame starting at `offset`: Q16 log2 mel energies into `out`. */
  logMelFrame(x: Int16Array, offset: number, out: Int32Array): void {
    const t = this.tables;
    const s = t.shared;
    const win = t.params.windowSamples;
    const { v, yRe, yIm } = this;
    // Hot loop: the frame lies inside x and the mel tables index bins 0..N/2 (as in MfccQ15).
    // Every value below is an int32 of the contract, so `>>` is its floor shift (see fft-q31.ts).
    const nrm = blockNormShift(x, offset, win);
    const up = 2 ** (15 + nrm); // |x·up| ≤ 2^30
    const w31 = t.windowQ31;
    for (let n = 0; n < win; n++) v[n] = mulHi32(x[offset + n]! * up, w31[n]!);
    this.fft.transform(v, yRe, yIm);
    const g0 = 29 + nrm - t.fft.fftShift;
    const { melStart, melLength, melOffset, melWeightsQ15 } = s;
    const componentBits = t.componentBits;
    for (let m = 0; m < out.length; m++) {
      const start = melStart[m]!;
      const end = start + melLength[m]!;
      const off = melOffset[m]! - start;
      let c = 0;
      // re ^ (re >> 31) = re ≥ 0 ? re : −re − 1 (|·| without the +1), as the contract's OR
      for (let k = start; k < end; k++) {
        const re = yRe[k]!;
        const im = yIm[k]!;
        c |= (re ^ (re >> 31)) | (im ^ (im >> 31));
      }
      const q = Math.max(0, 32 - Math.clz32(c) - componentBits);
      let acc = 0;
      for (let k = start; k < end; k++) {
        const cr = yRe[k]! >> q;
        const ci = yIm[k]! >> q;
        // (cr² + ci²)·W < 2^44: exact in a double, and ·2^−16 is the exact scaling
        acc += Math.floor((cr * cr + ci * ci) * melWeightsQ15[off + k]! * TWO_POW_MINUS_16);
      }
      const g = g0 - q;
      const l = acc === 0 ? s.log2FloorQ16 : log2Q16(acc) + (1 - 2 * g) * 65536;
      out[m] = Math.max(l, s.log2FloorQ16);
    }
  }

  /** MFCCs of a whole int16 signal: row-major [frames][coefficients], Q5 int16 (step 7 as the default's). */
  compute(x: Int16Array): Int16Array {
    return mfccQ5Frames(x, this.tables.shared, this.logMel, (off, out) => this.logMelFrame(x, off, out));
  }
}
