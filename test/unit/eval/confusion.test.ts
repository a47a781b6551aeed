import { StageInputError } from '../../../src/errors';
import {
  accuracy,
  argmaxPerRow,
  confusionMatrix,
  eventConfusionMatrix,
  matchStream,
  type TimedDetection,
} from '../../../src/eval';
import { Prng } from '../../../src/util/prng';
import { kw, neg } from './fixtures';

describe('confusionMatrix and accuracy (clip/frame level)', () => {
  it('counts[true][predicted], hand example', () => {
    // true 0 0 1 2 2 2, predicted 0 1 1 2 0 2 → diagonal 1+1+2 = 4 of 6
    const m = confusionMatrix([0, 0, 1, 2, 2, 2], [0, 1, 1, 2, 0, 2], 3);
    expect(m).toEqual([
      [1, 1, 0],
      [0, 1, 0],
      [1, 0, 2],
    ]);
    expect(accuracy(m)).toBe(4 / 6);
  });

  it('12 classes: sums to the number of clips, rows to each class count, accuracy = trace / n', () => {
    const rng = Prng.derive('eval-test', 'confusion');
    const n = 1000;
    const truth = Array.from({ length: n }, () => rng.int(0, 11));
    const pred = truth.map((t) => (rng.uniform(0, 1) < 0.8 ? t : rng.int(0, 11)));
    const m = confusionMatrix(truth, pred, 12);
    expect(m).toHaveLength(12);
    expect(m.flat().reduce((a, b) => a + b, 0)).toBe(n);
    for (let c = 0; c < 12; c++) expect(m[c]!.reduce((a, b) => a + b, 0)).toBe(truth.filter((t) => t === c).length);
    expect(accuracy(m)).toBe(truth.filter((t, i) => t === pred[i]).length / n);
  });

  it('argmaxPerRow picks each row’s best class (ties → lower index)', () => {
    expect(argmaxPerRow(Float32Array.from([0.1, 0.7, 0.2, 0.5, 0.5, 0, 0, 0, 1]), 3)).toEqual([1, 0, 2]);
  });

  it('rejects mismatched lengths, out-of-range labels and an empty matrix', () => {
    expect(() => confusionMatrix([0, 1], [0], 2)).toThrow(/2 true labels but 1 predictions/);
    expect(() => confusionMatrix([0, 2], [0, 1], 2)).toThrow(/trueLabels\[1\] = 2 is not a class index in 0…1/);
    expect(() => confusionMatrix([0], [-1], 2)).toThrow(StageInputError);
    expect(() => accuracy(confusionMatrix([], [], 3))).toThrow(/empty/);
  });
});

describe('eventConfusionMatrix (appendix 3.A, with a rejection class)', () => {
  const det = (frame: number, label: string): TimedDetection => ({ frame, timeMs: frame * 20, label });
  const tol = { earlyMs: 100, lateMs: 1000 };

  it('places every event and every background false accept in one cell', () => {
    // Stream A: yes [1, 1.5] hit; no [4, 4.5] misclassified as yes; yes [8, 8.5] missed;
    //           bed [12, 12.5] with 'no' firing at 13.0 s; 'yes' in background at 20 s.
    // Stream B: no [1, 1.4] hit; cat [3, 3.3] rejected; 'no' in background at 10 s and 11 s.
    const a = matchStream(
      [det(80, 'yes'), det(240, 'yes'), det(650, 'no'), det(1000, 'yes')],
      [kw('yes', 1, 1.5), kw('no', 4, 4.5), kw('yes', 8, 8.5), neg('bed', 12, 12.5)],
      tol,
    );
    const b = matchStream([det(75, 'no'), det(500, 'no'), det(550, 'no')], [kw('no', 1, 1.4), neg('cat', 3, 3.3)], tol);
    const m = eventConfusionMatrix([a, b], ['yes', 'no']);
    expect(m.rows).toEqual(['yes', 'no', '_unknown_', '_background_']);
    expect(m.columns).toEqual(['yes', 'no', '_rejected_']);
    expect(m.counts).toEqual([
      // yes  no  rejected
      [1, 0, 1], // yes: one hit, one false reject
      [1, 1, 0], // no: one misclassified as yes, one hit
      [0, 1, 1], // _unknown_: bed → 'no' fired; cat rejected
      [1, 2, 0], // _background_: 'yes' once, 'no' twice
    ]);
    const rowSum = (i: number) => m.counts[i]!.reduce((x, y) => x + y, 0);
    expect(rowSum(0) + rowSum(1)).toBe(4); // keyword events
    expect(rowSum(2)).toBe(2); // negative events
    expect(rowSum(3)).toBe(a.background.length + b.background.length);
  });
});
