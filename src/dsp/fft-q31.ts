import { bitReversalTable, isPowerOfTwo } from './fft';
import { mulHi32 as hi, mulHiCeil32 as hc } from './int-arith';

/**
 * Integer real FFT of the `q31-fast` front end (mfcc-q31.ts): int32 data, Q31/Q30 twiddles
 * whose products are the high word of a 32×32-bit multiply (SMMUL / SMMLA / SMMLS on
 * Cortex-M4/M7: one instruction per product, no 64-bit rounding), a 1/4 scaling per radix-4
 * stage folded into those products and into shifted adds. This comment is the C contract of
 * firmware/frontend/tops_mfcc_q31_impl.h; fft-q30.ts is the older, exact-rounding contract.
 *
 * Structure: the same real-FFT trick as fft.ts (an M = N/2-point complex DIT FFT of
 * z[n] = v[2n] + i·v[2n+1] in bit-reversed order, then a split step), with the complex FFT as
 * one radix-2 stage when log2 M is odd, then radix-4 stages ("radix-2²": each does the work of
 * two radix-2 stages with 3 complex multiplies instead of 4).
 *
 * Notation: every value is an integer; x >> s is floor(x / 2^s); hi(a, w) = floor(a·w / 2^32)
 * (int-arith.ts mulHi32, SMMUL); hc(a, w) = ceil(a·w / 2^32) (mulHiCeil32, what SMMLS subtracts).
 * A twiddle e^{−iθ} is stored as (c, s) = (cos θ, sin θ) in Q31 (clamped to ±(2^31 − 1)) or
 * Q30; the product of a complex B by it is
 *   mul(B, c, s) = ( hi(B.re, c) + hi(B.im, s),  hi(B.im, c) − hc(B.re, s) )
 * = B·e^{−iθ}/2 with Q31 twiddles, B·e^{−iθ}/4 with Q30 ones.
 *
 *  1. Radix-2 stage (only when log2 M is odd): positions 2q, 2q + 1 of the bit-reversed input
 *     become a + b and a − b (twiddle 1, no scaling).
 *  2. Radix-4 stages, quarter length h = h0, 4·h0, … up to M/4 (h0 = 2 after step 1, else 1):
 *     for every group base (multiple of 4h) and j < h, with A, B, C, D at base + j + {0, h, 2h, 3h}
 *     and u = e^{−2πij/(4h)}:
 *       b = mul(B, u² in Q31),  c = mul(C, u in Q30),  d = mul(D, u³ in Q30);
 *       for j = 0 (u = 1) no multiply: b = B >> 1, c = C >> 2, d = D >> 2 (componentwise)
 *       s0 = (A >> 1) + b,  s1 = (A >> 1) − b,  s2 = c + d,  s3 = c − d      (componentwise)
 *       base + j      ← (s0 >> 1) + s2
 *       base + j + h  ← ((s1.re >> 1) + s3.im, (s1.im >> 1) − s3.re)         (s1/2 − i·s3)
 *       base + j + 2h ← (s0 >> 1) − s2
 *       base + j + 3h ← ((s1.re >> 1) − s3.im, (s1.im >> 1) + s3.re)         (s1/2 + i·s3)
 *     (The bit-reversed DIT layout holds A, B, C, D so that B takes u², C and D take u and u³:
 *     y0 = A + u²B + uC + u³D over 4, the two radix-2 stages written out.)
 *  3. Split, with Z the complex FFT's output and T_k = e^{−2πik/N} in Q31:
 *       Y[0] = (Z0.re + Z0.im, 0),  Y[M] = (Z0.re − Z0.im, 0)
 *       for k = 1 .. M/2, k' = M − k:
 *         E = (Zk.re + Zk'.re, Zk.im − Zk'.im),  O = (Zk.re − Zk'.re, Zk.im + Zk'.im)
 *         u = mul(O, T_k)                                              (= T·O / 2)
 *         Y[k]  = ((E.re >> 1) + u.im,  (E.im >> 1) − u.re)            (= E/2 − i·u)
 *         Y[k'] = ((E.re >> 1) − u.im,  ((−E.im) >> 1) − u.re)          (k' ≠ k: conj(E)/2 − i·conj(u))
 *
 * SCALING: Y[k] = X[k] / 2^fftShift (X the exact DFT of v, fftShift = 2 · radix-4 stages), up to
 * the floors. The caller bounds the input: |v[n]| ≤ 2^29. Then every complex value of steps 1–2
 * has magnitude ≤ √2·2^30 (a radix-4 output is at most the mean of its four inputs' magnitudes,
 * plus a few LSB of flooring), and Z[k] ≤ Σ|v| / 2^fftShift, which makeRealFftQ31Tables checks
 * (with the window's Σ|v| bound) so that E and O fit int32.
 */

/** |v[n]| must not exceed this (see SCALING). */
export const Q31_INPUT_LIMIT = 2 ** 29;

const Q31_MAX = 2 ** 31 - 1;

/** Q31 value of x ∈ [−1, 1], clamped to ±(2^31 − 1) so that it and its negation fit int32. */
export function toQ31(x: number): number {
  if (!(x >= -1 && x <= 1)) throw new RangeError(`toQ31: ${x} outside [−1, 1]`);
  return Math.max(-Q31_MAX, Math.min(Q31_MAX, Math.round(x * 2 ** 31)));
}

function toQ30(x: number): number {
  return Math.round(x * 2 ** 30);
}

export interface RealFftQ31Tables {
  /** N, the real transform size. */
  readonly size: number;
  /** Bit reversal of the M = N/2-point complex FFT. */
  readonly bitReverse: Uint16Array;
  /** True when log2 M is odd: step 1 (one radix-2 stage) runs first. */
  readonly radix2First: boolean;
  /** Quarter lengths h of the radix-4 stages, in order. */
  readonly stages: readonly number[];
  /**
   * Per radix-4 stage, per j < h, six words: c2, s2 (u², Q31), c1, s1 (u, Q30), c3, s3 (u³,
   * Q30); the stages one after the other. j = 0 entries exist but are not used.
   */
  readonly twiddles: Int32Array;
  /** (c, s) of T_k in Q31 for k = 0 .. M/2 (k = 0 unused). */
  readonly split: Int32Array;
  /** Y = X / 2^fftShift. */
  readonly fftShift: number;
}

export function makeRealFftQ31Tables(size: number): RealFftQ31Tables {
  if (!isPowerOfTwo(size) || size < 8) throw new RangeError(`real FFT size must be a power of two ≥ 8, got ${size}`);
  const m = size / 2;
  const bits = Math.log2(m);
  const radix2First = bits % 2 === 1;
  const stages: number[] = [];
  for (let h = radix2First ? 2 : 1; 4 * h <= m; h *= 4) stages.push(h);
  const twiddles = new Int32Array(6 * stages.reduce((a, h) => a + h, 0));
  let o = 0;
  for (const h of stages) {
    for (let j = 0; j < h; j++) {
      const t = (2 * Math.PI * j) / (4 * h);
      twiddles.set([toQ31(Math.cos(2 * t)), toQ31(Math.sin(2 * t))], o);
      twiddles.set([toQ30(Math.cos(t)), toQ30(Math.sin(t)), toQ30(Math.cos(3 * t)), toQ30(Math.sin(3 * t))], o + 2);
      o += 6;
    }
  }
  const split = new Int32Array(2 * (m / 2 + 1));
  for (let k = 0; k <= m / 2; k++) {
    split[2 * k] = toQ31(Math.cos((2 * Math.PI * k) / size));
    split[2 * k + 1] = toQ31(Math.sin((2 * Math.PI * k) / size));
  }
  return {
    size,
    bitReverse: bitReversalTable(m),
    radix2First,
    stages,
    twiddles,
    split,
    fftShift: 2 * stages.length,
  };
}

/**
 * A prepared q31-fast real FFT; owns its scratch (interleaved complex z).
 *
 * The contract's values (SCALING above) all fit int32, as they must for the C code
 * (firmware/frontend/tops_mfcc_q31_impl.h computes every one in int32_t): so `x >> s` here is
 * the contract's floor(x / 2^s), and the hot loops stay in 32-bit integers. Bit-identical to
 * the step-by-step transcription of the contract kept in test/unit/dsp/q31-reference.ts
 * (test/unit/dsp/q31-fast-paths.test.ts) and to the C code (test/unit/firmware/mfcc-q31-frontend.test.ts).
 */
export class RealFftQ31 {
  readonly tables: RealFftQ31Tables;
  private readonly z: Int32Array;
  /** `tables.twiddles` per radix-4 stage, six words per j < h (j = 0's unread: u = 1 takes shifts). */
  private readonly stageTwiddles: readonly Int32Array[];

  constructor(size: number) {
    this.tables = makeRealFftQ31Tables(size);
    this.z = new Int32Array(size);
    const stageTwiddles: Int32Array[] = [];
    let o = 0;
    for (const h of this.tables.stages) {
      stageTwiddles.push(this.tables.twiddles.subarray(o, o + 6 * h));
      o += 6 * h;
    }
    this.stageTwiddles = stageTwiddles;
  }

  /** Y[k] = X[k] / 2^fftShift, k = 0..N/2, of `input` (|v| ≤ 2^29, length ≤ N, zero-padded). */
  transform(input: Int32Array, outRe: Int32Array, outIm: Int32Array): void {
    const { size, bitReverse, radix2First, stages, split } = this.tables;
    const m = size / 2;
    const z = this.z;
    if (input.length > size) throw new RangeError(`input length ${input.length} exceeds FFT size ${size}`);
    if (outRe.length < m + 1 || outIm.length < m + 1) throw new RangeError(`output arrays need ${m + 1} bins`);
    // One function per step: each stays small enough for V8 to inline the products into it
    // (one function for all of them exceeded the inlining budget and called mulHi32 per product).
    loadBitReversed(input, bitReverse, z);
    if (radix2First) radix2Stage(z);
    for (let st = 0; st < stages.length; st++) radix4Stage(z, 2 * stages[st]!, this.stageTwiddles[st]!);
    splitStep(z, split, outRe, outIm);
  }
}

// Hot loops: every index is in range by construction (bitReverse holds 0..m−1, groups tile
// 0..m−1, the twiddle tables hold every j < h and k ≤ M/2), so reads use `!`.

/** z = v in bit-reversed order, as M complex values z[n] = v[2n] + i·v[2n + 1] (zero-padded). */
function loadBitReversed(input: Int32Array, bitReverse: Uint16Array, z: Int32Array): void {
  const len = input.length;
  for (let n = 0; n < bitReverse.length; n++) {
    const i0 = 2 * bitReverse[n]!;
    z[2 * n] = i0 < len ? input[i0]! : 0;
    z[2 * n + 1] = i0 + 1 < len ? input[i0 + 1]! : 0;
  }
}

/** Step 1: a radix-2 stage, twiddle 1, no scaling. */
function radix2Stage(z: Int32Array): void {
  for (let i = 0; i < z.length; i += 4) {
    const ar = z[i]!;
    const ai = z[i + 1]!;
    const br = z[i + 2]!;
    const bi = z[i + 3]!;
    z[i] = ar + br;
    z[i + 1] = ai + bi;
    z[i + 2] = ar - br;
    z[i + 3] = ai - bi;
  }
}

/** Step 2: one radix-4 stage of quarter length h (h2 = 2h, the interleaved distance), twiddles tw. */
function radix4Stage(z: Int32Array, h2: number, tw: Int32Array): void {
  for (let base = 0; base < z.length; base += 4 * h2) {
    // j = 0: u = 1, no multiply
    radix4Out(
      z,
      base,
      h2,
      z[base + h2]! >> 1,
      z[base + h2 + 1]! >> 1,
      z[base + 2 * h2]! >> 2,
      z[base + 2 * h2 + 1]! >> 2,
      z[base + 3 * h2]! >> 2,
      z[base + 3 * h2 + 1]! >> 2,
    );
    for (let ia = base + 2, w = 6; ia < base + h2; ia += 2, w += 6) {
      const ib = ia + h2;
      const ic = ib + h2;
      const id = ic + h2;
      const c2 = tw[w]!;
      const s2 = tw[w + 1]!;
      const c1 = tw[w + 2]!;
      const s1 = tw[w + 3]!;
      const c3 = tw[w + 4]!;
      const s3 = tw[w + 5]!;
      const zbr = z[ib]!;
      const zbi = z[ib + 1]!;
      const zcr = z[ic]!;
      const zci = z[ic + 1]!;
      const zdr = z[id]!;
      const zdi = z[id + 1]!;
      radix4Out(
        z,
        ia,
        h2,
        hi(zbr, c2) + hi(zbi, s2),
        hi(zbi, c2) - hc(zbr, s2),
        hi(zcr, c1) + hi(zci, s1),
        hi(zci, c1) - hc(zcr, s1),
        hi(zdr, c3) + hi(zdi, s3),
        hi(zdi, c3) - hc(zdr, s3),
      );
    }
  }
}

/**
 * The radix-4 butterfly's outputs (step 2) from A at z[ia] and the products b, c, d; `h2` is the
 * interleaved distance 2h between A, B, C and D.
 */
function radix4Out(
  z: Int32Array,
  ia: number,
  h2: number,
  br: number,
  bi: number,
  cr: number,
  ci: number,
  dr: number,
  di: number,
): void {
  const ar = z[ia]! >> 1;
  const ai = z[ia + 1]! >> 1;
  const s0r = ar + br;
  const s0i = ai + bi;
  const s1r = ar - br;
  const s1i = ai - bi;
  const s2r = cr + dr;
  const s2i = ci + di;
  const s3r = cr - dr;
  const s3i = ci - di;
  const ib = ia + h2;
  const ic = ib + h2;
  const id = ic + h2;
  z[ia] = (s0r >> 1) + s2r;
  z[ia + 1] = (s0i >> 1) + s2i;
  z[ib] = (s1r >> 1) + s3i;
  z[ib + 1] = (s1i >> 1) - s3r;
  z[ic] = (s0r >> 1) - s2r;
  z[ic + 1] = (s0i >> 1) - s2i;
  z[id] = (s1r >> 1) - s3i;
  z[id + 1] = (s1i >> 1) + s3r;
}

/** Step 3: the split of the complex FFT Z (in z) into the real transform's bins 0..M. */
function splitStep(z: Int32Array, split: Int32Array, outRe: Int32Array, outIm: Int32Array): void {
  const m = z.length / 2;
  const z0r = z[0]!;
  const z0i = z[1]!;
  outRe[0] = z0r + z0i;
  outIm[0] = 0;
  outRe[m] = z0r - z0i;
  outIm[m] = 0;
  for (let k = 1; k <= m / 2; k++) {
    const kk = m - k;
    const zkr = z[2 * k]!;
    const zki = z[2 * k + 1]!;
    const zjr = z[2 * kk]!;
    const zji = z[2 * kk + 1]!;
    const er = zkr + zjr;
    const ei = zki - zji;
    const or = zkr - zjr;
    const oi = zki + zji;
    const c = split[2 * k]!;
    const s = split[2 * k + 1]!;
    const ur = hi(or, c) + hi(oi, s);
    const ui = hi(oi, c) - hc(or, s);
    outRe[k] = (er >> 1) + ui;
    outIm[k] = (ei >> 1) - ur;
    if (kk !== k) {
      outRe[kk] = (er >> 1) - ui;
      outIm[kk] = (-ei >> 1) - ur;
    }
  }
}
