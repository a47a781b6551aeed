import {
  clipMeanScores,
  combinedPatchScores,
  standardizationById,
  standardizedPatchScores,
} from '../../../src/eval/combined-scores';

describe('combined anomaly score', () => {
  it('standardizes each component per ID with its validation scores and sums them', () => {
    // ID 0 validation: a = 1, 3 (mean 2, sd 1); b = 10, 30 (mean 20, sd 10). ID 1: a = 0, 4 (2, 2); b = 5, 5 + 2 (6, 1).
    expect(standardizationById(Float64Array.from([1, 3, 0, 4]), [0, 0, 1, 1], 2)).toEqual([
      { mean: 2, sd: 1 },
      { mean: 2, sd: 2 },
    ]);
    const components = [
      { name: 'a', validation: Float64Array.from([1, 3, 0, 4]), scored: Float64Array.from([4, 6]) },
      { name: 'b', validation: Float64Array.from([10, 30, 5, 7]), scored: Float64Array.from([40, 6]) },
    ];
    // Patch of ID 0: (4 − 2)/1 + (40 − 20)/10 = 4; of ID 1: (6 − 2)/2 + (6 − 6)/1 = 2.
    expect(Array.from(combinedPatchScores(components, [0, 1], [0, 0, 1, 1], ['fan/id_00', 'fan/id_01']))).toEqual([
      4, 2,
    ]);
  });

  it('keeps each standardized term apart; the terms sum to the combined score', () => {
    const components = [
      { name: 'a', validation: Float64Array.from([1, 3, 0, 4]), scored: Float64Array.from([4, 6]) },
      { name: 'b', validation: Float64Array.from([10, 30, 5, 7]), scored: Float64Array.from([40, 6]) },
    ];
    const terms = standardizedPatchScores(components, [0, 1], [0, 0, 1, 1], ['fan/id_00', 'fan/id_01']);
    expect(terms.map((t) => Array.from(t))).toEqual([
      [2, 2],
      [2, 0],
    ]);
  });

  it('names the component and machine that cannot be standardized', () => {
    const flat = [{ name: 'frame-mahalanobis', validation: Float64Array.from([2, 2]), scored: Float64Array.from([1]) }];
    expect(() => combinedPatchScores(flat, [0], [0, 0], ['pump/id_04'])).toThrow(
      'combined score: component frame-mahalanobis cannot be standardized for machine pump/id_04: its validation scores are all equal',
    );
    const none = [{ name: 'x', validation: Float64Array.from([1, 2]), scored: Float64Array.from([1]) }];
    expect(() => combinedPatchScores(none, [1], [0, 0], ['a/id_00', 'a/id_01'])).toThrow(
      'machine a/id_01: it has no validation patches',
    );
    expect(() => combinedPatchScores([], [0], [0], ['a/id_00'])).toThrow(/no component scores/);
  });

  it('a clip scores the mean of its patches', () => {
    const rows = {
      labels: ['valve/id_00'],
      labelIndex: [0, 0, 0],
      clips: ['valve/id_00/normal/a.wav', 'valve/id_00/abnormal/b.wav', 'valve/id_00/normal/a.wav'],
    };
    expect(clipMeanScores(rows, [1, 5, 2])).toEqual([
      { clip: 'valve/id_00/normal/a.wav', type: 'valve', id: 'id_00', anomalous: false, score: 1.5, patches: 2 },
      { clip: 'valve/id_00/abnormal/b.wav', type: 'valve', id: 'id_00', anomalous: true, score: 5, patches: 1 },
    ]);
    expect(() => clipMeanScores(rows, [1])).toThrow(/1 patch scores for 3 patches/);
  });
});
