import type * as TF from '@tensorflow/tfjs-node';
import type { Pair } from '../nn/ds-cnn-arch';
import { loadTf } from '../nn/tf';
import { isAbnormalPath, type ClipScore, type PatchRows } from './anomaly-scores';
import { yieldToEventLoop } from '../util/yield-to-event-loop';

/**
 * Anomaly scores from the ID classifier's embedding instead of its softmax: the pooled
 * features (the DS-CNN's `pool` layer, the input of its last dense layer) of every normal
 * training patch of a machine ID are modelled as a Gaussian; a test patch scores its
 * Mahalanobis distance² to its own ID's Gaussian, a clip the mean over its patches.
 * This is the embedding-distance back end of the DCASE 2021/2022 task 2 classifier
 * systems (e.g. the DCASE 2022 task 2 MobileNetV2 baseline's "Mahalanobis" mode), used
 * here because a classifier that separates the IDs well stays confident on patches with
 * a fault (the softmax saturates) while the fault still moves the embedding
 * (docs/anomaly-detection.md has the measurements).
 *
 * Covariance per ID with shrinkage towards a scaled identity (Ledoit–Wolf style, fixed
 * weight): Σ = (1 − λ)·S + λ·(tr S / d)·I, which keeps it invertible with few patches.
 */

export interface IdGaussian {
  readonly mean: Float64Array;
  /** Lower Cholesky factor of Σ, row-major d × d. */
  readonly cholesky: Float64Array;
}

/**
 * Layers whose embedding the score can use, by the names the DS-CNN builder (src/nn/ds-cnn.ts)
 * and the integer model's ops (src/quant/float-graph.ts) share: `conv0`, `block<i>_dw`,
 * `block<i>_pw` (each after its batch norm and ReLU) and `pool` (the global average pool).
 */
export const EMBEDDING_LAYER_PATTERN = /^(pool|conv0|block[1-9][0-9]*_(dw|pw))$/;

/** Pooled features [n][d] of the model's `pool` layer for n patches of `shape`. */
export async function pooledFeatures(
  model: TF.LayersModel,
  x: Float32Array,
  shape: Pair,
  batchSize = 256,
): Promise<{ values: Float32Array; dim: number }> {
  return layerEmbeddings(model, x, shape, 'pool', batchSize);
}

/** The layer names of `model` that `layerEmbeddings` accepts, in network order. */
export function embeddingLayerNames(model: TF.LayersModel): string[] {
  return model.layers.map((l) => l.name).filter((n) => EMBEDDING_LAYER_PATTERN.test(n));
}

/**
 * Embeddings [n][c] of layer `layer` for n patches of `shape`: the layer's output after its
 * batch norm and ReLU (the tfjs layer `<layer>_relu` when there is one), averaged over time
 * and frequency per channel, as the `pool` layer averages the last block. Earlier layers keep
 * more of the spectral detail a fault changes (docs/anomaly-detection.md has the measurements).
 */
export async function layerEmbeddings(
  model: TF.LayersModel,
  x: Float32Array,
  shape: Pair,
  layer: string,
  batchSize = 256,
): Promise<{ values: Float32Array; dim: number }> {
  const tf = loadTf();
  const names = new Set(model.layers.map((l) => l.name));
  if (!EMBEDDING_LAYER_PATTERN.test(layer) || !names.has(layer)) {
    throw new RangeError(
      `embedding layer "${layer}" is not in the model (it has ${embeddingLayerNames(model).join(', ')})`,
    );
  }
  const tap = model.getLayer(names.has(`${layer}_relu`) ? `${layer}_relu` : layer);
  const sub = tf.model({ inputs: model.inputs, outputs: tap.output as TF.SymbolicTensor });
  const outShape = tap.outputShape as number[];
  const dim = outShape[outShape.length - 1]!;
  const size = shape[0] * shape[1];
  const n = x.length / size;
  const out = new Float32Array(n * dim);
  for (let start = 0; start < n; start += batchSize) {
    const end = Math.min(n, start + batchSize);
    const y = tf.tidy(() => {
      const a = sub.predict(
        tf.tensor4d(x.subarray(start * size, end * size), [end - start, shape[0], shape[1], 1]),
      ) as TF.Tensor;
      return a.rank === 4 ? a.mean([1, 2]) : a;
    });
    out.set((await y.data()) as Float32Array, start * dim);
    y.dispose();
    await yieldToEventLoop();
  }
  return { values: out, dim };
}

/** In-place-free Cholesky of a symmetric positive definite d × d matrix (row-major). */
export function cholesky(a: Float64Array, d: number): Float64Array {
  const l = new Float64Array(d * d);
  for (let i = 0; i < d; i++) {
    for (let j = 0; j <= i; j++) {
      let s = a[i * d + j]!;
      for (let k = 0; k < j; k++) s -= l[i * d + k]! * l[j * d + k]!;
      if (i === j) {
        if (!(s > 0)) throw new RangeError(`cholesky: matrix is not positive definite (pivot ${i} = ${s})`);
        l[i * d + i] = Math.sqrt(s);
      } else l[i * d + j] = s / l[j * d + j]!;
    }
  }
  return l;
}

/** |L⁻¹ v|² = vᵀ Σ⁻¹ v for Σ = L Lᵀ (forward substitution). */
export function mahalanobisSquared(g: IdGaussian, v: ArrayLike<number>): number {
  const d = g.mean.length;
  const y = new Float64Array(d);
  let sum = 0;
  for (let i = 0; i < d; i++) {
    let s = (v[i] as number) - g.mean[i]!;
    for (let k = 0; k < i; k++) s -= g.cholesky[i * d + k]! * y[k]!;
    y[i] = s / g.cholesky[i * d + i]!;
    sum += y[i]! * y[i]!;
  }
  return sum;
}

/** One Gaussian per label from rows of `dim` values; `shrinkage` λ ∈ (0, 1]. */
export function fitIdGaussians(
  values: Float32Array,
  dim: number,
  labelIndex: readonly number[],
  labels: number,
  shrinkage: number,
): Array<IdGaussian | undefined> {
  const out: Array<IdGaussian | undefined> = [];
  for (let k = 0; k < labels; k++) {
    const rows = labelIndex.flatMap((l, i) => (l === k ? [i] : []));
    if (rows.length === 0) {
      out.push(undefined);
      continue;
    }
    const mean = new Float64Array(dim);
    for (const r of rows) for (let j = 0; j < dim; j++) mean[j]! += values[r * dim + j]! / rows.length;
    const s = new Float64Array(dim * dim);
    for (const r of rows) {
      for (let a = 0; a < dim; a++) {
        const da = values[r * dim + a]! - mean[a]!;
        for (let b = 0; b <= a; b++) s[a * dim + b]! += (da * (values[r * dim + b]! - mean[b]!)) / rows.length;
      }
    }
    let trace = 0;
    for (let a = 0; a < dim; a++) trace += s[a * dim + a]!;
    // A constant embedding (trace 0) still gets a usable identity covariance.
    const ridge = shrinkage * (trace > 0 ? trace / dim : 1);
    for (let a = 0; a < dim; a++) {
      for (let b = 0; b <= a; b++) {
        s[a * dim + b] = (1 - shrinkage) * s[a * dim + b]! + (a === b ? ridge : 0);
        s[b * dim + a] = s[a * dim + b]!;
      }
    }
    out.push({ mean, cholesky: cholesky(s, dim) });
  }
  return out;
}

/** Per-clip mean Mahalanobis² of its patches' embeddings to their ID's Gaussian. */
export function embeddingClipScores(
  rows: PatchRows,
  values: Float32Array,
  dim: number,
  gaussians: ReadonlyArray<IdGaussian | undefined>,
): ClipScore[] {
  const acc = new Map<string, { sum: number; n: number; label: number }>();
  rows.clips.forEach((clip, i) => {
    const label = rows.labelIndex[i]!;
    const g = gaussians[label];
    if (!g) throw new RangeError(`embedding scores: machine ${rows.labels[label]} has no training patches`);
    const s = mahalanobisSquared(g, values.subarray(i * dim, (i + 1) * dim));
    const a = acc.get(clip);
    if (a) {
      a.sum += s;
      a.n++;
    } else acc.set(clip, { sum: s, n: 1, label });
  });
  return [...acc].map(([clip, a]) => {
    const [type, id] = rows.labels[a.label]!.split('/') as [string, string];
    return { clip, type, id: id ?? '', anomalous: isAbnormalPath(clip), score: a.sum / a.n, patches: a.n };
  });
}

/** Per patch: Mahalanobis² of its embedding to its ID's Gaussian (the patch scores `embeddingClipScores` averages). */
export function embeddingPatchScores(
  labelIndex: readonly number[],
  values: Float32Array,
  dim: number,
  gaussians: ReadonlyArray<IdGaussian | undefined>,
): Float64Array {
  return Float64Array.from(labelIndex, (label, i) => {
    const g = gaussians[label];
    if (!g) throw new RangeError(`embedding scores: machine ID ${label} has no training patches`);
    return mahalanobisSquared(g, values.subarray(i * dim, (i + 1) * dim));
  });
}
