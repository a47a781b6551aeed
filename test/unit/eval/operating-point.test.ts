import { StageInputError } from '../../../src/errors';
import { chooseOperatingPoint, type ThresholdResult } from '../../../src/eval';

/** A result with only the fields the rule reads set meaningfully. */
const r = (threshold: number, frr: number, faPerHour: number): ThresholdResult => ({
  threshold,
  frr,
  faPerHour,
  keywordEvents: 10,
  negativeEvents: 0,
  hits: Math.round((1 - frr) * 10),
  falseRejects: Math.round(frr * 10),
  misclassifications: 0,
  falseAccepts: 0,
  falseAcceptsOnNegatives: 0,
  missRate: frr,
  misclassificationRate: 0,
  latencyMs: null,
});

describe('chooseOperatingPoint', () => {
  // A typical sweep: FA/h falls and FRR rises with the threshold.
  const sweep = [r(0.1, 0.0, 12), r(0.3, 0.1, 2.5), r(0.5, 0.2, 1.0), r(0.7, 0.4, 0.5), r(0.9, 0.7, 0)];

  it('takes the lowest FRR with FA/h ≤ target (the bound is inclusive)', () => {
    const op = chooseOperatingPoint(sweep, 1);
    expect(op).toMatchObject({ threshold: 0.5, constraintMet: true, targetFaPerHour: 1 });
    expect(op.result).toBe(sweep[2]);
    expect(op.reason).toMatch(/lowest FRR \(0\.2\) among 3 threshold\(s\) with FA\/h ≤ 1/);
    expect(chooseOperatingPoint(sweep, 3).threshold).toBe(0.3);
    expect(chooseOperatingPoint(sweep, 0).threshold).toBe(0.9);
  });

  it('breaks FRR ties by lower FA/h, then by the higher threshold', () => {
    expect(chooseOperatingPoint([r(0.4, 0.1, 0.8), r(0.5, 0.1, 0.2), r(0.6, 0.3, 0)], 1).threshold).toBe(0.5);
    expect(chooseOperatingPoint([r(0.4, 0.1, 0.2), r(0.5, 0.1, 0.2)], 1).threshold).toBe(0.5);
  });

  it('when no threshold meets the target: the lowest FA/h, and says the constraint is not met', () => {
    const noisy = [r(0.1, 0.0, 40), r(0.5, 0.3, 9), r(0.9, 0.8, 3)];
    const op = chooseOperatingPoint(noisy, 1);
    expect(op).toMatchObject({ threshold: 0.9, constraintMet: false });
    expect(op.reason).toMatch(/no threshold reaches FA\/h ≤ 1; chose the lowest FA\/h \(3, FRR 0\.8\)/);
    // FA/h tie → lower FRR.
    expect(chooseOperatingPoint([r(0.8, 0.5, 3), r(0.9, 0.6, 3)], 1).threshold).toBe(0.8);
  });

  it('refuses an empty sweep', () => {
    expect(() => chooseOperatingPoint([], 1)).toThrow(StageInputError);
  });
});
