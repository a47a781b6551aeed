import { betaSymmetric, mixInputs, mixPlan, mixTargets } from '../../../src/nn/mixup';
import { trainConfigSchema, trainStageConfigSchema } from '../../../src/nn/train-config';
import { trainModel } from '../../../src/nn/train-loop';
import { Prng } from '../../../src/util/prng';
import { syntheticData, tinyConfig } from './synthetic-data';

describe('mixup (Zhang et al. 2018 §2)', () => {
  it('mixes each example with its partner by λ, and the targets alike', () => {
    const plan = { partner: Int32Array.from([1, 0, 2]), lambda: Float32Array.from([0.75, 0.5, 1]) };
    // 3 examples of 2 values.
    const x = Float32Array.from([4, 8, 0, 4, 1, 2]);
    mixInputs(x, 3, plan);
    expect(Array.from(x)).toEqual([3, 7, 2, 6, 1, 2]);
    // Labels 0, 2, 1 of 3 classes; the third is its own partner (λ = 1, one-hot).
    expect(Array.from(mixTargets(Int32Array.from([0, 2, 1]), 3, plan))).toEqual([0.75, 0, 0.25, 0.5, 0, 0.5, 0, 1, 0]);
  });

  it('same seed, same plan; each target row sums to 1; λ ~ Beta(α, α) has mean ½ and variance 1 / (4(2α + 1))', () => {
    const a = mixPlan(Prng.derive('mixup-test'), 50, 0.4);
    const b = mixPlan(Prng.derive('mixup-test'), 50, 0.4);
    expect(Array.from(a.partner)).toEqual(Array.from(b.partner));
    expect(Array.from(a.lambda)).toEqual(Array.from(b.lambda));
    expect([...a.partner].sort((p, q) => p - q)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    const t = mixTargets(
      Int32Array.from({ length: 50 }, (_, i) => i % 4),
      4,
      a,
    );
    for (let i = 0; i < 50; i++) expect(t[4 * i]! + t[4 * i + 1]! + t[4 * i + 2]! + t[4 * i + 3]!).toBeCloseTo(1, 6);
    for (const alpha of [0.4, 1, 3]) {
      const rng = Prng.derive('beta', alpha);
      const xs = Array.from({ length: 20000 }, () => betaSymmetric(rng, alpha));
      const mean = xs.reduce((s, v) => s + v, 0) / xs.length;
      const variance = xs.reduce((s, v) => s + (v - mean) ** 2, 0) / xs.length;
      expect(xs.every((v) => v >= 0 && v <= 1)).toBe(true);
      expect(mean).toBeCloseTo(0.5, 1.5);
      expect(variance).toBeCloseTo(1 / (4 * (2 * alpha + 1)), 2);
    }
    expect(() => mixPlan(Prng.derive('x'), 2, 0)).toThrow(/alpha must be > 0/);
  });

  it('is optional in the train config (absent = off, cache keys unchanged) and excludes angularMargin', () => {
    expect('mixup' in trainConfigSchema.parse({})).toBe(false);
    expect(trainConfigSchema.parse({ mixup: {} }).mixup).toEqual({ alpha: 1 });
    const both = trainStageConfigSchema.safeParse({ mixup: {}, angularMargin: {} });
    expect(both.success).toBe(false);
    expect(JSON.stringify(both.error?.issues)).toMatch(/use one of them/);
  });

  it('trains a DS-CNN with mixup: learns the classes; same seed → same weights; not the weights of a run without it', async () => {
    const data = syntheticData({ n: 192, nVal: 48, numClasses: 4 });
    const run = async (mixup: boolean) => {
      const config = tinyConfig({ epochs: 3, ...(mixup ? { mixup: { alpha: 1 } } : {}) });
      const r = await trainModel(data, config, { rng: Prng.derive('mixup-train') });
      const weights = r.model.getWeights().map((w) => Array.from(w.dataSync()));
      const valAccuracy = r.history[r.bestEpoch - 1]!.valAccuracy;
      r.model.dispose();
      return { weights, valAccuracy };
    };
    const a = await run(true);
    expect(a.valAccuracy).toBeGreaterThan(0.5); // 4 classes: chance is 0.25
    expect((await run(true)).weights).toEqual(a.weights);
    expect((await run(false)).weights).not.toEqual(a.weights);
  });
});
