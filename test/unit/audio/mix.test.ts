import { activeExtent } from '../../../src/audio/activity';
import {
  applyPeakSafety,
  dbfs,
  gainToDbfs,
  meanPower,
  mixAtSnr,
  overlay,
  peak,
  timeShift,
} from '../../../src/audio/mix';
import { whiteNoise } from '../../../src/audio/noise';
import { Prng } from '../../../src/util/prng';

const tone = (n: number, amp: number): Float32Array =>
  Float32Array.from({ length: n }, (_, i) => amp * Math.sin(i * 0.05));

describe('levels', () => {
  it('dBFS is RMS re full scale: full-scale sine ≈ −3.01 dBFS, silence −Infinity', () => {
    expect(dbfs(tone(16000, 1))).toBeCloseTo(-3.01, 1);
    expect(dbfs(new Float32Array(10))).toBe(-Infinity);
  });
  it('gainToDbfs reaches the target', () => {
    for (const target of [-40, -20, -6]) expect(dbfs(gainToDbfs(tone(8000, 0.01), target))).toBeCloseTo(target, 2);
  });
});

describe('mixAtSnr', () => {
  const noise = whiteNoise(20000, Prng.derive('mix-test'));
  for (const snr of [-5, 0, 10, 27.5]) {
    it(`gives ${snr} dB SNR within 0.1 dB`, () => {
      const sig = tone(16000, 0.3);
      const { mix, noiseGain } = mixAtSnr(sig, noise, snr);
      const residual = Float32Array.from(mix, (v, i) => v - sig[i]!);
      const measured = 10 * Math.log10(meanPower(sig) / meanPower(residual));
      expect(Math.abs(measured - snr)).toBeLessThan(0.1);
      expect(noiseGain).toBeGreaterThan(0);
    });
  }
  it('measures SNR against an explicit speech power when given one', () => {
    // A word in the middle of silence: SNR relative to the word's own power.
    const sig = new Float32Array(16000);
    overlay(sig, tone(4000, 0.5), 6000);
    const wordPower = meanPower(sig, 6000, 10000);
    const { mix } = mixAtSnr(sig, noise, 10, wordPower);
    const residual = Float32Array.from(mix, (v, i) => v - sig[i]!);
    expect(10 * Math.log10(wordPower / meanPower(residual))).toBeCloseTo(10, 1);
  });
  it('rejects noise shorter than the signal', () => {
    expect(() => mixAtSnr(new Float32Array(10), new Float32Array(5), 0)).toThrow(RangeError);
  });
});

describe('timeShift, overlay, peak safety, active extent', () => {
  it('shifts with zero fill, both directions', () => {
    const x = Float32Array.from([1, 2, 3, 4]);
    expect(Array.from(timeShift(x, 1))).toEqual([0, 1, 2, 3]);
    expect(Array.from(timeShift(x, -2))).toEqual([3, 4, 0, 0]);
    expect(Array.from(timeShift(x, 9))).toEqual([0, 0, 0, 0]);
  });
  it('overlay adds with gain and drops what falls outside', () => {
    const d = new Float32Array(4).fill(1);
    overlay(d, Float32Array.from([1, 1, 1]), 2, 0.5);
    expect(Array.from(d)).toEqual([1, 1, 1.5, 1.5]);
  });
  it('peak safety scales (never clips) only when needed', () => {
    const x = Float32Array.from([0.5, -1.5, 1.2]);
    const g = applyPeakSafety(x, 0.9);
    expect(g).toBeCloseTo(0.6, 6);
    expect(peak(x)).toBeCloseTo(0.9, 6);
    expect(x[0]! / x[2]!).toBeCloseTo(0.5 / 1.2, 6);
    expect(applyPeakSafety(Float32Array.from([0.1, -0.2]), 0.9)).toBe(1);
  });
  it('active extent finds the first and last sample above −40 dB re peak', () => {
    const x = new Float32Array(1000);
    x[100] = 0.005; // −46 dB: below the threshold (an echo tail)
    x[200] = 0.02; // −34 dB: part of the word (e.g. a fricative onset)
    x[500] = 1;
    x[700] = -0.02;
    expect(activeExtent(x)).toEqual({ start: 200, end: 701 });
    expect(activeExtent(x, -50)).toEqual({ start: 100, end: 701 });
    expect(activeExtent(new Float32Array(10))).toBeUndefined();
  });
});
