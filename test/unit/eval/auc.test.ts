import { anomalyMetrics, auc, pauc, ratesAt, rocCurve, thresholdForFalseAlarms } from '../../../src/eval/auc';
import { Prng } from '../../../src/util/prng';

/** The pair-counting definitions, written out (DCASE 2020 task 2), to check the ROC areas against. */
function pairAuc(normal: number[], anomalous: number[]): number {
  let s = 0;
  for (const n of normal) for (const a of anomalous) s += a > n ? 1 : a === n ? 0.5 : 0;
  return s / (normal.length * anomalous.length);
}
function pairPauc(normal: number[], anomalous: number[], p: number): number {
  const top = [...normal].sort((a, b) => b - a).slice(0, Math.floor(p * normal.length));
  return pairAuc(top, anomalous);
}

describe('AUC and pAUC', () => {
  it('hand-made scores: perfect, inverted, chance and one swap', () => {
    expect(auc([1, 2, 3], [4, 5])).toBe(1);
    expect(auc([4, 5], [1, 2, 3])).toBe(0);
    expect(auc([1, 1], [1, 1])).toBe(0.5);
    // normals 1 2 3 4, anomalies 3.5 5: pairs won 3 + 4 = 7 of 8.
    expect(auc([1, 2, 3, 4], [3.5, 5])).toBe(7 / 8);
  });

  it('ties count one half (Mann–Whitney)', () => {
    // normals 1 2 3, anomalies 2 3: 2>1 (1), 2=2 (½), 3>1, 3>2 (2), 3=3 (½) → 4 of 6.
    expect(auc([1, 2, 3], [2, 3])).toBeCloseTo(4 / 6, 12);
    const roc = rocCurve([1, 2, 3], [2, 3]);
    expect(roc.map((r) => [r.fpr, r.tpr])).toEqual([
      [0, 0],
      [1 / 3, 1 / 2],
      [2 / 3, 1],
      [1, 1],
    ]);
  });

  it('pAUC over FPR ≤ p, normalized by p, equals the DCASE pair count when p·N− is whole', () => {
    const normal = Array.from({ length: 20 }, (_, i) => i);
    // Anomalies 18.5 and 30: the top 2 normals (19, 18) → 18.5 beats 18 only; 30 beats both. 3 of 4.
    expect(pauc(normal, [18.5, 30], 0.1)).toBeCloseTo(0.75, 12);
    expect(pauc(normal, [30, 31], 0.1)).toBe(1);
    expect(pauc(normal, [-1, -2], 0.1)).toBe(0);
    const rng = Prng.derive(1, 'auc');
    for (let k = 0; k < 20; k++) {
      const n = Array.from({ length: 50 }, () => Math.round(rng.normal() * 4) / 2);
      const a = Array.from({ length: 30 }, () => Math.round((rng.normal() + 1) * 4) / 2);
      expect(auc(n, a)).toBeCloseTo(pairAuc(n, a), 12);
      // Ties among normals at the cut make the pair count depend on the order; without ties it must agree.
      const distinct = n.map((v, i) => v + i * 1e-6);
      expect(pauc(distinct, a, 0.1)).toBeCloseTo(pairPauc(distinct, a, 0.1), 12);
    }
  });

  it('pAUC interpolates the ROC at FPR = p when p·N− is not whole', () => {
    // 4 normals, p = 0.1: FPR 0.1 lies inside the first step (0 → 0.25). Anomaly above all
    // normals → TPR 1 from FPR 0: pAUC 1. One anomaly tied with the top normal: the
    // diagonal (0,0)→(0.25,1) gives area 0.1·0.4/2 = 0.02 → 0.2.
    expect(pauc([1, 2, 3, 4], [5], 0.1)).toBeCloseTo(1, 12);
    expect(pauc([1, 2, 3, 4], [4], 0.1)).toBeCloseTo(0.2, 12);
  });

  it('per ID, per type and averaged; an ID without anomalies is an error naming it', () => {
    const clips = [
      { type: 'fan', id: 'id_00', anomalous: false, score: 1 },
      { type: 'fan', id: 'id_00', anomalous: true, score: 2 },
      { type: 'fan', id: 'id_02', anomalous: false, score: 3 },
      { type: 'fan', id: 'id_02', anomalous: true, score: 2 },
      { type: 'slider', id: 'id_00', anomalous: false, score: 0 },
      { type: 'slider', id: 'id_00', anomalous: true, score: 0 },
    ];
    const m = anomalyMetrics(clips);
    expect(m.ids.map((r) => [r.type, r.id, r.auc])).toEqual([
      ['fan', 'id_00', 1],
      ['fan', 'id_02', 0],
      ['slider', 'id_00', 0.5],
    ]);
    expect(m.types).toEqual([
      { type: 'fan', auc: 0.5, pauc: 0.5 },
      { type: 'slider', auc: 0.5, pauc: expect.closeTo(0.05, 12) },
    ]);
    expect(m.auc).toBeCloseTo(0.5, 12);
    expect(() => anomalyMetrics([{ type: 'pump', id: 'id_04', anomalous: false, score: 1 }])).toThrow(
      'machine pump id_04',
    );
  });

  it('threshold for a false-alarm rate on validation normals, and its TPR/FPR', () => {
    const normals = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    const t = thresholdForFalseAlarms(normals, 0.1);
    expect(ratesAt(normals, [], t).fpr).toBe(0.1);
    expect(t).toBeGreaterThan(9);
    expect(t).toBeLessThanOrEqual(10);
    expect(t).toBe(9.5);
    expect(ratesAt(normals, [9.4, 11, 12, 0], t)).toEqual({ tpr: 0.5, fpr: 0.1 });
    // Ties at the cut do not alarm: 2 of 10 normals tie at the top, 10 % allowed → neither alarms.
    expect(
      ratesAt([1, 2, 3, 4, 5, 6, 7, 8, 10, 10], [], thresholdForFalseAlarms([1, 2, 3, 4, 5, 6, 7, 8, 10, 10], 0.1)).fpr,
    ).toBe(0);
    expect(ratesAt(normals, [], thresholdForFalseAlarms(normals, 0)).fpr).toBe(0);
  });
});
