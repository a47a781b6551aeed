import { LOG2_TABLE_Q16, log2Q16 } from '../../../src/dsp/log2-q16';
import { Prng } from '../../../src/util/prng';

describe('log2Q16', () => {
  it('is exact on powers of two and within 3e-5 (log2 units) everywhere', () => {
    for (let e = 0; e < 53; e++) expect(log2Q16(2 ** e)).toBe(e * 65536);
    const rng = Prng.derive('log2');
    let worst = 0;
    const xs: number[] = [3, 5, 7, 1023, 1025, 2 ** 31 - 1, 2 ** 52 + 1, 2 ** 53 - 2];
    for (let i = 0; i < 50000; i++) xs.push(Math.floor(2 ** rng.uniform(0, 53)));
    for (let i = 1; i < 5000; i++) xs.push(i);
    for (const x of xs) {
      if (x < 1) continue;
      worst = Math.max(worst, Math.abs(log2Q16(x) / 65536 - Math.log2(x)));
    }
    expect(worst).toBeLessThan(3e-5); // measured ≈ 2e-5
  });

  it('is monotonic non-decreasing and integer-valued', () => {
    let prev = -Infinity;
    const bad: number[] = [];
    for (let x = 1; x < 70000; x++) {
      const l = log2Q16(x);
      if (!Number.isInteger(l) || l < prev) bad.push(x);
      prev = l;
    }
    expect(bad).toEqual([]);
    expect(LOG2_TABLE_Q16.length).toBe(129);
    expect(LOG2_TABLE_Q16[128]).toBe(65536);
  });

  it('rejects zero (callers apply the log floor instead)', () => {
    expect(() => log2Q16(0)).toThrow(RangeError);
  });
});
