import { factoryBackground } from '../../../src/machine/factory';
import { Prng } from '../../../src/util/prng';

const SR = 16000;

/** Power of x (a whole number of seconds long, so k·hz Hz is a DFT bin) in the bins k·hz, k = 1..6, as a share of its total power. */
function harmonicShare(x: Float64Array, hz: number): number {
  let total = 0;
  for (const v of x) total += v * v;
  let sum = 0;
  for (let k = 1; k <= 6; k++) {
    let re = 0;
    let im = 0;
    const w = (2 * Math.PI * k * hz) / SR;
    for (let i = 0; i < x.length; i++) {
      re += x[i]! * Math.cos(w * i);
      im -= x[i]! * Math.sin(w * i);
    }
    // Parseval for a real signal: a bin and its mirror together hold 2|X_k|² / N of Σx².
    sum += (2 * (re * re + im * im)) / x.length;
  }
  return sum / total;
}

describe('factoryBackground', () => {
  it('returns RMS 1 and the mix it drew: power shares summing to 1, the hum at 50 or 60 Hz', () => {
    for (let seed = 0; seed < 6; seed++) {
      const { signal, mix } = factoryBackground(SR, SR, Prng.derive(seed, 'bg'));
      const rmsValue = Math.sqrt(signal.reduce((s, v) => s + v * v, 0) / signal.length);
      expect(rmsValue).toBeCloseTo(1, 9);
      expect(mix.brownShare + mix.pinkShare + mix.humShare).toBeCloseTo(1, 12);
      expect([50, 60]).toContain(mix.humHz);
      for (const share of [mix.brownShare, mix.pinkShare, mix.humShare]) {
        expect(share).toBeGreaterThanOrEqual(0);
        expect(share).toBeLessThanOrEqual(1);
      }
    }
  });

  it('records the hum that is in the signal: its share of the power sits at the recorded frequency’s harmonics', () => {
    let checked = 0;
    for (let seed = 0; seed < 12; seed++) {
      // 4 s: the brown noise (10 Hz low-pass) has enough independent stretches that its chance
      // correlation with the hum, which the RMS normalization sees, stays small.
      const { signal, mix } = factoryBackground(4 * SR, SR, Prng.derive(seed, 'bg'));
      if (mix.humShare < 0.08) continue; // too little hum to tell from the noise in 6 bins
      checked++;
      const other = mix.humHz === 50 ? 60 : 50;
      // The hum's whole power is in those 6 bins; brown and pink noise add under 2 % there
      // (the other frequency's bins share only 300 Hz with them).
      expect(Math.abs(harmonicShare(signal, mix.humHz) - mix.humShare)).toBeLessThan(0.025);
      expect(harmonicShare(signal, other)).toBeLessThan(mix.humShare / 3);
    }
    expect(checked).toBeGreaterThanOrEqual(3);
  });

  it('draws the same signal and mix from the same generator state', () => {
    const a = factoryBackground(4000, SR, Prng.derive(3, 'bg'));
    const b = factoryBackground(4000, SR, Prng.derive(3, 'bg'));
    expect(b.mix).toEqual(a.mix);
    expect(Buffer.from(b.signal.buffer).equals(Buffer.from(a.signal.buffer))).toBe(true);
  });
});
