import type * as TF from '@tensorflow/tfjs-node';
import type { Prng } from '../util/prng';
import { Adam } from './adam';
import { loadTf } from './tf';
import { yieldToEventLoop } from '../util/yield-to-event-loop';

/**
 * The fully connected autoencoder of the DCASE 2020 task 2 baseline (Koizumi et al. 2020,
 * "Description and discussion on DCASE2020 challenge task2", §3; the MLPerf Tiny AD
 * reference model): input = `context` consecutive log-mel frames stacked into one vector
 * (5 × 128 bands = 640 there; 5 × the bands of our patches here), dense layers
 * 128-128-128-128-8-128-128-128-128 each followed by batch normalization and ReLU, then a
 * linear dense layer back to the input size. Trained on normal sound only to reconstruct
 * its input (mean squared error); the anomaly score of a clip is the reconstruction error
 * averaged over all of its vectors.
 *
 * Differences from the baseline, on purpose: inputs are standardized per dimension with
 * the training set's mean and standard deviation (our log-mel is in dB with a microphone
 * gain that varies per clip; the baseline feeds raw dB), the stacking runs inside each
 * stored patch (the features stage stores patches, not whole spectrograms), and the
 * training loop is ours (seeded shuffle and initial weights, Adam from src/nn/adam.ts).
 */

export interface FcAutoencoderArchitecture {
  /** Encoder widths; the decoder mirrors them (DCASE baseline: [128, 128, 128, 128]). */
  readonly hidden: readonly number[];
  /** Bottleneck width (DCASE baseline: 8). */
  readonly bottleneck: number;
  readonly batchNorm: { readonly momentum: number; readonly epsilon: number };
}

export interface Standardization {
  readonly mean: readonly number[];
  readonly std: readonly number[];
}

/**
 * Stacked-frame vectors of patches `[n][frames][bands]` (frame-major): per patch, frames
 * t … t+context−1 for t = 0, hop, 2·hop, … ≤ frames − context, each a vector of
 * context·bands values (hop 1: every position, as the DCASE baseline over a clip).
 */
export function stackFrames(
  patches: Float32Array,
  frames: number,
  bands: number,
  context: number,
  hop = 1,
): Float32Array {
  if (!(context >= 1 && context <= frames))
    throw new RangeError(`stackFrames: context ${context} must be in 1..${frames} (frames per patch)`);
  if (!(Number.isInteger(hop) && hop >= 1))
    throw new RangeError(`stackFrames: hop must be a positive integer, got ${hop}`);
  const size = frames * bands;
  if (patches.length % size !== 0)
    throw new RangeError(`stackFrames: ${patches.length} values is not a whole number of ${frames}×${bands} patches`);
  const n = patches.length / size;
  const perPatch = stackedPerPatch(frames, context, hop);
  const dim = context * bands;
  const out = new Float32Array(n * perPatch * dim);
  for (let p = 0; p < n; p++) {
    // Frames are contiguous, so frames t … t+context−1 are one contiguous run.
    for (let v = 0; v < perPatch; v++)
      out.set(
        patches.subarray(p * size + v * hop * bands, p * size + (v * hop + context) * bands),
        (p * perPatch + v) * dim,
      );
  }
  return out;
}

/** Vectors stackFrames makes per patch. */
export function stackedPerPatch(frames: number, context: number, hop = 1): number {
  return Math.floor((frames - context) / hop) + 1;
}

/** Per-dimension mean and standard deviation of `x` (rows of `dim`); a std below 1e-3 counts as 1e-3. */
export function standardization(x: Float32Array, dim: number): Standardization {
  const n = x.length / dim;
  const mean = new Float64Array(dim);
  const sq = new Float64Array(dim);
  for (let i = 0; i < n; i++) for (let j = 0; j < dim; j++) mean[j]! += x[i * dim + j]!;
  for (let j = 0; j < dim; j++) mean[j]! /= Math.max(1, n);
  for (let i = 0; i < n; i++) for (let j = 0; j < dim; j++) sq[j]! += (x[i * dim + j]! - mean[j]!) ** 2;
  return { mean: [...mean], std: [...sq].map((s) => Math.max(1e-3, Math.sqrt(s / Math.max(1, n)))) };
}

export function standardize(x: Float32Array, dim: number, s: Standardization): Float32Array {
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = (x[i]! - s.mean[i % dim]!) / s.std[i % dim]!;
  return out;
}

/** The autoencoder as a tfjs model: [n, dim] → [n, dim]. Initial weights from `initRng`. */
export function buildFcAutoencoder(dim: number, arch: FcAutoencoderArchitecture, initRng: Prng): TF.LayersModel {
  const tf = loadTf();
  const widths = [...arch.hidden, arch.bottleneck, ...[...arch.hidden].reverse()];
  const input = tf.input({ shape: [dim], name: 'frames' });
  let x: TF.SymbolicTensor = input;
  widths.forEach((units, i) => {
    const dense = tf.layers.dense({
      name: `dense${i}`,
      units,
      kernelInitializer: tf.initializers.glorotUniform({ seed: initRng.nextUint32() }),
    });
    const bn = tf.layers.batchNormalization({
      name: `dense${i}_bn`,
      momentum: arch.batchNorm.momentum,
      epsilon: arch.batchNorm.epsilon,
    });
    x = tf.layers.reLU({ name: `dense${i}_relu` }).apply(bn.apply(dense.apply(x))) as TF.SymbolicTensor;
  });
  const output = tf.layers
    .dense({
      name: 'reconstruction',
      units: dim,
      kernelInitializer: tf.initializers.glorotUniform({ seed: initRng.nextUint32() }),
    })
    .apply(x) as TF.SymbolicTensor;
  return tf.model({ name: 'fc_autoencoder', inputs: input, outputs: output });
}

export interface AeTrainSettings {
  readonly epochs: number;
  readonly batchSize: number;
  readonly learningRate: number;
}

/**
 * Train to reconstruct `x` (standardized rows of `dim`): MSE, Adam (tf.keras defaults),
 * constant learning rate as the DCASE baseline; rows reshuffled every epoch by `dataRng`.
 * Returns the mean training loss per epoch.
 */
export async function trainFcAutoencoder(
  model: TF.LayersModel,
  x: Float32Array,
  dim: number,
  settings: AeTrainSettings,
  dataRng: Prng,
  onEpoch?: (epoch: number, loss: number) => void | Promise<void>,
): Promise<number[]> {
  const tf = loadTf();
  const n = x.length / dim;
  const vars = model.trainableWeights.map((w) => w.read() as TF.Variable);
  const adam = new Adam(tf, vars, { beta1: 0.9, beta2: 0.999, epsilon: 1e-7 });
  const order = Array.from({ length: n }, (_, i) => i);
  const batch = new Float32Array(settings.batchSize * dim);
  const losses: number[] = [];
  try {
    for (let epoch = 1; epoch <= settings.epochs; epoch++) {
      for (let i = n - 1; i > 0; i--) {
        const j = Math.floor(dataRng.next() * (i + 1));
        [order[i], order[j]] = [order[j]!, order[i]!];
      }
      let sum = 0;
      for (let start = 0; start < n; start += settings.batchSize) {
        const b = Math.min(settings.batchSize, n - start);
        for (let k = 0; k < b; k++)
          batch.set(x.subarray(order[start + k]! * dim, (order[start + k]! + 1) * dim), k * dim);
        const loss = tf.tidy(() => {
          const xb = tf.tensor2d(batch.subarray(0, b * dim), [b, dim]);
          const { value, grads } = tf.variableGrads(
            () => tf.losses.meanSquaredError(xb, model.apply(xb, { training: true }) as TF.Tensor2D) as TF.Scalar,
            vars,
          );
          adam.apply(
            vars.map((v) => grads[v.name] as TF.Tensor),
            settings.learningRate,
          );
          return value.dataSync()[0] as number;
        });
        sum += loss * b;
        if ((start / settings.batchSize) % 16 === 15) await yieldToEventLoop();
      }
      losses.push(sum / n);
      await onEpoch?.(epoch, sum / n);
    }
  } finally {
    adam.dispose();
  }
  return losses;
}

/** Mean squared reconstruction error of every row of `x` (standardized, rows of `dim`). */
export async function reconstructionErrors(
  model: TF.LayersModel,
  x: Float32Array,
  dim: number,
  batchSize = 1024,
): Promise<Float32Array> {
  const tf = loadTf();
  const n = x.length / dim;
  const out = new Float32Array(n);
  for (let start = 0; start < n; start += batchSize) {
    const end = Math.min(n, start + batchSize);
    const e = tf.tidy(() => {
      const xb = tf.tensor2d(x.subarray(start * dim, end * dim), [end - start, dim]);
      return tf
        .sub(model.predict(xb) as TF.Tensor2D, xb)
        .square()
        .mean(1);
    });
    out.set((await e.data()) as Float32Array, start);
    e.dispose();
    await yieldToEventLoop();
  }
  return out;
}
