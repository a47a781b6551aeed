import { mahalanobisSquared, type IdGaussian } from './embedding-scores';
import { IdGaussianMoments } from './id-gaussian-moments';

/**
 * Two per-patch anomaly scores computed from the log-mel patches themselves (no network),
 * each the Mahalanobis distance² to a Gaussian of the patch's own machine ID fitted on that
 * ID's training patches (docs/anomaly-detection.md#combined-score has the measurements):
 *
 *  - `frame-mahalanobis`: every window of `context` consecutive frames of the patch
 *    (`context` × bands values, the input vector of the DCASE 2020 task 2 FC-autoencoder
 *    baseline, whose context is 5) is scored against the ID's Gaussian of such windows; the
 *    patch score is the mean over its windows. A Gaussian is the linear counterpart of that
 *    autoencoder (probabilistic PCA keeps the same directions) and needs no training; it sees
 *    spectral faults (whine, hiss, clicks, rattle) but not a change of the machine's rhythm.
 *  - `envelope-periodicity`: the normalized autocorrelation r(1..lags) of the patch's loudness
 *    envelope e(t) = mean over bands of the patch at frame t (mean removed):
 *    r(k) = Σ_t e(t)·e(t + k) / Σ_t e(t)². A machine's stroke or valve period sets where
 *    r peaks, so a changed period moves r while the spectrum barely changes.
 *
 * Patches are rows of a feature file: `n` patches of `frames` × `bands` values, row-major.
 */

export interface PatchBlock {
  readonly data: Float32Array;
  readonly frames: number;
  readonly bands: number;
  /** Machine-ID index of each patch. */
  readonly labelIndex: readonly number[];
}

function patchCount(p: PatchBlock): number {
  const n = p.data.length / (p.frames * p.bands);
  if (!Number.isInteger(n) || n !== p.labelIndex.length) {
    throw new RangeError(
      `patch scores: ${p.data.length} values are not ${p.labelIndex.length} patches of ${p.frames}×${p.bands}`,
    );
  }
  return n;
}

function requireGaussian(gaussians: ReadonlyArray<IdGaussian | undefined>, label: number): IdGaussian {
  const g = gaussians[label];
  if (!g) throw new RangeError(`patch scores: machine ID ${label} has no training patches`);
  return g;
}

/**
 * Lets a long loop give the event loop a turn (an activity's heartbeats and progress);
 * called every PAUSE_EVERY patches. The default never yields.
 */
export type Pause = () => Promise<void>;
const noPause: Pause = () => Promise.resolve();
const PAUSE_EVERY = 64;

/** Per-ID Gaussians of the `context`-frame windows of the training patches. */
export async function fitFrameGaussians(
  train: PatchBlock,
  labels: number,
  context: number,
  shrinkage: number,
  pause: Pause = noPause,
): Promise<Array<IdGaussian | undefined>> {
  if (!(Number.isInteger(context) && context >= 1 && context <= train.frames)) {
    throw new RangeError(`frame Gaussians: context ${context} must be an integer in 1..${train.frames}`);
  }
  const n = patchCount(train);
  const size = train.frames * train.bands;
  const dim = context * train.bands;
  const moments = new IdGaussianMoments(dim, labels);
  for (let i = 0; i < n; i++) {
    if (i % PAUSE_EVERY === PAUSE_EVERY - 1) await pause();
    // A window of consecutive frames is a contiguous slice of the row-major patch.
    for (let t = 0; t + context <= train.frames; t++) {
      const at = i * size + t * train.bands;
      moments.add(train.labelIndex[i]!, train.data.subarray(at, at + dim));
    }
  }
  return moments.gaussians(shrinkage);
}

/** Per patch: mean Mahalanobis² of its `context`-frame windows to its ID's window Gaussian. */
export async function framePatchScores(
  patches: PatchBlock,
  gaussians: ReadonlyArray<IdGaussian | undefined>,
  context: number,
  pause: Pause = noPause,
): Promise<Float64Array> {
  const n = patchCount(patches);
  const size = patches.frames * patches.bands;
  const dim = context * patches.bands;
  const windows = patches.frames - context + 1;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    if (i % PAUSE_EVERY === PAUSE_EVERY - 1) await pause();
    const g = requireGaussian(gaussians, patches.labelIndex[i]!);
    let s = 0;
    for (let t = 0; t < windows; t++) {
      const at = i * size + t * patches.bands;
      s += mahalanobisSquared(g, patches.data.subarray(at, at + dim));
    }
    out[i] = s / windows;
  }
  return out;
}

/** Loudness-envelope autocorrelation r(1..lags) of every patch, rows of `lags` values. */
export function envelopeAutocorrelation(patches: PatchBlock, lags: number): Float32Array {
  if (!(Number.isInteger(lags) && lags >= 1 && lags < patches.frames)) {
    throw new RangeError(`envelope autocorrelation: lags ${lags} must be an integer in 1..${patches.frames - 1}`);
  }
  const n = patchCount(patches);
  const { frames, bands } = patches;
  const out = new Float32Array(n * lags);
  const e = new Float64Array(frames);
  for (let i = 0; i < n; i++) {
    let mean = 0;
    for (let t = 0; t < frames; t++) {
      let s = 0;
      const at = (i * frames + t) * bands;
      for (let b = 0; b < bands; b++) s += patches.data[at + b]!;
      e[t] = s / bands;
      mean += e[t]! / frames;
    }
    let energy = 0;
    for (let t = 0; t < frames; t++) {
      e[t] = e[t]! - mean;
      energy += e[t]! * e[t]!;
    }
    // A flat envelope has no period: all lags 0.
    if (!(energy > 0)) continue;
    for (let k = 1; k <= lags; k++) {
      let s = 0;
      for (let t = 0; t + k < frames; t++) s += e[t]! * e[t + k]!;
      out[i * lags + k - 1] = s / energy;
    }
  }
  return out;
}

/** Per-ID Gaussians of the training patches' envelope autocorrelations. */
export function fitPeriodicityGaussians(
  train: PatchBlock,
  labels: number,
  lags: number,
  shrinkage: number,
): Array<IdGaussian | undefined> {
  const r = envelopeAutocorrelation(train, lags);
  const moments = new IdGaussianMoments(lags, labels);
  train.labelIndex.forEach((label, i) => moments.add(label, r.subarray(i * lags, (i + 1) * lags)));
  return moments.gaussians(shrinkage);
}

/** Per patch: Mahalanobis² of its envelope autocorrelation to its ID's Gaussian. */
export function periodicityPatchScores(
  patches: PatchBlock,
  gaussians: ReadonlyArray<IdGaussian | undefined>,
  lags: number,
): Float64Array {
  const r = envelopeAutocorrelation(patches, lags);
  return Float64Array.from(patches.labelIndex, (label, i) =>
    mahalanobisSquared(requireGaussian(gaussians, label), r.subarray(i * lags, (i + 1) * lags)),
  );
}
