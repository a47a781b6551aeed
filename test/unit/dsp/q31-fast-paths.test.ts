import { floatsToInt16, floatToInt16 } from '../../../src/audio/wav';
import { makeRealFftQ31Tables, RealFftQ31 } from '../../../src/dsp/fft-q31';
import { mulHi32, mulHiCeil32 } from '../../../src/dsp/int-arith';
import { mfccConfigSchema, mfccParams } from '../../../src/dsp/mfcc-config';
import { mfccQ15ToFloat } from '../../../src/dsp/mfcc-q15';
import { MfccQ31 } from '../../../src/dsp/mfcc-q31';
import { Prng } from '../../../src/util/prng';
import { referenceFftQ31, referenceMfccQ31, refHc, refHi } from './q31-reference';

/**
 * The fast paths of the q31-fast front end (int32 shifts, mulHi32 by Math.imul + a rounded double
 * product, one function per FFT step, loops instead of typed-array `from` with a map) against the
 * contract transcribed step by step with BigInt products (q31-reference.ts): equal on every value
 * of random inputs, loud, quiet and clipped. The golden digest in mfcc-q31.test.ts and the C
 * comparison in test/unit/firmware/mfcc-q31-frontend.test.ts pin the same outputs another way.
 */

const q31 = (extra: object) => mfccParams(mfccConfigSchema.parse({ contract: 'q31-fast', ...extra }));

describe('mulHi32 / mulHiCeil32 where the rounded double product is closest to a wrong answer', () => {
  it('equal BigInt floor / ceil for products on, next to and between multiples of 2^32, at ±2^31, and never return −0', () => {
    const rng = Prng.derive('mulhi-edges');
    const cases: Array<[number, number]> = [
      [2 ** 31, -(2 ** 31)],
      [2 ** 31, 2 ** 31 - 1],
      [-(2 ** 31), -(2 ** 31)],
      [0, -5],
      [-1, 0],
      [-1, 1],
      [1, -1],
    ];
    // Products within a few hundred of a multiple of 2^32 and far beyond 2^53, where a double
    // product alone floors to the wrong word: a odd, w = r·a⁻¹ mod 2^32 makes a·w ≡ r (mod 2^32).
    const M32 = 2n ** 32n;
    const inverse = (a: bigint): bigint => {
      let x = a; // Newton: each step doubles the correct low bits (a·a ≡ 1 mod 8 for odd a)
      for (let k = 0; k < 5; k++) x = (((x * (2n - a * x)) % M32) + M32) % M32;
      return x;
    };
    for (let i = 0; i < 3000; i++) {
      const a = 2 * rng.int(-(2 ** 30), 2 ** 30 - 1) + 1;
      const r = BigInt(rng.int(-300, 300));
      const w = Number(BigInt.asIntN(32, (((r * inverse(BigInt(a))) % M32) + M32) % M32));
      // a = odd·2^s, w = k·2^(32 − s): low word exactly 0 (hc = hi)
      const sh = rng.int(1, 31);
      const b = (2 * rng.int(-(2 ** (30 - sh)), 2 ** (30 - sh) - 1) + 1) * 2 ** sh;
      const v = 2 ** (32 - sh) * rng.int(-(2 ** (sh - 1)), 2 ** (sh - 1) - 1);
      cases.push([a, w], [b, v], [rng.int(-(2 ** 31), 2 ** 31 - 1), rng.int(-(2 ** 31), 2 ** 31 - 1)]);
    }
    const wrong = cases.filter(
      ([a, w]) =>
        Math.abs(w) <= 2 ** 31 &&
        (mulHi32(a, w) !== refHi(a, w) ||
          mulHiCeil32(a, w) !== refHc(a, w) ||
          Object.is(mulHi32(a, w), -0) ||
          Object.is(mulHiCeil32(a, w), -0)),
    );
    expect(wrong).toEqual([]);
    // the cases reach the low word 0 and both neighbours of a multiple of 2^32
    const low = (a: number, w: number) => Number(BigInt.asUintN(32, BigInt(a) * BigInt(w)));
    expect(cases.some(([a, w]) => low(a, w) === 0 && a * w !== 0)).toBe(true);
    expect(cases.filter(([a, w]) => low(a, w) > 2 ** 32 - 300 && Math.abs(a * w) > 2 ** 60).length).toBeGreaterThan(
      100,
    );
    expect(
      cases.filter(([a, w]) => low(a, w) > 0 && low(a, w) <= 300 && Math.abs(a * w) > 2 ** 60).length,
    ).toBeGreaterThan(100);
  });
});

describe('RealFftQ31 = the contract transcribed (BigInt products)', () => {
  it.each([8, 16, 32, 64, 512, 1024, 2048])(
    'N = %i: every bin of random, sparse and one-sided inputs at the bound',
    (n) => {
      const rng = Prng.derive(`fft-q31-ref-${n}`);
      const t = makeRealFftQ31Tables(n);
      const fft = new RealFftQ31(n);
      const re = new Int32Array(n / 2 + 1);
      const im = new Int32Array(n / 2 + 1);
      const inputs: Int32Array[] = [
        Int32Array.from({ length: n }, () => rng.int(-(2 ** 29), 2 ** 29)),
        Int32Array.from({ length: n }, () => (rng.next() < 0.05 ? rng.int(-(2 ** 29), 2 ** 29) : 0)),
        Int32Array.from({ length: n }, () => rng.int(2 ** 28, 2 ** 29)),
        Int32Array.from({ length: Math.floor((5 * n) / 8) }, () => rng.int(-(2 ** 29), 2 ** 29)), // zero-padded
      ];
      for (const v of inputs) {
        // Σ|v| / 2^fftShift under 2^29, as the MFCC window guarantees (mfcc-q31.test.ts)
        let l1 = 0;
        for (const x of v) l1 += Math.abs(x);
        const k = Math.max(1, Math.ceil(l1 / 2 ** t.fftShift / 2 ** 29));
        for (let i = 0; i < v.length; i++) v[i] = Math.trunc(v[i]! / k);
        fft.transform(v, re, im);
        const ref = referenceFftQ31(v, t);
        expect(Array.from(re)).toEqual(ref.re);
        expect(Array.from(im)).toEqual(ref.im);
      }
    },
  );
});

describe('MfccQ31 = the contract transcribed, on random signals', () => {
  function signals(seed: string, n: number): Array<[string, Int16Array]> {
    const rng = Prng.derive(seed);
    const of = (f: (i: number) => number) =>
      Int16Array.from({ length: n }, (_, i) => Math.max(-32768, Math.min(32767, Math.round(f(i)))));
    return [
      ['uniform full scale', of(() => rng.int(-32768, 32767))],
      ['clipped square ±32768', of((i) => (Math.floor(i / rng.int(3, 40)) % 2 === 0 ? 32767 : -32768))],
      [
        'noise at a random level per 100 samples',
        of((i) => (i % 100 === 0 ? 0 : 1) * rng.normal() * 2 ** rng.int(0, 14)),
      ],
      ['1 LSB noise', of(() => rng.int(-1, 1))],
      ['clicks in silence', of(() => (rng.next() < 0.002 ? (rng.next() < 0.5 ? -32768 : 32767) : 0))],
      ['silence', of(() => 0)],
    ];
  }

  it.each([
    ['KWS (FFT 1024: radix-2 stage + four radix-4)', q31({})],
    [
      'FFT 512, 480-sample window (radix-4 only)',
      q31({ windowMs: 30, strideMs: 10, fftSize: 512, melBands: 32, coefficients: 13, highHz: 8000 }),
    ],
    ['641-sample window in FFT 1024', q31({ windowMs: 40.0625 })],
  ])('%s: every MFCC value equal', (name, params) => {
    const fe = new MfccQ31(params);
    for (const [what, x] of signals(name, params.windowSamples + 5 * params.strideSamples + 17)) {
      expect([what, Array.from(fe.compute(x))]).toEqual([what, Array.from(referenceMfccQ31(fe.tables, x))]);
    }
  });
});

describe('typed-array conversions written as loops', () => {
  it('floatsToInt16 = floatToInt16 per sample (rounding halves away from zero, clipping, NaN)', () => {
    const xs = [
      0,
      -0,
      0.5 / 32768,
      -0.5 / 32768,
      1.5 / 32768,
      1,
      -1,
      1.2,
      -1.2,
      NaN,
      32767.5 / 32768,
      -32768.5 / 32768,
    ];
    const rng = Prng.derive('floats-to-int16');
    for (let i = 0; i < 1000; i++) xs.push(rng.uniform(-1.1, 1.1));
    expect(Array.from(floatsToInt16(Float32Array.from(xs)))).toEqual(Array.from(Float32Array.from(xs), floatToInt16));
    expect(Array.from(floatsToInt16(xs))).toEqual(xs.map(floatToInt16));
  });

  it('mfccQ15ToFloat divides by 2^5 into a float32 array', () => {
    const q = Int16Array.from([0, 1, -1, 32767, -32768, 33]);
    const f = mfccQ15ToFloat(q);
    expect(f).toBeInstanceOf(Float32Array);
    expect(Array.from(f)).toEqual([0, 1 / 32, -1 / 32, 32767 / 32, -1024, 33 / 32]);
  });
});
