import { makeRealFftQ31Tables, RealFftQ31 } from '../../../src/dsp/fft-q31';
import { makeFixedMfcc } from '../../../src/dsp/fixed-mfcc';
import { mulHi32, mulHiCeil32 } from '../../../src/dsp/int-arith';
import { mfccConfigSchema, mfccParams } from '../../../src/dsp/mfcc-config';
import { computeMfcc, prepareMfcc } from '../../../src/dsp/mfcc';
import { MfccQ15, mfccQ15ToFloat } from '../../../src/dsp/mfcc-q15';
import { MfccQ31, prepareMfccQ31 } from '../../../src/dsp/mfcc-q31';
import { Prng } from '../../../src/util/prng';
import { extremeSignals, goldenDigest, maxAbsDiff, maxLogMelErrorDb, realisticSignals } from './fixed-mfcc-checks';
import { speechLike } from './signals';

/**
 * The q31-fast contract (src/dsp/mfcc-q31.ts) vs the float64 MFCC and vs the default q30
 * contract, on the same int16 input (MFCC units; the Q5 output alone rounds by up to 1/64).
 *
 * Measured max |q31-fast − float| (q30 − float in brackets):
 *   speech-like, white noise 0.3 / 0.0002 / 1 LSB rms, noise + silence, digital silence:
 *   0.0154–0.0166 (0.0132–0.0157): output rounding only; log-mel ≤ 0.0044 dB on speech.
 *   q31-fast vs q30 on those signals: ≤ 1/32 (one Q5 step of either side's rounding).
 *   full-scale tones 1000 / 437 / 100 Hz, full-scale DC: 0.035–0.059 (0.19–0.45): the FFT's
 *   flooring noise sits ~160 dB under the frame's loudest bin, below the Q30 contract's floor.
 *   3 kHz tone: 1.09 (0.84), from bands more than 100 dB under its loudest (0.58 dB there);
 *   within 100 dB of the loudest band every band agrees to ≤ 0.03 dB.
 * Asserted: < 0.03 on realistic signals and ≤ 1/32 from q30; < 0.1 dB per band within 100 dB
 * of the loudest and MFCC error < 1.2 on the extremes.
 */

const params = mfccParams(mfccConfigSchema.parse({ contract: 'q31-fast' }));
const plan = prepareMfcc(params);
const fast = new MfccQ31(params);
const q30 = new MfccQ15(mfccParams(mfccConfigSchema.parse({})));

describe('int-arith high-word products (SMMUL / SMMLS)', () => {
  it('mulHi32 = floor(a·w / 2^32) and mulHiCeil32 = ceil(a·w / 2^32), as BigInt computes them', () => {
    const rng = Prng.derive('mulHi32');
    const r = (): number => rng.int(-(2 ** 31), 2 ** 31 - 1);
    const cases: Array<[number, number]> = [
      [-(2 ** 31), -(2 ** 31) + 1],
      [2 ** 31 - 1, 2 ** 31 - 1],
      [-1, 1],
      [1, 1],
      [-(2 ** 31), 2 ** 31 - 1],
    ];
    for (let i = 0; i < 20000; i++) cases.push([r(), r()]);
    for (const [a, w] of cases) {
      const p = BigInt(a) * BigInt(w);
      const floor = p >> 32n;
      const ceil = -(-p >> 32n);
      expect(mulHi32(a, w)).toBe(Number(floor));
      expect(mulHiCeil32(a, w)).toBe(Number(ceil));
    }
  });
});

describe('RealFftQ31', () => {
  it.each([8, 16, 64, 512, 1024, 2048])('N = %i: Y = X / 2^fftShift to a few LSB on random input at the bound', (n) => {
    const rng = Prng.derive(`fft-q31-${n}`);
    const v = Int32Array.from({ length: n }, () => rng.int(-(2 ** 29), 2 ** 29));
    // the L1 bound of the split step: inputs this large only fit for short transforms; scale
    // longer ones so that Σ|v| / 2^fftShift stays under 2^29 as the MFCC window guarantees
    const t = makeRealFftQ31Tables(n);
    let l1 = 0;
    for (const x of v) l1 += Math.abs(x);
    const k = Math.max(1, Math.ceil(l1 / 2 ** t.fftShift / 2 ** 29));
    for (let i = 0; i < n; i++) v[i] = Math.trunc(v[i]! / k);
    const fft = new RealFftQ31(n);
    const re = new Int32Array(n / 2 + 1);
    const im = new Int32Array(n / 2 + 1);
    fft.transform(v, re, im);
    let worst = 0;
    for (let b = 0; b <= n / 2; b++) {
      let sr = 0;
      let si = 0;
      for (let i = 0; i < n; i++) {
        const a = (-2 * Math.PI * ((b * i) % n)) / n;
        sr += v[i]! * Math.cos(a);
        si += v[i]! * Math.sin(a);
      }
      const s = 2 ** t.fftShift;
      worst = Math.max(worst, Math.abs(re[b]! - sr / s), Math.abs(im[b]! - si / s));
    }
    // Every floor errs by −½ LSB on average and a radix-4 output sums four inputs' errors over 4, so
    // the bias adds up stage after stage (measured worst 10.5–12.6 LSB at N = 512–2048, values
    // ~2^28); a wrong twiddle or index is off by ~2^20 or more.
    expect(worst).toBeLessThan(16);
  });

  it('has a radix-2 stage exactly when log2(N/2) is odd, and fftShift = 2 · radix-4 stages', () => {
    expect(makeRealFftQ31Tables(1024)).toMatchObject({ radix2First: true, stages: [2, 8, 32, 128], fftShift: 8 });
    expect(makeRealFftQ31Tables(512)).toMatchObject({ radix2First: false, stages: [1, 4, 16, 64], fftShift: 8 });
    expect(() => makeRealFftQ31Tables(4)).toThrow(RangeError);
  });
});

describe('MfccQ31 (q31-fast) vs computeMfcc (float64) and vs MfccQ15 (q30)', () => {
  const realistic = realisticSignals();

  it.each(realistic.map((s) => [s.name, s] as const))(
    '%s: max abs error < 0.03 vs float, ≤ 1/32 vs the q30 contract',
    (_n, s) => {
      const mine = mfccQ15ToFloat(fast.compute(s.pcm));
      expect(maxAbsDiff(computeMfcc(plan, s.float), mine)).toBeLessThan(0.03);
      expect(maxAbsDiff(mfccQ15ToFloat(q30.compute(s.pcm)), mine)).toBeLessThanOrEqual(1 / 32);
    },
  );

  it('log-mel energies agree within 0.01 dB on speech', () => {
    expect(maxLogMelErrorDb(plan, fast, speechLike('a'))).toBeLessThan(0.01);
  });

  const extremes = extremeSignals();

  it.each(extremes.map((s) => [s.name, s] as const))(
    '%s: every band within 100 dB of the loudest agrees to 0.1 dB; MFCC error < 1.2',
    (_n, s) => {
      expect(maxLogMelErrorDb(plan, fast, s, 100)).toBeLessThan(0.1);
      expect(maxAbsDiff(computeMfcc(plan, s.float), mfccQ15ToFloat(fast.compute(s.pcm)))).toBeLessThan(1.2);
    },
  );

  it('is deterministic and bit-stable (golden digest: change ⇒ bump the features stage version and regenerate C vectors)', () => {
    expect(goldenDigest(fast, () => new MfccQ31(params))).toBe(
      '8e8d899641f20740bd38f223ba79da6bfdd052b1d362a38859ff89871aff1c2b',
    );
  });

  it('is what makeFixedMfcc builds for contract q31-fast, and q30 (or no contract) keeps MfccQ15', () => {
    expect(makeFixedMfcc(params)).toBeInstanceOf(MfccQ31);
    expect(makeFixedMfcc(mfccParams(mfccConfigSchema.parse({ contract: 'q30' })))).toBeInstanceOf(MfccQ15);
    // contract q30 and no contract are the same params (so the same cache keys downstream)
    expect(mfccParams(mfccConfigSchema.parse({ contract: 'q30' }))).toEqual(mfccParams(mfccConfigSchema.parse({})));
    expect(prepareMfccQ31(params).componentBits).toBe(13);
  });

  it('rejects a window too long for the split step (FFT = window, log2 M odd), naming the field', () => {
    const r = mfccConfigSchema.safeParse({ contract: 'q31-fast', windowMs: 64, strideMs: 32, fftSize: 1024 });
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]).toMatchObject({ path: ['contract'] });
    expect(r.error?.issues[0]?.message).toMatch(/1024-sample window in FFT 1024/);
  });
});
