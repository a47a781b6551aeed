import { accuracyHalfWidth95, accuracyInterval95, formatHalfWidth95 } from '../../../src/eval/accuracy-interval';

describe('accuracy interval (95 % Wilson)', () => {
  it('matches hand-computed Wilson bounds', () => {
    // p = 0.8, n = 100: centre (0.8 + 1.96²/200) / (1 + 1.96²/100) = 0.819208 / 1.038416 = 0.788901,
    // half 1.96 / 1.038416 · √(0.0016 + 0.00009604) = 1.887490 · 0.041183 = 0.077733 → [0.71117, 0.86663].
    const { low, high } = accuracyInterval95(0.8, 100);
    expect(low).toBeCloseTo(0.71117, 4);
    expect(high).toBeCloseTo(0.86663, 4);
  });

  it('is never empty at 0 % or 100 %, and narrows with more clips', () => {
    expect(accuracyInterval95(1, 7)).toEqual({ low: expect.closeTo(0.64566, 4) as number, high: 1 });
    expect(accuracyInterval95(0, 7).low).toBe(0);
    expect(accuracyHalfWidth95(1, 7)).toBeGreaterThan(0.3);
    expect(accuracyHalfWidth95(0.8, 400)).toBeLessThan(accuracyHalfWidth95(0.8, 100));
    // With n large the Wilson interval approaches the normal one: 1.96·√(0.16/10000) = 0.00784.
    expect(accuracyHalfWidth95(0.8, 10_000)).toBeCloseTo(0.00784, 3);
  });

  it('reports the larger side of an asymmetric interval, and the whole range for no clips', () => {
    const { low, high } = accuracyInterval95(0.9, 20);
    expect(0.9 - low).toBeGreaterThan(high - 0.9);
    expect(accuracyHalfWidth95(0.9, 20)).toBeCloseTo(0.9 - low, 12);
    expect(accuracyInterval95(0.5, 0)).toEqual({ low: 0, high: 1 });
    expect(formatHalfWidth95(0.5, 100)).toBe('±9.6');
  });
});
