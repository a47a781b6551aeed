import {
  buildFcAutoencoder,
  reconstructionErrors,
  stackedPerPatch,
  stackFrames,
  standardization,
  standardize,
  trainFcAutoencoder,
} from '../../../src/nn/fc-autoencoder';
import { readWeights } from '../../../src/nn/model-weights';
import { Prng } from '../../../src/util/prng';

const ARCH = { hidden: [8, 8], bottleneck: 2, batchNorm: { momentum: 0.9, epsilon: 1e-3 } };

describe('FC autoencoder (DCASE 2020 task 2 baseline)', () => {
  it('stacks `context` consecutive frames of each patch, every `hop` frames', () => {
    // 2 patches of 4 frames × 2 bands, value = 100·patch + 10·frame + band.
    const p = Float32Array.from(
      { length: 16 },
      (_, i) => 100 * Math.floor(i / 8) + 10 * Math.floor((i % 8) / 2) + (i % 2),
    );
    expect(Array.from(stackFrames(p, 4, 2, 3))).toEqual([
      0, 1, 10, 11, 20, 21, 10, 11, 20, 21, 30, 31, 100, 101, 110, 111, 120, 121, 110, 111, 120, 121, 130, 131,
    ]);
    expect(Array.from(stackFrames(p, 4, 2, 2, 2))).toEqual([
      0, 1, 10, 11, 20, 21, 30, 31, 100, 101, 110, 111, 120, 121, 130, 131,
    ]);
    expect(stackedPerPatch(4, 3)).toBe(2);
    expect(stackedPerPatch(32, 5, 3)).toBe(10);
    expect(() => stackFrames(p, 4, 2, 5)).toThrow(/context 5/);
  });

  it('standardizes each input dimension with the training mean and sd', () => {
    const x = Float32Array.from([1, 10, 3, 10, 5, 10]); // dim 2: column 0 = 1,3,5; column 1 constant
    const s = standardization(x, 2);
    expect(s.mean).toEqual([3, 10]);
    expect(s.std[0]).toBeCloseTo(Math.sqrt(8 / 3), 12);
    expect(s.std[1]).toBe(1e-3); // floor for a constant dimension
    const z = standardize(x, 2, s);
    expect(z[0]).toBeCloseTo(-2 / Math.sqrt(8 / 3), 6);
    expect(z[1]).toBe(0);
  });

  it('is 8 dense+BN+ReLU layers mirrored around the bottleneck plus a linear output of the input size', () => {
    const model = buildFcAutoencoder(
      10,
      { ...ARCH, hidden: [128, 128, 128, 128], bottleneck: 8 },
      Prng.derive('ae-arch'),
    );
    const dense = model.layers.filter((l) => l.getClassName() === 'Dense').map((l) => (l.outputShape as number[])[1]);
    expect(dense).toEqual([128, 128, 128, 128, 8, 128, 128, 128, 128, 10]);
    expect(model.layers.filter((l) => l.getClassName() === 'BatchNormalization')).toHaveLength(9);
    model.dispose();
  });

  it('learns to reconstruct normal vectors, so an unlike vector has the larger error; same seeds → same weights', async () => {
    // Normal vectors lie on a line in 4-D (plus a little noise); the odd vector does not.
    const data = new Prng([1, 2, 3, 4]);
    const x = new Float32Array(400 * 4);
    for (let i = 0; i < 400; i++) {
      const t = data.normal();
      for (let j = 0; j < 4; j++) x[i * 4 + j] = t * (j + 1) + 0.05 * data.normal();
    }
    const run = async () => {
      const model = buildFcAutoencoder(4, ARCH, Prng.derive('ae-init'));
      const losses = await trainFcAutoencoder(
        model,
        x,
        4,
        { epochs: 30, batchSize: 50, learningRate: 0.01 },
        Prng.derive('ae-data'),
      );
      return { model, losses };
    };
    const a = await run();
    expect(a.losses[a.losses.length - 1]!).toBeLessThan(a.losses[0]! / 2);
    const errors = await reconstructionErrors(a.model, Float32Array.from([1, 2, 3, 4, 1, -2, 3, -4]), 4);
    expect(errors[1]!).toBeGreaterThan(4 * errors[0]!);
    const b = await run();
    expect(b.losses).toEqual(a.losses);
    expect(readWeights(b.model).map((w) => Array.from(w.values))).toEqual(
      readWeights(a.model).map((w) => Array.from(w.values)),
    );
    a.model.dispose();
    b.model.dispose();
  });
});
