import { brownNoise, humNoise, pinkNoise, whiteNoise } from '../../../src/audio/noise';
import { Prng } from '../../../src/util/prng';
import { bandDb, slopeDbPerOctave, welchPsd } from './spectrum';

const SR = 16000;
const N = SR * 8;
const rng = (k: string): Prng => Prng.derive('noise-test', k);

function meanAndRms(x: Float32Array): [number, number] {
  let s = 0;
  let q = 0;
  for (const v of x) {
    s += v;
    q += v * v;
  }
  return [s / x.length, Math.sqrt(q / x.length)];
}

describe('noise colours: spectral slope per octave (125 Hz – 4 kHz)', () => {
  it('white is flat', () => {
    expect(Math.abs(slopeDbPerOctave(whiteNoise(N, rng('w')), SR, 125, 5))).toBeLessThan(0.5);
  });
  it('pink falls 3 dB per octave', () => {
    expect(slopeDbPerOctave(pinkNoise(N, rng('p')), SR, 125, 5)).toBeCloseTo(-3, 0);
  });
  it('brown falls 6 dB per octave', () => {
    expect(slopeDbPerOctave(brownNoise(N, SR, rng('b')), SR, 125, 4)).toBeGreaterThan(-6.8);
    expect(slopeDbPerOctave(brownNoise(N, SR, rng('b')), SR, 125, 4)).toBeLessThan(-5.2);
  });
  it('all have zero mean and unit RMS (the mixer sets the level)', () => {
    for (const x of [
      whiteNoise(N, rng('w')),
      pinkNoise(N, rng('p')),
      brownNoise(N, SR, rng('b')),
      humNoise(N, SR, 50, rng('h')),
    ]) {
      const [m, r] = meanAndRms(x);
      expect(Math.abs(m)).toBeLessThan(0.05);
      expect(r).toBeGreaterThan(0.7);
      expect(r).toBeLessThan(1.3);
    }
  });
  it('is deterministic for a given generator', () => {
    expect(Array.from(pinkNoise(1000, rng('same')))).toEqual(Array.from(pinkNoise(1000, rng('same'))));
    expect(Array.from(pinkNoise(1000, rng('same')))).not.toEqual(Array.from(pinkNoise(1000, rng('other'))));
  });
});

describe('mains hum', () => {
  for (const hz of [50, 60] as const) {
    it(`${hz} Hz: energy at the fundamental and its harmonics, not between them`, () => {
      const psd = welchPsd(humNoise(N, SR, hz, rng(`hum${hz}`)), 4096);
      const at = (f: number): number => bandDb(psd, SR, f - 4, f + 4);
      for (const k of [1, 2, 3]) expect(at(k * hz)).toBeGreaterThan(at(k * hz + hz / 2) + 20);
    });
  }
});
