import { ratesAt } from '../../../src/eval/auc';
import { operatingThresholds, rankThreshold } from '../../../src/eval/operating-threshold';
import { Prng } from '../../../src/util/prng';

describe('operating thresholds (rank rule, expected false-alarm rate ≤ α)', () => {
  it('alarms above the ⌊α(n+1)⌋-th highest normal', () => {
    const normals = [3, 1, 4, 1.5, 9, 2, 6, 5, 8, 7, 0, 2.5, 10, 11, 12, 13, 14, 15, 16]; // n = 19
    // α = 0.1: k = ⌊2⌋ = 2 → just above the 2nd highest (15), below 16: only 16 of the normals alarms.
    const t = rankThreshold(normals, 0.1);
    expect(t).toBe(15.5);
    expect(ratesAt(normals, [15.4, 15.6], t)).toEqual({ tpr: 0.5, fpr: 1 / 19 });
    // α = 0.2: k = 4 → between 13 and 14.
    expect(rankThreshold(normals, 0.2)).toBe(13.5);
  });

  it('with 4 normals and α = 0.1 (k = 0) it alarms only above the highest, never below it', () => {
    const t = rankThreshold([0.2, -1, 0.9, 0.5], 0.1);
    expect(t).toBeGreaterThan(0.9);
    expect(t).toBeLessThan(0.9 + 1e-9);
    expect(ratesAt([0.2, -1, 0.9, 0.5], [], t).fpr).toBe(0);
  });

  it('ties with the k-th highest score do not alarm', () => {
    // n = 9, α = 0.2: k = 2; the 2nd highest is 5, tied three times; the next higher is 7.
    const normals = [1, 2, 3, 4, 5, 5, 5, 7, 0];
    const t = rankThreshold(normals, 0.2);
    expect(t).toBe(6);
    expect(ratesAt(normals, [5, 6, 7], t)).toEqual({ tpr: 2 / 3, fpr: 1 / 9 });
    // All equal: just above them.
    expect(ratesAt([2, 2, 2], [], rankThreshold([2, 2, 2], 0.5)).fpr).toBe(0);
  });

  it('α = 1 alarms on everything; bad input is an error', () => {
    expect(rankThreshold([1, 2, 3], 1)).toBe(-Infinity);
    expect(() => rankThreshold([], 0.1)).toThrow(/no normal scores/);
    expect(() => rankThreshold([1, Number.NaN], 0.1)).toThrow(/not finite/);
    expect(() => rankThreshold([1], 1.5)).toThrow(/not in \[0, 1\]/);
    expect(() => operatingThresholds([[1, 2], []], 0.1, 'rank')).toThrow(/machine 1 has no normal scores/);
  });

  it('pooled: one z over all IDs standardized by their own mean and sd, mapped back per ID', () => {
    // ID 0: 0, 1, 2 (mean 1, sd 1); ID 1: 10, 20, 30 (mean 20, sd 10): both standardize to −1, 0, 1.
    // 6 pooled z, α = 0.5: k = ⌊3.5⌋ = 3 → z just above the 3rd highest (between 0 and 1: 0.5).
    const t = operatingThresholds(
      [
        [0, 1, 2],
        [10, 20, 30],
      ],
      0.5,
      'pooled',
    );
    expect(t[0]).toBeCloseTo(1.5, 12);
    expect(t[1]).toBeCloseTo(25, 12);
    // The rank rule on 3 normals per ID (α = 0.3: k = ⌊1.2⌋ = 1) can only alarm above each highest normal.
    expect(operatingThresholds([[0, 1, 2]], 0.3, 'rank')[0]).toBeGreaterThan(2);
    // shift: 0, 1, 2 → −1, 0, 1 and 10, 20, 30 → −10, 0, 10; α = 0.5: k = 3 → just above 0 (0.5).
    const shifted = operatingThresholds(
      [
        [0, 1, 2],
        [10, 20, 30],
      ],
      0.5,
      'shift',
    );
    expect(shifted[0]).toBeCloseTo(1.5, 12);
    expect(shifted[1]).toBeCloseTo(20.5, 12);
    // An ID that cannot be standardized (all equal) falls back to its own rank threshold.
    const [, flat] = operatingThresholds(
      [
        [0, 1, 2],
        [4, 4, 4],
      ],
      0.3,
      'pooled',
    );
    expect(flat).toBeGreaterThan(4);
    expect(flat).toBeLessThan(4 + 1e-9);
  });

  it('keeps a new normal’s false-alarm rate near α where the old rank rule on 4 normals doubles it', () => {
    // Gaussian normals of 16 IDs with their own location and scale; 14 normals each to choose on,
    // 2000 fresh normals each to measure on (seeded: the same figures on every run).
    const rng = Prng.derive('operating-threshold-test');
    const gauss = (): number => rng.normal();
    const ids = Array.from({ length: 16 }, (_, i) => ({ loc: i, scale: 1 + (i % 4) }));
    const draw = (n: number, id: { loc: number; scale: number }): number[] =>
      Array.from({ length: n }, () => id.loc + id.scale * gauss());
    const chosenOn = ids.map((id) => draw(14, id));
    const fresh = ids.map((id) => draw(2000, id));
    const fpr = (t: number[]): number => fresh.reduce((a, f, i) => a + ratesAt(f, [], t[i]!).fpr, 0) / fresh.length;
    const pooled = fpr(operatingThresholds(chosenOn, 0.1, 'pooled'));
    expect(pooled).toBeGreaterThan(0.05);
    expect(pooled).toBeLessThan(0.13);
    const rank = fpr(operatingThresholds(chosenOn, 0.1, 'rank')); // k = 1 of 14: ≈ 1/15
    expect(rank).toBeLessThan(0.1);
    const fromFour = fpr(
      operatingThresholds(
        chosenOn.map((c) => c.slice(0, 4)),
        0.1,
        'rank',
      ),
    ); // ≈ 1/5
    expect(fromFour).toBeGreaterThan(0.12);
  });
});
