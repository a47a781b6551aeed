import { clipAnomalyScores, isAbnormalPath, patchNegLogProbs, PROB_FLOOR } from '../../../src/eval/anomaly-scores';

describe('clip anomaly scores', () => {
  const rows = {
    labels: ['fan/id_00', 'fan/id_02'],
    labelIndex: [0, 0, 1, 1],
    clips: [
      'fan/id_00/normal/a.wav',
      'fan/id_00/normal/a.wav',
      'fan/id_02/abnormal/b_rattle.wav',
      'fan/id_02/abnormal/b_rattle.wav',
    ],
  };
  // Posteriors per row: [p(id_00), p(id_02)].
  const post = Float32Array.from([0.5, 0.5, 0.25, 0.75, 0.9, 0.1, 0, 1]);

  it('per patch: −log p of the row’s own ID, floored; their clip mean is the neg-log-prob clip score', () => {
    const perPatch = patchNegLogProbs(rows, post);
    expect(Array.from(perPatch)).toEqual([
      -Math.log(0.5),
      -Math.log(Math.fround(0.25)),
      -Math.log(Math.fround(0.1)),
      -Math.log(1),
    ]);
    const clip = clipAnomalyScores(rows, post, 'neg-log-prob');
    expect(clip[0]!.score).toBeCloseTo((perPatch[0]! + perPatch[1]!) / 2, 12);
    expect(patchNegLogProbs({ labels: ['a/id_00', 'a/id_01'], labelIndex: [1] }, Float32Array.from([1, 0]))[0]).toBe(
      -Math.log(PROB_FLOOR),
    );
    expect(() => patchNegLogProbs(rows, Float32Array.from([1]))).toThrow(/1 posteriors for 4 rows × 2 classes/);
  });

  it("mean over a clip's patches of −log p(true ID)", () => {
    const s = clipAnomalyScores(rows, post);
    expect(s.map((c) => [c.clip, c.type, c.id, c.anomalous, c.patches])).toEqual([
      ['fan/id_00/normal/a.wav', 'fan', 'id_00', false, 2],
      ['fan/id_02/abnormal/b_rattle.wav', 'fan', 'id_02', true, 2],
    ]);
    expect(s[0]!.score).toBeCloseTo((-Math.log(0.5) - Math.log(0.25)) / 2, 6);
    expect(s[1]!.score).toBeCloseTo((-Math.log(0.1) - Math.log(1)) / 2, 6);
  });

  it('one-minus-prob, and a zero probability is floored instead of giving Infinity', () => {
    expect(clipAnomalyScores(rows, post, 'one-minus-prob')[0]!.score).toBeCloseTo((0.5 + 0.75) / 2, 6);
    const zero = clipAnomalyScores({ ...rows, labelIndex: [0, 0, 0, 0] }, post);
    expect(zero[1]!.score).toBeCloseTo((-Math.log(0.9) - Math.log(PROB_FLOOR)) / 2, 4);
  });

  it('condition comes from the dataset path; mismatched sizes are refused', () => {
    expect(isAbnormalPath('slider/id_00/abnormal/x.wav')).toBe(true);
    expect(isAbnormalPath('slider/id_00/normal/abnormal.wav')).toBe(false);
    expect(() => clipAnomalyScores(rows, post.subarray(0, 6))).toThrow('6 posteriors for 4 rows × 2 classes');
  });
});
