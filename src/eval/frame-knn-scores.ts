import type { IdGaussian } from './embedding-scores';
import { fitFrameGaussians, type PatchBlock, type Pause } from './feature-gaussian-scores';
import type { Prng } from '../util/prng';

/**
 * `frame-knn`: a non-parametric model of each machine ID's normal frame windows, for normal
 * sound that one Gaussian fits poorly because it is multi-modal (operating conditions, load,
 * speed: docs/results/2026-12-04-anomaly-detection-pauc.md). A window of `context`
 * consecutive log-mel frames (as `frame-mahalanobis`, src/eval/feature-gaussian-scores.ts) is
 * whitened with its ID's window Gaussian, y = L⁻¹(x − μ) with Σ = L·Lᵀ, so that the squared
 * Euclidean distance between two whitened windows is their Mahalanobis² under Σ; its score is
 * the mean squared distance to its `neighbours` nearest among `references` whitened training
 * windows of the ID, drawn with a seeded PRNG. The patch score is the mean over its windows.
 * A window between two modes of the normal data is far from both (high score), where the
 * single Gaussian, whose mean lies between them, scores it low.
 *
 * `offset`: gain-invariant distances. A microphone gain g adds g·1 to every value of a window
 * in dB (src/eval/frame-window-invariance.ts); the distance after removing the best scalar
 * offset, min_c |L⁻¹(x + c·1 − r)|², is |P(y_x − y_r)|² with u = L⁻¹·1 and P the projection
 * onto u's orthogonal complement (P d = d − (d·û)û). P is linear, so every whitened window
 * (reference or scored) is projected once and the search is unchanged. The values must be dB
 * (or any units where a gain is the same offset in every value).
 *
 * `augmented` (src/eval/channel-augmentation.ts): extra references per ID drawn from the ID's
 * windows in channel-augmented copies of the training patches (a stream of their own, so the
 * first `references` are the same as without it); with `whitening: augmented` the window
 * Gaussians are fitted on the training and the augmented patches together, so that the
 * channel's ripple directions also weigh less in every distance.
 */

export interface FrameKnnOptions {
  readonly context: number;
  readonly shrinkage: number;
  readonly neighbours: number;
  readonly references: number;
  /** Remove the best scalar offset of each window from its distances (see the module comment). */
  readonly offset?: boolean;
}

/** Channel-augmented references (see the module comment). */
export interface AugmentedReferences {
  /** Augmented training patches (labels as the training block's). */
  readonly block: PatchBlock;
  /** Extra references per ID, drawn from the augmented windows (0: none). */
  readonly references: number;
  /** Which patches the whitening Gaussians are fitted on. */
  readonly whitening: 'train' | 'augmented';
  /** The draw of the extra references. */
  readonly rng: Prng;
}

export interface FrameKnnModel {
  readonly context: number;
  readonly neighbours: number;
  readonly gaussians: ReadonlyArray<IdGaussian | undefined>;
  /** Per ID: its reference windows, whitened (and projected with `offset`), rows of context × bands values. */
  readonly references: ReadonlyArray<Float32Array | undefined>;
  /** With `offset`, per ID: the unit whitened offset direction û = L⁻¹·1 / |L⁻¹·1| projected out of every window. */
  readonly offsetDirections?: ReadonlyArray<Float64Array | undefined>;
}

const noPause: Pause = () => Promise.resolve();
const PAUSE_EVERY = 64;

/** y = L⁻¹(v − μ): forward substitution with the Gaussian's lower Cholesky factor. */
function whiten(g: IdGaussian, v: ArrayLike<number>, y: Float64Array): void {
  const d = g.mean.length;
  for (let i = 0; i < d; i++) {
    let s = (v[i] as number) - g.mean[i]!;
    for (let k = 0; k < i; k++) s -= g.cholesky[i * d + k]! * y[k]!;
    y[i] = s / g.cholesky[i * d + i]!;
  }
}

/** û = L⁻¹·1 / |L⁻¹·1|: the whitened direction of a uniform offset of the window. */
function offsetDirection(g: IdGaussian): Float64Array {
  const d = g.mean.length;
  const u = new Float64Array(d);
  let norm = 0;
  for (let i = 0; i < d; i++) {
    let s = 1;
    for (let k = 0; k < i; k++) s -= g.cholesky[i * d + k]! * u[k]!;
    u[i] = s / g.cholesky[i * d + i]!;
    norm += u[i]! * u[i]!;
  }
  const r = Math.sqrt(norm);
  for (let i = 0; i < d; i++) u[i] = u[i]! / r;
  return u;
}

/** y ← y − (y·û)û (no-op without a direction). */
function project(y: Float64Array, u: Float64Array | undefined): void {
  if (!u) return;
  let dot = 0;
  for (let i = 0; i < y.length; i++) dot += y[i]! * u[i]!;
  for (let i = 0; i < y.length; i++) y[i] = y[i]! - dot * u[i]!;
}

/** Per ID: the window Gaussians (the whitening) and `references` seeded-random whitened training windows. */
export async function fitFrameKnn(
  train: PatchBlock,
  labels: number,
  options: FrameKnnOptions,
  rng: Prng,
  pause: Pause = noPause,
  augmented?: AugmentedReferences,
): Promise<FrameKnnModel> {
  const { context, shrinkage, neighbours, references } = options;
  if (!(Number.isInteger(neighbours) && neighbours >= 1 && Number.isInteger(references) && references >= neighbours)) {
    throw new RangeError(
      `frame k-NN: neighbours ${neighbours} and references ${references} must be integers with 1 ≤ neighbours ≤ references`,
    );
  }
  const aug = augmented?.block;
  if (aug && (aug.frames !== train.frames || aug.bands !== train.bands)) {
    throw new RangeError(
      `frame k-NN: augmented patches ${aug.frames}×${aug.bands}, training patches ${train.frames}×${train.bands}`,
    );
  }
  const fitOn =
    aug && augmented.whitening === 'augmented'
      ? {
          data: concatFloat32(train.data, aug.data),
          frames: train.frames,
          bands: train.bands,
          labelIndex: [...train.labelIndex, ...aug.labelIndex],
        }
      : train;
  const gaussians = await fitFrameGaussians(fitOn, labels, context, shrinkage, pause);
  const size = train.frames * train.bands;
  const dim = context * train.bands;
  const windows = train.frames - context + 1;
  const startsOf = (block: PatchBlock): number[][] => {
    const starts: number[][] = Array.from({ length: labels }, () => []);
    block.labelIndex.forEach((l, i) => {
      for (let t = 0; t < windows; t++) starts[l]!.push(i * size + t * block.bands);
    });
    return starts;
  };
  const starts = startsOf(train);
  const augStarts = aug ? startsOf(aug) : undefined;
  const y = new Float64Array(dim);
  const refs: Array<Float32Array | undefined> = [];
  const directions = gaussians.map((g) => (g && options.offset ? offsetDirection(g) : undefined));
  for (let l = 0; l < labels; l++) {
    const g = gaussians[l];
    if (!g) {
      refs.push(undefined);
      continue;
    }
    // One draw per ID in label order: the same seed gives the same references.
    const chosen = rng.shuffle(starts[l]!).slice(0, references);
    // Then the augmented ones, from their own stream (one draw per ID in label order).
    const extra = augmented && augStarts ? augmented.rng.shuffle(augStarts[l]!).slice(0, augmented.references) : [];
    const r = new Float32Array((chosen.length + extra.length) * dim);
    chosen.forEach((at, j) => {
      whiten(g, train.data.subarray(at, at + dim), y);
      project(y, directions[l]);
      r.set(y, j * dim);
    });
    extra.forEach((at, j) => {
      whiten(g, aug!.data.subarray(at, at + dim), y);
      project(y, directions[l]);
      r.set(y, (chosen.length + j) * dim);
    });
    if (chosen.length < neighbours) {
      throw new RangeError(
        `frame k-NN: machine ID ${l} has ${chosen.length} training windows, fewer than ${neighbours} neighbours`,
      );
    }
    refs.push(r);
    await pause();
  }
  return {
    context,
    neighbours,
    gaussians,
    references: refs,
    ...(options.offset ? { offsetDirections: directions } : {}),
  };
}

function concatFloat32(a: Float32Array, b: Float32Array): Float32Array {
  const out = new Float32Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/** Mean squared distance of whitened `y` to its `k` nearest rows of `refs` (kept in `best`, ascending). */
function knnMeanSquared(y: Float64Array, refs: Float32Array, k: number, best: Float64Array): number {
  const d = y.length;
  best.fill(Infinity);
  const n = refs.length / d;
  for (let j = 0; j < n; j++) {
    const row = j * d;
    const worst = best[k - 1]!;
    let s = 0;
    // Stop summing once this reference cannot be among the k nearest.
    for (let a = 0; a < d && s < worst; a++) {
      const diff = y[a]! - refs[row + a]!;
      s += diff * diff;
    }
    if (s >= worst) continue;
    let p = k - 1;
    while (p > 0 && best[p - 1]! > s) {
      best[p] = best[p - 1]!;
      p--;
    }
    best[p] = s;
  }
  let sum = 0;
  for (let i = 0; i < k; i++) sum += best[i]!;
  return sum / k;
}

/** Per patch: mean over its windows of the k-NN mean squared distance to its ID's references. */
export async function frameKnnPatchScores(
  patches: PatchBlock,
  model: FrameKnnModel,
  pause: Pause = noPause,
): Promise<Float64Array> {
  const { context, neighbours } = model;
  const n = patches.labelIndex.length;
  const size = patches.frames * patches.bands;
  if (patches.data.length !== n * size) {
    throw new RangeError(
      `frame k-NN: ${patches.data.length} values are not ${n} patches of ${patches.frames}×${patches.bands}`,
    );
  }
  const dim = context * patches.bands;
  const windows = patches.frames - context + 1;
  const y = new Float64Array(dim);
  const best = new Float64Array(neighbours);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    if (i % PAUSE_EVERY === PAUSE_EVERY - 1) await pause();
    const label = patches.labelIndex[i]!;
    const g = model.gaussians[label];
    const refs = model.references[label];
    if (!g || !refs) throw new RangeError(`frame k-NN: machine ID ${label} has no training patches`);
    let s = 0;
    for (let t = 0; t < windows; t++) {
      const at = i * size + t * patches.bands;
      whiten(g, patches.data.subarray(at, at + dim), y);
      project(y, model.offsetDirections?.[label]);
      s += knnMeanSquared(y, refs, neighbours, best);
    }
    out[i] = s / windows;
  }
  return out;
}
