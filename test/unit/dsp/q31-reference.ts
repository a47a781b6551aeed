import { makeRealFftQ31Tables, type RealFftQ31Tables } from '../../../src/dsp/fft-q31';
import { log2Q16 } from '../../../src/dsp/log2-q16';
import { blockNormShift, mfccQ5Frames } from '../../../src/dsp/mfcc-q15';
import type { MfccQ31Tables } from '../../../src/dsp/mfcc-q31';

/**
 * The q31-fast contract (src/dsp/fft-q31.ts, src/dsp/mfcc-q31.ts) transcribed step by step, with
 * none of the shortcuts of the shipped code: products by BigInt, shifts as Math.floor of a
 * division, one loop per step. Slow (BigInt per product); the reference that
 * test/unit/dsp/q31-fast-paths.test.ts holds the fast code to, bit for bit, not a test file.
 */

/** floor(a·w / 2^32) (SMMUL). */
export function refHi(a: number, w: number): number {
  return Number((BigInt(a) * BigInt(w)) >> 32n);
}

/** ceil(a·w / 2^32) (what SMMLS subtracts). */
export function refHc(a: number, w: number): number {
  return Number(-((-BigInt(a) * BigInt(w)) >> 32n));
}

const fl = (x: number, s: number): number => Math.floor(x / 2 ** s);

/** The contract's mul(B, c, s) = (hi(B.re, c) + hi(B.im, s), hi(B.im, c) − hc(B.re, s)). */
function mul(re: number, im: number, c: number, s: number): [number, number] {
  return [refHi(re, c) + refHi(im, s), refHi(im, c) - refHc(re, s)];
}

/** Y = RealFftQ31(v) by the contract's steps 1–3: bins 0..N/2 as [re, im]. */
export function referenceFftQ31(
  v: ArrayLike<number>,
  tables: RealFftQ31Tables = makeRealFftQ31Tables(1024),
): {
  re: number[];
  im: number[];
} {
  const { size, bitReverse, radix2First, stages, twiddles, split } = tables;
  const m = size / 2;
  const at = (i: number): number => (i < v.length ? v[i]! : 0);
  const zr: number[] = [];
  const zi: number[] = [];
  for (let n = 0; n < m; n++) {
    zr.push(at(2 * bitReverse[n]!));
    zi.push(at(2 * bitReverse[n]! + 1));
  }
  if (radix2First) {
    for (let q = 0; q < m; q += 2) {
      const [ar, ai, br, bi] = [zr[q]!, zi[q]!, zr[q + 1]!, zi[q + 1]!];
      [zr[q], zi[q], zr[q + 1], zi[q + 1]] = [ar + br, ai + bi, ar - br, ai - bi];
    }
  }
  let tw = 0;
  for (const h of stages) {
    for (let base = 0; base < m; base += 4 * h) {
      for (let j = 0; j < h; j++) {
        const [a, b, c, d] = [0, 1, 2, 3].map((q) => base + j + q * h) as [number, number, number, number];
        const w = twiddles.subarray(tw + 6 * j, tw + 6 * j + 6);
        const [br, bi] = j === 0 ? [fl(zr[b]!, 1), fl(zi[b]!, 1)] : mul(zr[b]!, zi[b]!, w[0]!, w[1]!);
        const [cr, ci] = j === 0 ? [fl(zr[c]!, 2), fl(zi[c]!, 2)] : mul(zr[c]!, zi[c]!, w[2]!, w[3]!);
        const [dr, di] = j === 0 ? [fl(zr[d]!, 2), fl(zi[d]!, 2)] : mul(zr[d]!, zi[d]!, w[4]!, w[5]!);
        const [ar, ai] = [fl(zr[a]!, 1), fl(zi[a]!, 1)];
        const [s0r, s0i, s1r, s1i] = [ar + br, ai + bi, ar - br, ai - bi];
        const [s2r, s2i, s3r, s3i] = [cr + dr, ci + di, cr - dr, ci - di];
        [zr[a], zi[a]] = [fl(s0r, 1) + s2r, fl(s0i, 1) + s2i];
        [zr[b], zi[b]] = [fl(s1r, 1) + s3i, fl(s1i, 1) - s3r];
        [zr[c], zi[c]] = [fl(s0r, 1) - s2r, fl(s0i, 1) - s2i];
        [zr[d], zi[d]] = [fl(s1r, 1) - s3i, fl(s1i, 1) + s3r];
      }
    }
    tw += 6 * h;
  }
  const re = new Array<number>(m + 1).fill(0);
  const im = new Array<number>(m + 1).fill(0);
  re[0] = zr[0]! + zi[0]!;
  re[m] = zr[0]! - zi[0]!;
  for (let k = 1; k <= m / 2; k++) {
    const kk = m - k;
    const [er, ei] = [zr[k]! + zr[kk]!, zi[k]! - zi[kk]!];
    const [or, oi] = [zr[k]! - zr[kk]!, zi[k]! + zi[kk]!];
    const [ur, ui] = mul(or, oi, split[2 * k]!, split[2 * k + 1]!);
    re[k] = fl(er, 1) + ui;
    im[k] = fl(ei, 1) - ur;
    if (kk !== k) {
      re[kk] = fl(er, 1) - ui;
      im[kk] = fl(0 - ei, 1) - ur; // 0 − ei: no −0
    }
  }
  return { re, im };
}

/** Steps 1–6 of mfcc-q31.ts for the frame at `offset`: Q16 log2 mel energies. */
export function referenceLogMelQ31(t: MfccQ31Tables, x: Int16Array, offset: number, out: Int32Array): void {
  const s = t.shared;
  const win = t.params.windowSamples;
  const nrm = blockNormShift(x, offset, win);
  const v: number[] = [];
  for (let n = 0; n < win; n++) v.push(refHi(x[offset + n]! * 2 ** (15 + nrm), t.windowQ31[n]!));
  const y = referenceFftQ31(v, t.fft);
  const g0 = 29 + nrm - t.fft.fftShift;
  const mag = (c: number): number => (c < 0 ? -c - 1 : c);
  for (let m = 0; m < out.length; m++) {
    const start = s.melStart[m]!;
    const bins = Array.from({ length: s.melLength[m]! }, (_, i) => start + i);
    let c = 0;
    for (const k of bins) c |= mag(y.re[k]!) | mag(y.im[k]!);
    let bitLength = 0;
    while (2 ** bitLength <= c) bitLength++;
    const q = Math.max(0, bitLength - t.componentBits);
    let acc = 0;
    for (const [i, k] of bins.entries()) {
      const p = fl(y.re[k]!, q) ** 2 + fl(y.im[k]!, q) ** 2;
      acc += Math.floor((p * s.melWeightsQ15[s.melOffset[m]! + i]!) / 65536);
    }
    const g = g0 - q;
    out[m] = acc === 0 ? s.log2FloorQ16 : Math.max(s.log2FloorQ16, log2Q16(acc) + (1 - 2 * g) * 65536);
  }
}

/** Q5 MFCCs of a whole signal by the reference steps (step 7 is the shared DCT). */
export function referenceMfccQ31(t: MfccQ31Tables, x: Int16Array): Int16Array {
  return mfccQ5Frames(x, t.shared, new Int32Array(t.params.melBands), (off, out) => referenceLogMelQ31(t, x, off, out));
}
