import { createHash } from 'node:crypto';
import { StageInputError } from '../errors';
import type { Pair } from './ds-cnn-arch';

/** `n` examples: `x` is n × frames × coeffs float32 (row-major, frame-major), `y` the class ids. */
export interface LabelledSet {
  readonly x: Float32Array;
  readonly y: Int32Array;
  readonly n: number;
}

/** In-memory training input; the caller decodes its feature files into this. */
export interface TrainData {
  readonly train: LabelledSet;
  readonly validation: LabelledSet;
  /** [frames, coeffs] of one example (49×10 for MicroNets §4 KWS MFCCs). */
  readonly shape: Pair;
  /** Labels are 0 … numClasses − 1 (12 for Speech Commands-style KWS). */
  readonly numClasses: number;
}

/** Throws StageInputError naming the split and what is wrong. */
export function checkTrainData(d: TrainData): void {
  const [frames, coeffs] = d.shape;
  if (!Number.isInteger(frames) || !Number.isInteger(coeffs) || frames < 1 || coeffs < 1) {
    throw new StageInputError(`training data: feature shape [${d.shape.join(', ')}] must be two positive integers [frames, coeffs]`);
  }
  if (!Number.isInteger(d.numClasses) || d.numClasses < 2) {
    throw new StageInputError(`training data: numClasses is ${d.numClasses}; a classifier needs at least 2`);
  }
  for (const split of ['train', 'validation'] as const) {
    const s = d[split];
    if (!Number.isInteger(s.n) || s.n < 1) {
      throw new StageInputError(
        `training data: the ${split} split is empty (n = ${s.n}); training needs examples in both train and validation (validation picks the best epoch)`,
      );
    }
    if (s.x.length !== s.n * frames * coeffs) {
      throw new StageInputError(`training data: ${split}.x has ${s.x.length} values, expected n × frames × coeffs = ${s.n} × ${frames} × ${coeffs} = ${s.n * frames * coeffs}`);
    }
    if (s.y.length !== s.n) throw new StageInputError(`training data: ${split}.y has ${s.y.length} labels for n = ${s.n} examples`);
    const bad = s.y.findIndex((c) => c < 0 || c >= d.numClasses);
    if (bad >= 0) throw new StageInputError(`training data: ${split}.y[${bad}] = ${s.y[bad]} is outside 0 … ${d.numClasses - 1}`);
    const nonFinite = s.x.findIndex((v) => !Number.isFinite(v));
    if (nonFinite >= 0) {
      const size = frames * coeffs;
      throw new StageInputError(`training data: ${split} example ${Math.floor(nonFinite / size)} has a non-finite feature value (${s.x[nonFinite]})`);
    }
  }
}

/** sha256 over shape, class count and every byte of both splits: identifies the data a checkpoint was made with. */
export function digestTrainData(d: TrainData): string {
  const h = createHash('sha256').update(JSON.stringify({ shape: d.shape, numClasses: d.numClasses, n: [d.train.n, d.validation.n] }));
  for (const s of [d.train, d.validation]) {
    h.update(new Uint8Array(s.x.buffer, s.x.byteOffset, s.x.byteLength));
    h.update(new Uint8Array(s.y.buffer, s.y.byteOffset, s.y.byteLength));
  }
  return h.digest('hex');
}

/** Copies examples `order[start … end−1]` into fresh arrays, in that order. */
export function gatherBatch(set: LabelledSet, order: ArrayLike<number>, start: number, end: number, exampleSize: number): { x: Float32Array; y: Int32Array } {
  const n = end - start;
  const x = new Float32Array(n * exampleSize);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const k = order[start + i] as number;
    x.set(set.x.subarray(k * exampleSize, (k + 1) * exampleSize), i * exampleSize);
    y[i] = set.y[k] as number;
  }
  return { x, y };
}
