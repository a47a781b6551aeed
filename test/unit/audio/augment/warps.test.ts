import { applyFormantShift } from '../../../../src/audio/augment/formant-shift';
import { applyVtlp, vtlpUnwarp, vtlpWarp } from '../../../../src/audio/augment/vtlp';
import { welchPsd } from '../spectrum';

const SR = 16000;

/** Frequency of the strongest PSD bin (4096-point Welch, 3.9 Hz bins) with parabolic interpolation. */
function peakHz(x: Float32Array, lo = 50, hi = 7900): number {
  const size = 4096;
  const psd = welchPsd(x, size);
  const binHz = SR / size;
  let k = Math.ceil(lo / binHz);
  for (let i = k; i < hi / binHz; i++) if (psd[i]! > psd[k]!) k = i;
  const a = Math.log(psd[k - 1]!);
  const b = Math.log(psd[k]!);
  const c = Math.log(psd[k + 1]!);
  return (k + (0.5 * (a - c)) / (a - 2 * b + c)) * binHz;
}

describe('VTLP', () => {
  it('the warp is continuous, fixes 0 and Nyquist, and inverts', () => {
    for (const a of [0.9, 1.1]) {
      expect(vtlpWarp(0, a, SR)).toBe(0);
      expect(vtlpWarp(8000, a, SR)).toBeCloseTo(8000, 9);
      for (const f of [100, 3000, 4363, 4364, 6000]) expect(vtlpUnwarp(vtlpWarp(f, a, SR), a, SR)).toBeCloseTo(f, 6);
    }
  });

  it('moves a tone by the warp factor', () => {
    const x = Float32Array.from({ length: SR }, (_, i) => 0.3 * Math.sin((2 * Math.PI * 1000 * i) / SR));
    for (const a of [0.9, 1.1]) {
      expect(Math.abs(peakHz(applyVtlp(x, a, SR)) - 1000 * a)).toBeLessThan(5);
    }
    expect(Math.abs(peakHz(applyVtlp(x, 1.04, SR)) - 1040)).toBeLessThan(5);
  });

  it('is deterministic and keeps the level', () => {
    const x = Float32Array.from({ length: SR }, (_, i) => Math.sin(i * 0.05) * Math.sin(i * 0.0007));
    const a = applyVtlp(x, 1.07, SR);
    expect(Buffer.from(a.buffer).equals(Buffer.from(applyVtlp(x, 1.07, SR).buffer))).toBe(true);
    const power = (v: Float32Array): number => v.reduce((s, t) => s + t * t, 0);
    expect(power(a) / power(x)).toBeCloseTo(1, 4);
  });
});

describe('formant shift', () => {
  // A 125 Hz pulse train through a resonance at 1000 Hz (200 Hz bandwidth): a vowel-like
  // source with one formant.
  const vowel = ((): Float32Array => {
    const r = Math.exp((-Math.PI * 200) / SR);
    const w = (2 * Math.PI * 1000) / SR;
    const x = new Float32Array(SR);
    let y1 = 0;
    let y2 = 0;
    for (let i = 0; i < SR; i++) {
      const e = i % 128 === 0 ? 1 : 0;
      const y = e + 2 * r * Math.cos(w) * y1 - r * r * y2;
      y2 = y1;
      y1 = y;
      x[i] = y;
    }
    return x;
  })();

  /** Power-weighted mean frequency over 400–2500 Hz: where the formant sits. */
  function centroid(x: Float32Array): number {
    const psd = welchPsd(x, 2048);
    const binHz = SR / 2048;
    let s = 0;
    let w = 0;
    for (let k = Math.ceil(400 / binHz); k < 2500 / binHz; k++) {
      s += k * binHz * psd[k]!;
      w += psd[k]!;
    }
    return s / w;
  }

  it('moves the formant most of the way to the factor and keeps the harmonics (pitch) in place', () => {
    const base = centroid(vowel);
    for (const beta of [0.9, 1.15]) {
      const y = applyFormantShift(vowel, beta, SR);
      // The envelope is smoothed over 300 Hz, so a little of the peak stays in the fine
      // structure: the centroid moves by 60–130 % of the warp, in its direction.
      const moved = (centroid(y) / base - 1) / (beta - 1);
      expect(moved).toBeGreaterThan(0.6);
      expect(moved).toBeLessThan(1.3);
      // Harmonics stay at multiples of 125 Hz: the strongest one is still on that grid.
      const f = peakHz(y, 500, 2500);
      expect(Math.abs(f / 125 - Math.round(f / 125))).toBeLessThan(0.08);
    }
    // VTLP by contrast moves the harmonics off the grid (1.04 × 125 Hz spacing).
    const v = peakHz(applyVtlp(vowel, 1.04, SR), 500, 2500);
    expect(Math.abs(v / 130 - Math.round(v / 130))).toBeLessThan(0.08);
  });
});
