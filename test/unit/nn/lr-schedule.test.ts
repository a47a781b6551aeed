import { learningRateAt } from '../../../src/nn/lr-schedule';
import { trainConfigSchema } from '../../../src/nn/train-config';

const lr = (input: object) => trainConfigSchema.parse({ learningRate: input }).learningRate;

describe('learningRateAt', () => {
  it('constant', () => {
    expect(learningRateAt(lr({ decay: 'constant', initial: 0.01 }), 123, 10, 1000)).toBe(0.01);
  });

  it('step: × factor every stepEvery epochs', () => {
    const c = lr({ decay: 'step', initial: 0.01, stepEvery: 2, stepFactor: 0.5 });
    // 10 steps per epoch: epochs 0–1 → 0.01, 2–3 → 0.005, 4 → 0.0025.
    expect([0, 19, 20, 39, 40].map((s) => learningRateAt(c, s, 10, 100))).toEqual([0.01, 0.01, 0.005, 0.005, 0.0025]);
  });

  it('cosine: initial at the first step, final at the last, midpoint halfway', () => {
    const c = lr({ decay: 'cosine', initial: 0.01, final: 0.001 });
    expect(learningRateAt(c, 0, 10, 101)).toBeCloseTo(0.01, 15);
    expect(learningRateAt(c, 50, 10, 101)).toBeCloseTo(0.0055, 12);
    expect(learningRateAt(c, 100, 10, 101)).toBeCloseTo(0.001, 12);
    expect(learningRateAt(c, 0, 1, 1)).toBeCloseTo(0.01, 15); // a one-step run
  });
});
