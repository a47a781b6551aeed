import { Prng } from '../../../src/util/prng';
import type { LabelledSet, TrainData } from '../../../src/nn/train-data';
import { trainConfigSchema, type TrainConfig, type TrainConfigInput } from '../../../src/nn/train-config';

/**
 * A separable stand-in for KWS features: each of `numClasses` classes has its own random
 * 3×3 motif, and an example is that motif stamped at `stamps` random positions (random
 * sign-free amplitude) over Gaussian noise. Translation-invariant like a keyword that may
 * occur anywhere in the window, so a conv net with global pooling can separate the classes.
 */
export function syntheticData(opts: {
  n: number;
  nVal: number;
  shape?: [number, number];
  numClasses?: number;
  noise?: number;
  seed?: number;
  stamps?: number;
}): TrainData {
  const shape = opts.shape ?? [20, 10];
  const numClasses = opts.numClasses ?? 12;
  const noise = opts.noise ?? 0.3;
  const stamps = opts.stamps ?? 6;
  const [frames, coeffs] = shape;
  const size = frames * coeffs;
  const protoRng = Prng.derive('nn-test', 'motifs', opts.seed ?? 0);
  const motifs = Array.from({ length: numClasses }, () => Float32Array.from({ length: 9 }, () => protoRng.normal()));
  const make = (n: number, purpose: string): LabelledSet => {
    const rng = Prng.derive('nn-test', purpose, opts.seed ?? 0);
    const x = new Float32Array(n * size);
    const y = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const c = i % numClasses;
      y[i] = c;
      const base = i * size;
      for (let j = 0; j < size; j++) x[base + j] = noise * rng.normal();
      const motif = motifs[c] as Float32Array;
      for (let s = 0; s < stamps; s++) {
        const f0 = rng.int(0, frames - 3);
        const k0 = rng.int(0, coeffs - 3);
        const amp = rng.uniform(0.7, 1.3);
        for (let df = 0; df < 3; df++) {
          for (let dk = 0; dk < 3; dk++)
            x[base + (f0 + df) * coeffs + k0 + dk]! += amp * (motif[df * 3 + dk] as number);
        }
      }
    }
    return { x, y, n };
  };
  return { train: make(opts.n, 'train'), validation: make(opts.nVal, 'validation'), shape, numClasses };
}

/** A tiny DS-CNN and short schedule: milliseconds per step on 2 cores. */
export function tinyConfig(overrides: TrainConfigInput = {}): TrainConfig {
  return trainConfigSchema.parse({
    architecture: {
      firstConv: { filters: 16, kernel: [3, 3], stride: [1, 1] },
      // The second block downsamples, so its skip branch is the average-pool kind.
      blocks: [{ filters: 16 }, { filters: 16, stride: [2, 2] }],
      skip: true,
      dropout: 0.1,
      batchNorm: { momentum: 0.8 },
    },
    epochs: 3,
    batchSize: 16,
    learningRate: { initial: 0.03, decay: 'cosine', final: 0.003 },
    ...overrides,
  });
}

/** The run train-loop.test.ts interrupts and resume-child.ts finishes: both must build it identically. */
export function resumeCase(): { data: TrainData; config: TrainConfig; seed: string } {
  return { data: syntheticData({ n: 200, nVal: 60 }), config: tinyConfig({ epochs: 4 }), seed: 'resume' };
}
