import { bitReversalTable, isPowerOfTwo } from './fft';
import { mulSubRound30 } from './int-arith';

/**
 * Integer real FFT: int32 data, Q30 twiddles, the same decomposition as fft.ts (an N/2-point
 * radix-2 DIT complex FFT of z[n] = v[2n] + i·v[2n+1], then a split step). Used by the
 * fixed-point MFCC (mfcc-q15.ts); this comment is part of its C contract.
 *
 * Why Q30 twiddles, not Q15: with Q15 twiddles (and a Q15 window) the error floor sat about
 * 105 dB below a frame's loudest band, and a full-scale 1 kHz tone came out up to 16 MFCC
 * units off in its quiet bands; Q30 moves the floor below the int16 input's own
 * quantization noise. On Cortex-M4/M7 a Q30 multiply is one SMULL/SMLAL, as in CMSIS-DSP's
 * q31 FFT.
 *
 * SCALING:
 *  - Fixed shifts of 0 in every stage: no per-stage scaling, no block exponent. The caller
 *    bounds the input instead: Σ|v[n]| ≤ INPUT_L1_LIMIT = 2^29. Every intermediate value of
 *    an unscaled DFT is a partial DFT sum, so its real and imaginary parts are bounded by
 *    Σ|v|; the split step adds two such values, and the output is 2·X[k] (below), bounded by
 *    2·Σ|v| ≤ 2^30. Rounding adds a few LSB at most, so everything fits int32 with a ~2×
 *    margin. mfcc-q15.ts picks its window shift so the bound holds for any int16 input.
 *  - Twiddles: wr = round(2^30·cos θ), wi = round(−2^30·sin θ) (±1.0 = ±2^30 is exact). The
 *    twiddle 1 (j = 0 of every butterfly group, k = 0 of the split) and −1 (k = N/2 of the
 *    split) are applied without a multiply.
 *  - Complex multiply, each component rounded half up:
 *      t_re = (int32)(((int64)b_re·wr − (int64)b_im·wi + 2^29) >> 30)
 *      t_im = (int32)(((int64)b_re·wi + (int64)b_im·wr + 2^29) >> 30)
 *    (`>>` arithmetic; see int-arith.ts mulSubRound30 for the exact JS emulation).
 *  - Output: Y[k] = 2·X[k], k = 0..N/2, X[k] = Σ v[n]·e^{-2πikn/N}. The split step's ½ is
 *    not applied (it would only discard a bit).
 */

/** Σ|v[n]| must not exceed this (see SCALING above). */
export const INPUT_L1_LIMIT = 2 ** 29;

/** Q30 value of x ∈ [−1, 1]: round(2^30·x). Used at table time only. */
export function toQ30(x: number): number {
  if (!(x >= -1 && x <= 1)) throw new RangeError(`toQ30: ${x} outside [−1, 1]`);
  return Math.round(x * 2 ** 30);
}

/** Everything the firmware needs to run the same FFT (emitted as const arrays). */
export interface RealFftQ30Tables {
  /** N, the real transform size. */
  readonly size: number;
  /** Bit reversal for the N/2-point complex FFT. */
  readonly bitReverse: Uint16Array;
  /** Q30 e^{-2πij/(N/2)}, j < N/4: butterfly twiddles of the complex FFT. */
  readonly twiddleRe: Int32Array;
  readonly twiddleIm: Int32Array;
  /** Q30 e^{-2πik/N}, k = 0..N/2: split-step twiddles. */
  readonly splitRe: Int32Array;
  readonly splitIm: Int32Array;
}

export function makeRealFftQ30Tables(size: number): RealFftQ30Tables {
  if (!isPowerOfTwo(size) || size < 4) throw new RangeError(`real FFT size must be a power of two ≥ 4, got ${size}`);
  const m = size / 2;
  const twiddleRe = new Int32Array(m / 2);
  const twiddleIm = new Int32Array(m / 2);
  for (let j = 0; j < m / 2; j++) {
    twiddleRe[j] = toQ30(Math.cos((2 * Math.PI * j) / m));
    twiddleIm[j] = toQ30(-Math.sin((2 * Math.PI * j) / m));
  }
  const splitRe = new Int32Array(m + 1);
  const splitIm = new Int32Array(m + 1);
  for (let k = 0; k <= m; k++) {
    splitRe[k] = toQ30(Math.cos((2 * Math.PI * k) / size));
    splitIm[k] = toQ30(-Math.sin((2 * Math.PI * k) / size));
  }
  return { size, bitReverse: bitReversalTable(m), twiddleRe, twiddleIm, splitRe, splitIm };
}

/** A prepared integer real FFT; owns its scratch buffers (like a C context struct). */
export class RealFftQ30 {
  readonly tables: RealFftQ30Tables;
  private readonly zr: Int32Array;
  private readonly zi: Int32Array;

  constructor(size: number) {
    this.tables = makeRealFftQ30Tables(size);
    this.zr = new Int32Array(size / 2);
    this.zi = new Int32Array(size / 2);
  }

  /**
   * Y[k] = 2·X[k], k = 0..N/2, of `input` (int32, length ≤ N, zero-padded). The caller
   * guarantees Σ|v| ≤ INPUT_L1_LIMIT; it is not checked here (it is a property of the
   * tables, checked once when they are made).
   */
  transform(input: Int32Array, outRe: Int32Array, outIm: Int32Array): void {
    const { size, bitReverse, twiddleRe, twiddleIm, splitRe, splitIm } = this.tables;
    const m = size / 2;
    const { zr, zi } = this;
    if (input.length > size) throw new RangeError(`input length ${input.length} exceeds FFT size ${size}`);
    if (outRe.length < m + 1 || outIm.length < m + 1) throw new RangeError(`output arrays need ${m + 1} bins`);
    // Hot loops: indices are in range by construction (bitReverse holds 0..m−1, a < b < m,
    // j·step < m/2, k ≤ m), so reads use a non-null `!` (no runtime cost) rather than a check.

    // Pack z[n] = v[2n] + i·v[2n+1] in bit-reversed order.
    for (let n = 0; n < m; n++) {
      const i0 = 2 * bitReverse[n]!;
      zr[n] = i0 < input.length ? input[i0]! : 0;
      zi[n] = i0 + 1 < input.length ? input[i0 + 1]! : 0;
    }

    for (let len = 2; len <= m; len *= 2) {
      const half = len / 2;
      const step = m / len;
      for (let base = 0; base < m; base += len) {
        for (let j = 0; j < half; j++) {
          const a = base + j;
          const b = a + half;
          let tr = zr[b]!;
          let ti = zi[b]!;
          if (j !== 0) {
            const wr = twiddleRe[j * step]!;
            const wi = twiddleIm[j * step]!;
            tr = mulSubRound30(zr[b]!, wr, zi[b]!, wi);
            ti = mulSubRound30(zr[b]!, wi, -zi[b]!, wr);
          }
          zr[b] = zr[a]! - tr;
          zi[b] = zi[a]! - ti;
          zr[a] = zr[a]! + tr;
          zi[a] = zi[a]! + ti;
        }
      }
    }

    // Split: Y[k] = E − i·T·O, E = Z[k] + Z*[M−k], O = Z[k] − Z*[M−k], T = e^{-2πik/N}, Z[M] = Z[0].
    for (let k = 0; k <= m; k++) {
      const a = k === m ? 0 : k;
      const b = k === 0 ? 0 : m - k;
      const er = zr[a]! + zr[b]!;
      const ei = zi[a]! - zi[b]!;
      const or = zr[a]! - zr[b]!;
      const oi = zi[a]! + zi[b]!;
      let ur = or; // T = 1 exactly (k = 0)
      let ui = oi;
      if (k === m) {
        ur = -or; // T = −1 exactly
        ui = -oi;
      } else if (k !== 0) {
        ur = mulSubRound30(or, splitRe[k]!, oi, splitIm[k]!);
        ui = mulSubRound30(oi, splitRe[k]!, -or, splitIm[k]!);
      }
      outRe[k] = er + ui;
      outIm[k] = ei - ur;
    }
  }
}
