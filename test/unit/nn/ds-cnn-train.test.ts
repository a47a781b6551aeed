import type * as TF from '@tensorflow/tfjs-node';
import { DS_CNN_PRESETS, type DsCnnArchitecture } from '../../../src/nn/ds-cnn-arch';
import { buildDsCnn, type DsCnnNetwork } from '../../../src/nn/ds-cnn';
import { dsCnnTrainForward } from '../../../src/nn/ds-cnn-train';
import { loadTf } from '../../../src/nn/tf';
import { resolveArchitecture } from '../../../src/nn/train-config';
import { Prng } from '../../../src/util/prng';
import { tinyConfig } from './synthetic-data';

const tf = loadTf();

/** Largest |a − b| relative to the largest |b| (1 when b is all zeros). */
function relDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < b.length; i++) {
    diff = Math.max(diff, Math.abs((a[i] as number) - (b[i] as number)));
    scale = Math.max(scale, Math.abs(b[i] as number));
  }
  return diff / (scale || 1);
}

interface StepResult {
  loss: number;
  logits: Float32Array;
  grads: Record<string, Float32Array>;
  /** Every weight after the step (the BN moving statistics moved by the forward pass). */
  weights: Float32Array[];
}

/**
 * One training-mode loss + gradient evaluation on a fresh network built from `seed`,
 * through either the layers model (the reference: what tfjs-layers does with training: true)
 * or dsCnnTrainForward.
 */
function step(arch: DsCnnArchitecture, inputShape: [number, number], batch: number, useFast: boolean): StepResult {
  const net: DsCnnNetwork = buildDsCnn(arch, { inputShape, numClasses: 12, initRng: Prng.derive('train-fwd', 'init') });
  const rng = Prng.derive('train-fwd', 'data');
  const size = inputShape[0] * inputShape[1];
  const xs = Float32Array.from({ length: batch * size }, () => rng.normal());
  const mask = Float32Array.from({ length: batch * net.plan.features }, () =>
    rng.next() < arch.dropout ? 0 : 1 / (1 - arch.dropout),
  );
  const labels = Int32Array.from({ length: batch }, (_, i) => i % 12);
  const vars = net.model.trainableWeights.map((w) => w.read() as TF.Variable);
  const forward = dsCnnTrainForward(tf, net);
  const out = tf.tidy(() => {
    const x = tf.tensor4d(xs, [batch, inputShape[0], inputShape[1], 1]);
    const m = tf.tensor2d(mask, [batch, net.plan.features]);
    const oneHot = tf.oneHot(tf.tensor1d(labels, 'int32'), 12, 1, 0, 'float32');
    let logits: TF.Tensor2D | undefined;
    const { value, grads } = tf.variableGrads(() => {
      const l = useFast
        ? forward(x, m)
        : (net.classifier.apply((net.features.apply(x, { training: true }) as TF.Tensor2D).mul(m)) as TF.Tensor2D);
      logits = tf.keep(l);
      return tf.neg(tf.mean(tf.sum(tf.mul(oneHot, tf.logSoftmax(l)), 1))) as TF.Scalar;
    }, vars);
    const g = Object.fromEntries(vars.map((v) => [v.name, grads[v.name]!.dataSync() as Float32Array]));
    const r = { loss: value.dataSync()[0] as number, logits: logits!.dataSync() as Float32Array, grads: g };
    logits!.dispose();
    return r;
  });
  const weights = net.model.weights.map((w) => Float32Array.from(w.read().dataSync() as Float32Array));
  // Gradients are keyed by tf.Variable name, which is unique per process; key by weight name instead.
  const grads = Object.fromEntries(
    net.model.trainableWeights.map((w, i) => [w.originalName, out.grads[vars[i]!.name]!]),
  );
  net.model.dispose();
  return { loss: out.loss, logits: out.logits, grads, weights };
}

describe('dsCnnTrainForward', () => {
  // Small batches on purpose: the fused BN rounds differently from tf.moments (~1e-7), and
  // with thousands of pre-activations per channel a few land close enough to 0 that their
  // ReLU flips, which moves the gradients of every earlier layer by up to ~1e-2 (a batch of
  // 32 DS-CNN-S examples does). With few activations no mask flips and everything agrees to ~1e-5.
  const cases: Array<[string, DsCnnArchitecture, [number, number], number]> = [
    // Skip branches of both kinds (identity, avgpool), stride-1 first conv, momentum 0.8.
    ['tiny', resolveArchitecture(tinyConfig().architecture), [20, 10], 16],
    ['ds-cnn-s', DS_CNN_PRESETS['ds-cnn-s'], [49, 10], 8],
    // Strided depthwise conv, 2×1 first-conv stride.
    [
      'ds-cnn-m',
      {
        ...DS_CNN_PRESETS['ds-cnn-m'],
        firstConv: { filters: 24, kernel: [10, 4], stride: [2, 1] },
        blocks: [
          { filters: 24, stride: [2, 2] },
          { filters: 24, stride: [1, 1] },
        ],
      },
      [49, 10],
      8,
    ],
  ];

  it.each(cases)(
    '%s: same loss, logits, gradients and moving statistics as the layers model in training mode',
    (_name, arch, shape, batch) => {
      const ref = step(arch, shape, batch, false);
      const fast = step(arch, shape, batch, true);
      expect(Math.abs(fast.loss - ref.loss)).toBeLessThan(1e-5 * Math.max(1, Math.abs(ref.loss)));
      expect(relDiff(fast.logits, ref.logits)).toBeLessThan(1e-5);
      expect(Object.keys(fast.grads).sort()).toEqual(Object.keys(ref.grads).sort());
      for (const [name, g] of Object.entries(ref.grads)) {
        expect([name, relDiff(fast.grads[name]!, g) < 1e-4]).toEqual([name, true]);
      }
      expect(fast.weights.length).toBe(ref.weights.length);
      ref.weights.forEach((w, i) => expect(relDiff(fast.weights[i]!, w)).toBeLessThan(1e-5));
    },
  );

  it('leaves no tensors behind', () => {
    const before = tf.memory().numTensors;
    step(resolveArchitecture(tinyConfig().architecture), [20, 10], 4, true);
    expect(tf.memory().numTensors).toBe(before);
  });
});
