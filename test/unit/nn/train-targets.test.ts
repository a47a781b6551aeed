import { readWeights } from '../../../src/nn/model-weights';
import { trainConfigSchema, trainStageConfigSchema } from '../../../src/nn/train-config';
import { trainModel } from '../../../src/nn/train-loop';
import {
  batchTargets,
  mixupBatch,
  sampleGamma,
  sampleSymmetricBeta,
  smoothedTargets,
  softTargetsEnabled,
} from '../../../src/nn/train-targets';
import { Prng } from '../../../src/util/prng';
import { syntheticData, tinyConfig } from './synthetic-data';

describe('label smoothing', () => {
  it('gives (1 − ε)·one-hot + ε/K, rows summing to 1', () => {
    const t = smoothedTargets(Int32Array.from([2, 0]), 4, 0.1);
    expect(Array.from(t.subarray(0, 4))).toEqual([0.025, 0.025, 0.925, 0.025].map(Math.fround));
    expect(Array.from(t.subarray(4, 8))).toEqual([0.925, 0.025, 0.025, 0.025].map(Math.fround));
    expect(smoothedTargets(Int32Array.from([1]), 3, 0)).toEqual(Float32Array.from([0, 1, 0]));
  });
});

describe('Beta(α, α) draws', () => {
  it.each([0.2, 0.4, 1, 2.5])('match the mean 1/2 and variance 1/(4(2α + 1)) for α = %p', (alpha) => {
    const rng = Prng.derive('beta', alpha);
    const n = 20000;
    let sum = 0;
    let sq = 0;
    let min = Infinity;
    let max = -Infinity;
    for (let i = 0; i < n; i++) {
      const b = sampleSymmetricBeta(alpha, rng);
      min = Math.min(min, b);
      max = Math.max(max, b);
      sum += b;
      sq += b * b;
    }
    expect(min).toBeGreaterThanOrEqual(0);
    expect(max).toBeLessThanOrEqual(1);
    const mean = sum / n;
    const variance = sq / n - mean * mean;
    expect(mean).toBeCloseTo(0.5, 1.5);
    expect(variance).toBeCloseTo(1 / (4 * (2 * alpha + 1)), 2);
  });

  it('Gamma(k) has mean k and refuses a non-positive shape', () => {
    const rng = Prng.derive('gamma');
    let sum = 0;
    for (let i = 0; i < 20000; i++) sum += sampleGamma(3, rng);
    expect(sum / 20000).toBeCloseTo(3, 1);
    expect(() => sampleGamma(0, rng)).toThrow(RangeError);
  });
});

describe('mixupBatch', () => {
  it('mixes each example and its target with its partner by the same λ ≥ 1/2', () => {
    // Two examples of 3 values, 2 classes. Draws: next() = 0 makes the permutation's one swap
    // (π = [1, 0]); normal() = 0 makes every Gamma(α ≥ 1) draw its mode d = α − 1/3, accepted
    // at once (u = 0.5 < 1), so G1 = G2 and λ = 1/2 exactly.
    const x = Float32Array.from([1, 2, 3, 10, 20, 30]);
    const t = Float32Array.from([1, 0, 0, 1]);
    const draws = [0.0, 0.5, 0.5, 0.5, 0.5];
    const rng = { next: () => draws.shift() ?? 0.5, normal: () => 0 };
    const mixed = mixupBatch(x, t, 2, 3, 2, 2, rng);
    expect(Array.from(x)).toEqual([5.5, 11, 16.5, 5.5, 11, 16.5]);
    expect(Array.from(mixed)).toEqual([0.5, 0.5, 0.5, 0.5]);
  });

  it('with an unequal λ keeps each example mostly itself and its targets summing to 1', () => {
    const rng = Prng.derive('mix');
    const n = 8;
    const size = 5;
    const x = Float32Array.from({ length: n * size }, (_, i) => Math.floor(i / size)); // example e is all e
    const before = x.slice();
    const y = Int32Array.from({ length: n }, (_, i) => i % 3);
    const t = smoothedTargets(y, 3, 0);
    const mixed = mixupBatch(x, t, n, size, 3, 0.4, rng);
    for (let e = 0; e < n; e++) {
      const row = Array.from(mixed.subarray(e * 3, e * 3 + 3));
      expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
      // Own class weight ≥ 1/2 (λ folded), and x moved toward one partner value only.
      expect(row[y[e] as number]).toBeGreaterThanOrEqual(0.5 - 1e-6);
      const v = x.subarray(e * size, (e + 1) * size);
      expect(new Set(Array.from(v)).size).toBe(1);
      const lambda = row[y[e] as number] as number;
      // x = λ·e + (1 − λ)·p for a partner p in 0 … n − 1.
      const partner = lambda === 1 ? e : ((v[0] as number) - lambda * e) / (1 - lambda);
      expect(partner).toBeGreaterThan(-1e-3);
      expect(partner).toBeLessThan(n - 1 + 1e-3);
    }
    expect(x).not.toEqual(before);
    expect(() => mixupBatch(x, t, n, size + 1, 3, 0.4, rng)).toThrow(RangeError);
  });

  it('is a pure function of the generator: same seed, same bytes', () => {
    const make = () => {
      const x = Float32Array.from({ length: 40 }, (_, i) => Math.sin(i));
      const t = batchTargets(
        x,
        Int32Array.from([0, 1, 2, 3]),
        10,
        4,
        { labelSmoothing: 0.1, mixupAlpha: 0.2 },
        Prng.derive('same'),
      );
      return { x, t };
    };
    expect(make()).toEqual(make());
  });

  it('batchTargets is off (undefined, x untouched) without either key', () => {
    const x = Float32Array.from([1, 2]);
    expect(softTargetsEnabled({ labelSmoothing: 0, mixupAlpha: undefined })).toBe(false);
    expect(
      batchTargets(x, Int32Array.from([0, 1]), 1, 2, { labelSmoothing: 0, mixupAlpha: undefined }, undefined),
    ).toBe(undefined);
    expect(Array.from(x)).toEqual([1, 2]);
  });
});

describe('train config keys', () => {
  it('are absent by default (cache keys of existing configs unchanged) and validated', () => {
    const c = trainConfigSchema.parse({});
    expect('labelSmoothing' in c).toBe(false);
    expect('mixup' in c).toBe(false);
    expect(trainConfigSchema.parse({ mixup: {} }).mixup).toEqual({ alpha: 0.2 });
    expect(trainConfigSchema.safeParse({ labelSmoothing: 1 }).success).toBe(false);
    const r = trainStageConfigSchema.safeParse({ angularMargin: {}, mixup: { alpha: 0.2 } });
    expect(r.success).toBe(false);
    expect(JSON.stringify(r.error?.issues)).toContain('angularMargin needs hard labels');
  });
});

describe('trainModel with soft targets', () => {
  it('is deterministic, differs from the hard-target run, and still learns', async () => {
    const data = syntheticData({ n: 200, nVal: 60 });
    const run = async (extra: object) => {
      const r = await trainModel(data, { ...tinyConfig({ epochs: 2 }), ...extra }, { rng: Prng.derive('soft') });
      const w = readWeights(r.model).map((v) => Array.from(v.values));
      const acc = r.history[r.bestEpoch - 1]?.valAccuracy ?? 0;
      r.model.dispose();
      return { w, acc };
    };
    const soft = { labelSmoothing: 0.1, mixup: { alpha: 0.2 } };
    const a = await run(soft);
    const b = await run(soft);
    expect(b.w).toEqual(a.w);
    const hard = await run({});
    expect(hard.w).not.toEqual(a.w);
    expect(a.acc).toBeGreaterThan(0.3); // chance is 1/12
  });
});
