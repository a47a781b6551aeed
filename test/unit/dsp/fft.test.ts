import { bitReversalTable, nextPowerOfTwo, RealFft } from '../../../src/dsp/fft';
import { INPUT_L1_LIMIT, RealFftQ30 } from '../../../src/dsp/fft-q30';
import { bitLength, mulSubRound30, roundShift, sra } from '../../../src/dsp/int-arith';
import { Prng } from '../../../src/util/prng';

/** Naive O(N²) DFT, bins 0..N/2, the ground truth for both FFTs. */
function naiveDft(x: ArrayLike<number>, n: number): { re: Float64Array; im: Float64Array } {
  const re = new Float64Array(n / 2 + 1);
  const im = new Float64Array(n / 2 + 1);
  for (let k = 0; k <= n / 2; k++) {
    let sr = 0;
    let si = 0;
    for (let t = 0; t < x.length; t++) {
      const a = (-2 * Math.PI * ((k * t) % n)) / n;
      sr += x[t]! * Math.cos(a);
      si += x[t]! * Math.sin(a);
    }
    re[k] = sr;
    im[k] = si;
  }
  return { re, im };
}

describe('int-arith', () => {
  it('mulSubRound30 equals the int64 expression for random and extreme operands', () => {
    const rng = Prng.derive('mulSubRound30');
    const r31 = (): number => rng.int(-(2 ** 31), 2 ** 31 - 1);
    const r30 = (): number => rng.int(-(2 ** 30), 2 ** 30);
    const cases: Array<[number, number, number, number]> = [
      [2 ** 31 - 1, 2 ** 30, -(2 ** 31), 2 ** 30],
      [-(2 ** 31), -(2 ** 30), 2 ** 31 - 1, 2 ** 30],
      [-1, 1, 0, 0],
      [1, 2 ** 29, 0, 0], // exactly half: rounds up
      [-1, 2 ** 29, 0, 0], // −½ rounds up to 0
    ];
    for (let i = 0; i < 20000; i++) cases.push([r31(), r30(), r31(), r30()]);
    for (const [a, w1, b, w2] of cases) {
      const expected = Number((BigInt(a) * BigInt(w1) - BigInt(b) * BigInt(w2) + (1n << 29n)) >> 30n);
      expect(mulSubRound30(a, w1, b, w2)).toBe(expected);
    }
  });

  it('shifts floor like C arithmetic shifts and bitLength counts bits', () => {
    expect(sra(-1, 1)).toBe(-1);
    expect(sra(-(2 ** 40) - 1, 40)).toBe(-2);
    expect(roundShift(-3, 1)).toBe(-1); // −1.5 → −1 (half up)
    expect(roundShift(3, 1)).toBe(2);
    expect([0, 1, 2, 3, 2 ** 31, 2 ** 32 - 1, 2 ** 32, 2 ** 52].map(bitLength)).toEqual([0, 1, 2, 2, 32, 32, 33, 53]);
  });
});

describe('RealFft (float64)', () => {
  it('matches a naive DFT for sizes 4..1024, including zero-padded input', () => {
    const rng = Prng.derive('fft-float');
    for (const n of [4, 8, 16, 64, 256, 1024]) {
      const len = n === 1024 ? 640 : n;
      const x = Float64Array.from({ length: len }, () => rng.normal());
      const fft = new RealFft(n);
      const re = new Float64Array(n / 2 + 1);
      const im = new Float64Array(n / 2 + 1);
      fft.transform(x, re, im);
      const ref = naiveDft(x, n);
      let err = 0;
      let mag = 0;
      for (let k = 0; k <= n / 2; k++) {
        err = Math.max(err, Math.abs(re[k]! - ref.re[k]!), Math.abs(im[k]! - ref.im[k]!));
        mag = Math.max(mag, Math.hypot(ref.re[k]!, ref.im[k]!));
      }
      expect(err / mag).toBeLessThan(1e-12);
    }
  });

  it('rejects sizes that are not powers of two', () => {
    expect(() => new RealFft(640)).toThrow(RangeError);
    expect(nextPowerOfTwo(640)).toBe(1024);
    expect(Array.from(bitReversalTable(8))).toEqual([0, 4, 2, 6, 1, 5, 3, 7]);
  });
});

/**
 * Worst-case rounding error of RealFftQ30 in output LSB: each multiply rounds by ≤ ½ per
 * component (≤ √2/2 per complex value); an error made before the last stages reaches an
 * output through at most M/len paths of gain ≤ 1, so the complex FFT is off by at most
 * ≈ 0.71·M, and the split step doubles that and adds its own rounding. Bugs (wrong
 * twiddle, overflow) give errors of the order of the signal (~2^29), far above this.
 */
function worstCaseLsb(n: number): number {
  return 1.5 * (n / 2) + 2;
}

describe('RealFftQ30 (integer)', () => {
  function run(n: number, v: Int32Array): { re: Int32Array; im: Int32Array } {
    const re = new Int32Array(n / 2 + 1);
    const im = new Int32Array(n / 2 + 1);
    new RealFftQ30(n).transform(v, re, im);
    return { re, im };
  }

  it('returns 2·DFT within the rounding bound on random input', () => {
    const rng = Prng.derive('fft-q30');
    for (const n of [8, 64, 1024]) {
      const v = Int32Array.from({ length: n === 1024 ? 640 : n }, () => rng.int(-(2 ** 20), 2 ** 20));
      const { re, im } = run(n, v);
      const ref = naiveDft(v, n);
      let err = 0;
      for (let k = 0; k <= n / 2; k++)
        err = Math.max(err, Math.abs(re[k]! - 2 * ref.re[k]!), Math.abs(im[k]! - 2 * ref.im[k]!));
      expect(err).toBeLessThan(worstCaseLsb(n)); // measured: 18 LSB at N = 1024 (of outputs ~2^25)
    }
  });

  it('does not overflow int32 at the documented input bound Σ|v| = 2^29', () => {
    const n = 1024;
    const each = Math.floor(INPUT_L1_LIMIT / 640);
    // All-positive input puts the whole bound into bin 0; alternating signs into bin N/2;
    // a cosine at bin 100 (sign pattern) into bins ±100.
    const patterns = [
      Int32Array.from({ length: 640 }, () => each),
      Int32Array.from({ length: 640 }, (_, i) => (i % 2 ? -each : each)),
      Int32Array.from({ length: 640 }, (_, i) => (Math.cos((2 * Math.PI * 100 * i) / n) >= 0 ? each : -each)),
    ];
    for (const v of patterns) {
      const { re, im } = run(n, v);
      const ref = naiveDft(v, n);
      for (let k = 0; k <= n / 2; k++) {
        expect(Math.abs(re[k]! - 2 * ref.re[k]!)).toBeLessThan(worstCaseLsb(n)); // measured ≤ 69 LSB of 2^30
        expect(Math.abs(im[k]! - 2 * ref.im[k]!)).toBeLessThan(worstCaseLsb(n));
      }
    }
  });
});
