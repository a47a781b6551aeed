import { bitReversalTable, RealFft } from '../../../src/dsp/fft';
import { Prng } from '../../../src/util/prng';

/**
 * RealFft's complex stages run twiddle-outer (each twiddle read once per stage). The butterflies of
 * a stage touch disjoint pairs, so that order must give the very same doubles as the base-outer
 * order of the textbook loop below (the previous code): every output bit equal, signed zeros too.
 */

function baseOuterRealFft(x: Float64Array, size: number): { re: Float64Array; im: Float64Array } {
  const m = size / 2;
  const rev = bitReversalTable(m);
  const cos = Float64Array.from({ length: m / 2 }, (_, j) => Math.cos((2 * Math.PI * j) / m));
  const sin = Float64Array.from({ length: m / 2 }, (_, j) => Math.sin((2 * Math.PI * j) / m));
  const re = Float64Array.from({ length: m }, (_, n) => (2 * n < x.length ? x[2 * n]! : 0));
  const im = Float64Array.from({ length: m }, (_, n) => (2 * n + 1 < x.length ? x[2 * n + 1]! : 0));
  for (let i = 0; i < m; i++) {
    const j = rev[i]!;
    if (j > i) {
      [re[i], re[j]] = [re[j]!, re[i]!];
      [im[i], im[j]] = [im[j]!, im[i]!];
    }
  }
  for (let len = 2; len <= m; len *= 2) {
    const half = len / 2;
    const step = m / len;
    for (let base = 0; base < m; base += len) {
      for (let j = 0; j < half; j++) {
        const a = base + j;
        const b = a + half;
        const wr = cos[j * step]!;
        const wi = -sin[j * step]!;
        const tr = re[b]! * wr - im[b]! * wi;
        const ti = re[b]! * wi + im[b]! * wr;
        re[b] = re[a]! - tr;
        im[b] = im[a]! - ti;
        re[a]! += tr;
        im[a]! += ti;
      }
    }
  }
  const outRe = new Float64Array(m + 1);
  const outIm = new Float64Array(m + 1);
  for (let k = 0; k <= m; k++) {
    const a = k === m ? 0 : k;
    const b = k === 0 ? 0 : m - k;
    const er = re[a]! + re[b]!;
    const ei = im[a]! - im[b]!;
    const or = re[a]! - re[b]!;
    const oi = im[a]! + im[b]!;
    const cr = Math.cos((2 * Math.PI * k) / size);
    const ci = -Math.sin((2 * Math.PI * k) / size);
    outRe[k] = 0.5 * (er + (cr * oi + ci * or));
    outIm[k] = 0.5 * (ei - (cr * or - ci * oi));
  }
  return { re: outRe, im: outIm };
}

const bits = (a: Float64Array): string => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('hex');

describe('RealFft twiddle-outer stages = the base-outer loop, bit for bit', () => {
  it.each([4, 8, 64, 512, 1024, 2048])('N = %i: random, sparse, signed-zero and zero-padded inputs', (n) => {
    const rng = Prng.derive(`fft-order-${n}`);
    const fft = new RealFft(n);
    const re = new Float64Array(n / 2 + 1);
    const im = new Float64Array(n / 2 + 1);
    const inputs = [
      Float64Array.from({ length: n }, () => rng.uniform(-1, 1)),
      Float64Array.from({ length: n }, () => (rng.next() < 0.1 ? rng.normal() : rng.next() < 0.5 ? -0 : 0)),
      Float64Array.from(
        { length: Math.max(1, Math.floor((5 * n) / 8)) },
        () => Math.round(rng.uniform(-32768, 32767)) / 32768,
      ),
    ];
    for (const x of inputs) {
      fft.transform(x, re, im);
      const ref = baseOuterRealFft(x, n);
      expect(bits(re)).toBe(bits(ref.re));
      expect(bits(im)).toBe(bits(ref.im));
    }
  });
});
