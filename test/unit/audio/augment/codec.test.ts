import {
  aLawRoundTrip,
  MU,
  muLawRoundTrip,
  quantizeBits,
  telephoneRoundTrip,
} from '../../../../src/audio/augment/codec';
import { dbfs } from '../../../../src/audio/mix';

const SR = 16000;
const ramp = Float32Array.from({ length: 20001 }, (_, i) => -1 + i / 10000);

describe('G.711 companding round trips', () => {
  it('μ-law error is bounded by half a code step of the log curve', () => {
    const y = muLawRoundTrip(ramp);
    // |dx/dy| = ln(1+μ)·(1/μ + |x|), growing by at most e^(ln(1+μ)/254) over half a step
    // (1/254 of y), so |x̂ − x| ≤ ln(1+μ)/254 · (1/μ + |x|) · e^(ln(1+μ)/254).
    const growth = Math.exp(Math.log1p(MU) / 254);
    for (let i = 0; i < ramp.length; i++) {
      const bound = (Math.log1p(MU) / 254) * (1 / MU + Math.abs(ramp[i]!)) * growth + 1e-7;
      expect(Math.abs(y[i]! - ramp[i]!)).toBeLessThanOrEqual(bound);
    }
  });

  it('μ-law and A-law keep relative error small for loud samples and have 255 output levels', () => {
    for (const f of [muLawRoundTrip, aLawRoundTrip]) {
      const y = f(ramp);
      for (let i = 0; i < ramp.length; i++) {
        if (Math.abs(ramp[i]!) > 0.1) expect(Math.abs(y[i]! - ramp[i]!) / Math.abs(ramp[i]!)).toBeLessThan(0.03);
      }
      expect(new Set(y).size).toBe(255);
    }
  });

  it('quantizeBits error is at most half a step (below the top code, where it clamps)', () => {
    for (const bits of [4, 8, 12]) {
      const y = quantizeBits(ramp, bits);
      const q = 2 ** (bits - 1);
      for (let i = 0; i < ramp.length; i++) {
        if (ramp[i]! <= (q - 1) / q) expect(Math.abs(y[i]! - ramp[i]!)).toBeLessThanOrEqual(0.5 / q + 1e-7);
      }
    }
  });
});

describe('telephoneRoundTrip', () => {
  const tone = (hz: number): Float32Array =>
    Float32Array.from({ length: SR }, (_, i) => 0.3 * Math.sin((2 * Math.PI * hz * i) / SR));
  it('removes what is above 4 kHz and keeps the voice band', () => {
    expect(dbfs(telephoneRoundTrip(tone(6000), SR), 2000, 14000) - dbfs(tone(6000))).toBeLessThan(-30);
    expect(Math.abs(dbfs(telephoneRoundTrip(tone(1000), SR), 2000, 14000) - dbfs(tone(1000)))).toBeLessThan(0.5);
  });
});
