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
    throw new StageInputError(
      `training data: feature shape [${d.shape.join(', ')}] must be two positive integers [frames, coeffs]`,
    );
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
      throw new StageInputError(
        `training data: ${split}.x has ${s.x.length} values, expected n × frames × coeffs = ${s.n} × ${frames} × ${coeffs} = ${s.n * frames * coeffs}`,
      );
    }
    if (s.y.length !== s.n)
      throw new StageInputError(`training data: ${split}.y has ${s.y.length} labels for n = ${s.n} examples`);
    const bad = s.y.findIndex((c) => c < 0 || c >= d.numClasses);
    if (bad >= 0)
      throw new StageInputError(`training data: ${split}.y[${bad}] = ${s.y[bad]} is outside 0 … ${d.numClasses - 1}`);
    const nonFinite = s.x.findIndex((v) => !Number.isFinite(v));
    if (nonFinite >= 0) {
      const size = frames * coeffs;
      throw new StageInputError(
        `training data: ${split} example ${Math.floor(nonFinite / size)} has a non-finite feature value (${s.x[nonFinite]})`,
      );
    }
  }
}

/** sha256 over shape, class count and every byte of both splits: identifies the data a checkpoint was made with. */
export function digestTrainData(d: TrainData): string {
  const h = createHash('sha256').update(
    JSON.stringify({ shape: d.shape, numClasses: d.numClasses, n: [d.train.n, d.validation.n] }),
  );
  for (const s of [d.train, d.validation]) {
    h.update(new Uint8Array(s.x.buffer, s.x.byteOffset, s.x.byteLength));
    h.update(new Uint8Array(s.y.buffer, s.y.byteOffset, s.y.byteLength));
  }
  return h.digest('hex');
}

/** Copies examples `order[start … end−1]` into fresh arrays, in that order. */
export function gatherBatch(
  set: LabelledSet,
  order: ArrayLike<number>,
  start: number,
  end: number,
  exampleSize: number,
): { x: Float32Array; y: Int32Array } {
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

/**
 * Feature-level training augmentation, applied to each batch after it is gathered
 * (config `augment`, train-config.ts). Everything draws from the caller's Prng (one per
 * epoch, derived from the data seed), so a run and its resume see the same masks.
 *
 *  - time shift: the 49 frames move by s ∈ [−timeShiftFrames, timeShiftFrames] frames, the
 *    vacated frames repeat the edge frame (clip edges are background, thesis §3 AudioSample
 *    clips, so repeating them is the least surprising fill). The dataset's ±timeShiftMs is
 *    fixed per clip; this makes the position differ per epoch (Hello Edge / MicroNets §4
 *    KWS training shifts ±100 ms on the fly).
 *  - SpecAugment (Park et al. 2019): `timeMasks` bands of up to `maxFrames` frames and
 *    `freqMasks` bands of up to `maxCoeffs` MFCC coefficients are set to the example's mean
 *    over the masked axis, so the model cannot rely on any single short stretch or
 *    coefficient — which the streams break by cutting words at window edges (issue #4).
 */
export interface FeatureAugment {
  readonly timeShiftFrames: number;
  readonly timeMasks: { readonly count: number; readonly maxFrames: number };
  readonly freqMasks: { readonly count: number; readonly maxCoeffs: number };
  /** Random per-example cepstral offset (see `addChannelOffsets`); absent = off. */
  readonly channelOffset?: ChannelOffset | undefined;
}

/** `augment.channelOffset` (train-config.ts). */
export interface ChannelOffset {
  /** δ_k ~ N(0, (scale·σ_k)²); σ_k from `cepstralMeanSpread`. */
  readonly scale: number;
  /** Share of the examples that get an offset (the others are left as they are). */
  readonly probability: number;
  /** Leave coefficient 0 (the frame's overall level) unchanged. */
  readonly skipC0: boolean;
}

/**
 * True when `augmentBatch` would change anything (no draws are made otherwise). The channel
 * offset is not part of it: it has its own generator and function (`addChannelOffsets`), so
 * switching it on leaves the shift and mask draws as they were.
 */
export function augmentEnabled(a: FeatureAugment): boolean {
  return (
    a.timeShiftFrames > 0 ||
    (a.timeMasks.count > 0 && a.timeMasks.maxFrames > 0) ||
    (a.freqMasks.count > 0 && a.freqMasks.maxCoeffs > 0)
  );
}

/** Augments `n` examples of [frames, coeffs] in `x` in place (see FeatureAugment). */
export function augmentBatch(
  x: Float32Array,
  n: number,
  shape: Pair,
  a: FeatureAugment,
  rng: { int(lo: number, hi: number): number },
): void {
  const [frames, coeffs] = shape;
  const size = frames * coeffs;
  if (x.length !== n * size) throw new RangeError(`augmentBatch: ${x.length} values for ${n} × ${frames} × ${coeffs}`);
  const src = new Float32Array(size);
  for (let e = 0; e < n; e++) {
    const ex = x.subarray(e * size, (e + 1) * size);
    if (a.timeShiftFrames > 0) {
      const s = rng.int(-a.timeShiftFrames, a.timeShiftFrames);
      if (s !== 0) {
        src.set(ex);
        for (let f = 0; f < frames; f++) {
          const from = Math.min(frames - 1, Math.max(0, f - s));
          ex.set(src.subarray(from * coeffs, (from + 1) * coeffs), f * coeffs);
        }
      }
    }
    for (let m = 0; m < a.timeMasks.count && a.timeMasks.maxFrames > 0; m++) {
      const w = rng.int(0, Math.min(a.timeMasks.maxFrames, frames));
      const f0 = rng.int(0, frames - w);
      if (w === 0) continue;
      for (let c = 0; c < coeffs; c++) {
        let mean = 0;
        for (let f = 0; f < frames; f++) mean += ex[f * coeffs + c]!;
        mean /= frames;
        for (let f = f0; f < f0 + w; f++) ex[f * coeffs + c] = mean;
      }
    }
    for (let m = 0; m < a.freqMasks.count && a.freqMasks.maxCoeffs > 0; m++) {
      const w = rng.int(0, Math.min(a.freqMasks.maxCoeffs, coeffs));
      const c0 = rng.int(0, coeffs - w);
      if (w === 0) continue;
      for (let f = 0; f < frames; f++) {
        let mean = 0;
        for (let c = 0; c < coeffs; c++) mean += ex[f * coeffs + c]!;
        mean /= coeffs;
        for (let c = c0; c < c0 + w; c++) ex[f * coeffs + c] = mean;
      }
    }
  }
}

/** True when `addChannelOffsets` would change anything (no generator is derived otherwise). */
export function channelOffsetEnabled(c: ChannelOffset | undefined): c is ChannelOffset {
  return c !== undefined && c.scale > 0 && c.probability > 0;
}

/**
 * σ_k of the channel offset: for each coefficient k, the standard deviation over the `n`
 * examples of the example's time-mean of coefficient k (population form, divide by n), in
 * the features' own units; float64 sums, so it depends only on the data, not on any seed.
 */
export function cepstralMeanSpread(set: LabelledSet, shape: Pair): Float64Array {
  const [frames, coeffs] = shape;
  const size = frames * coeffs;
  if (set.x.length !== set.n * size)
    throw new RangeError(`cepstralMeanSpread: ${set.x.length} values for ${set.n} × ${frames} × ${coeffs}`);
  const sum = new Float64Array(coeffs);
  const sumSq = new Float64Array(coeffs);
  const mean = new Float64Array(coeffs);
  for (let e = 0; e < set.n; e++) {
    mean.fill(0);
    const base = e * size;
    for (let f = 0; f < frames; f++) for (let c = 0; c < coeffs; c++) mean[c]! += set.x[base + f * coeffs + c]!;
    for (let c = 0; c < coeffs; c++) {
      const m = mean[c]! / frames;
      sum[c]! += m;
      sumSq[c]! += m * m;
    }
  }
  const sigma = new Float64Array(coeffs);
  for (let c = 0; c < coeffs; c++) {
    const mu = sum[c]! / set.n;
    sigma[c] = Math.sqrt(Math.max(0, sumSq[c]! / set.n - mu * mu));
  }
  return sigma;
}

/**
 * Channel-invariance augmentation in the cepstral domain (config `augment.channelOffset`).
 * A fixed linear filter h on the speech (microphone, the early part of a room, much of what
 * tells one synthesizer's vocoder from another's) multiplies the power spectrum by |H(f)|²,
 * so it adds the constant 10·log10|H|² (dB; |H| taken as flat within one mel band) to every
 * frame's log-mel band m, and — the DCT being linear — a constant vector to every frame's
 * cepstrum. (Noise added after the filter breaks this at low SNR.) That is the rationale of
 * cepstral mean normalization (Atal 1974, "Effectiveness of linear prediction
 * characteristics of the speech wave for automatic speaker identification and
 * verification", J. Acoust. Soc. Am. 55(6); Furui 1981, IEEE Trans. ASSP 29(2)), which
 * subtracts that vector at test time. Here the model learns to ignore it instead: each
 * example (with probability `probability`) gets δ_k ~ N(0, (scale·σ_k)²) added to every
 * frame of coefficient k, σ_k from `cepstralMeanSpread` of the training split; `skipC0`
 * leaves c0 (the overall level) alone. The front end and firmware are unchanged.
 *
 * Draws, per example in batch order: one uniform for the probability (only when
 * probability < 1), then one normal per coefficient that gets an offset.
 */
export function addChannelOffsets(
  x: Float32Array,
  n: number,
  shape: Pair,
  sigma: ArrayLike<number>,
  c: ChannelOffset,
  rng: { next(): number; normal(): number },
): void {
  const [frames, coeffs] = shape;
  const size = frames * coeffs;
  if (x.length !== n * size)
    throw new RangeError(`addChannelOffsets: ${x.length} values for ${n} × ${frames} × ${coeffs}`);
  if (sigma.length !== coeffs) throw new RangeError(`addChannelOffsets: ${sigma.length} σ for ${coeffs} coefficients`);
  const delta = new Float64Array(coeffs);
  const first = c.skipC0 ? 1 : 0;
  for (let e = 0; e < n; e++) {
    if (c.probability < 1 && rng.next() >= c.probability) continue;
    for (let k = first; k < coeffs; k++) delta[k] = c.scale * sigma[k]! * rng.normal();
    const base = e * size;
    for (let f = 0; f < frames; f++)
      for (let k = first; k < coeffs; k++) x[base + f * coeffs + k] = x[base + f * coeffs + k]! + delta[k]!;
  }
}
