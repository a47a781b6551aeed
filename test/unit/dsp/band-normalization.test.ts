import { fitBandNormalization, normalizeBandsFixed, normalizeBandsFloat } from '../../../src/dsp/band-normalization';

describe('per-band log-mel standardization', () => {
  it('fits Q5 means and Q15 reciprocal sds per band, and the integer and float transforms agree', () => {
    // Band 0: −60, −50 dB (mean −55, sd 5); band 1: constant −20 dB (sd floored at 1/8).
    const values = Float32Array.from([-60, -20, -50, -20]);
    const n = fitBandNormalization(values, 2);
    expect(n.meanQ5).toEqual([-55 * 32, -20 * 32]);
    expect(n.gainQ15).toEqual([Math.round(32768 / 5), 32768 * 8]);
    const fixed = normalizeBandsFixed(values, 2, n);
    // (−60·32 + 55·32)·6554 >> 15 = −160·6554/32768 = −32.002 → −32 (Q5) = −1.
    expect(Array.from(fixed)).toEqual([-1, 0, 1, 0]);
    const float = normalizeBandsFloat(values, 2, n);
    for (let i = 0; i < 4; i++) expect(Math.abs(float[i]! - fixed[i]!)).toBeLessThan(1 / 32);
  });
});
