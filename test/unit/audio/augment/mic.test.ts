import { applyMemsResponse, bandLimit, memsMagnitude } from '../../../../src/audio/augment/mic';
import { dbfs } from '../../../../src/audio/mix';

const SR = 16000;
const tone = (hz: number, n = SR): Float32Array =>
  Float32Array.from({ length: n }, (_, i) => 0.5 * Math.sin((2 * Math.PI * hz * i) / SR));
/** Level change in dB over the second half (past the filters' transients). */
const gainDb = (x: Float32Array, y: Float32Array): number => dbfs(y, x.length / 2) - dbfs(x, x.length / 2);

describe('bandLimit', () => {
  it('attenuates tones below the high-pass and above the low-pass, passes the band', () => {
    const limits = { highPassHz: 300, lowPassHz: 3400 };
    expect(gainDb(tone(50), bandLimit(tone(50), limits, SR))).toBeLessThan(-55);
    expect(gainDb(tone(150), bandLimit(tone(150), limits, SR))).toBeLessThan(-20);
    expect(gainDb(tone(7000), bandLimit(tone(7000), limits, SR))).toBeLessThan(-30);
    expect(Math.abs(gainDb(tone(1000), bandLimit(tone(1000), limits, SR)))).toBeLessThan(0.5);
  });

  it('the −3 dB points are at the corners', () => {
    const limits = { highPassHz: 200, lowPassHz: 4000 };
    expect(gainDb(tone(200), bandLimit(tone(200), limits, SR))).toBeCloseTo(-3, 0);
    expect(gainDb(tone(4000), bandLimit(tone(4000), limits, SR))).toBeCloseTo(-3, 0);
  });

  it('a low-pass at Nyquist is skipped', () => {
    const x = tone(7500);
    const y = bandLimit(x, { highPassHz: 0, lowPassHz: 8000 }, SR);
    expect(Buffer.from(y.buffer).equals(Buffer.from(x.buffer))).toBe(true);
  });
});

describe('applyMemsResponse', () => {
  const m = { lowCornerHz: 100, resonanceHz: 11000, resonanceQ: 3 };
  it('follows the modelled magnitude: low-end roll-off and the resonance skirt toward 8 kHz', () => {
    for (const hz of [40, 100, 1000, 4000, 7000]) {
      const x = tone(hz);
      const expected = 20 * Math.log10(memsMagnitude(hz, m));
      expect(gainDb(x, applyMemsResponse(x, m, SR))).toBeCloseTo(expected, 0);
    }
    expect(20 * Math.log10(memsMagnitude(7000, m) / memsMagnitude(1000, m))).toBeGreaterThan(3);
    expect(20 * Math.log10(memsMagnitude(40, m) / memsMagnitude(1000, m))).toBeLessThan(-7);
  });

  it('keeps the signal aligned (linear phase, delay removed)', () => {
    const x = new Float32Array(2000);
    x[1000] = 1;
    const y = applyMemsResponse(x, { lowCornerHz: 1, resonanceHz: 12000, resonanceQ: 2 }, SR);
    let at = 0;
    for (let i = 0; i < y.length; i++) if (Math.abs(y[i]!) > Math.abs(y[at]!)) at = i;
    expect(at).toBe(1000);
  });
});
