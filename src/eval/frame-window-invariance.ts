import type { BandNormalization } from '../dsp/band-normalization';
import type { PatchBlock } from './feature-gaussian-scores';

/**
 * Recording-condition invariance for the `frame-knn` term (src/eval/frame-knn-scores.ts):
 * transforms of the log-mel patches that remove what a machine's recording conditions change
 * and its faults mostly do not. synth-machine (src/machine/machine-clip.ts, factory.ts) draws
 * per clip a microphone gain (a dB offset equal in every band), a microphone position (a
 * low-pass and a floor reflection: a fixed filter, i.e. a per-band dB offset) and a factory
 * background; real recordings vary the same way. In log-mel a fixed filter is additive per
 * band, so:
 *
 *  - `centre`: subtract each band's mean over the clip's (or the patch's) frames: cepstral
 *    mean normalisation in the mel domain; removes any fixed gain or filter, and with it any
 *    steady spectral change a fault makes over the whole span (a whine, a hiss), which a
 *    separate term must then see;
 *  - `scale` (with `centre`): also divide each band by its standard deviation over the span;
 *  - `contrast`: first differences across bands (x_b − x_{b−1}: a gain cancels, a smooth
 *    filter nearly), across frames (x_t − x_{t−1}: every fixed filter cancels), or both side by
 *    side (per frame t ≥ 1: the B − 1 band differences then the B frame differences).
 *
 * All of them work in dB: stored band-normalized patches (features `normalize: band`) are
 * first mapped back with the feature header's constants (dB = z · 2^15 / k_b + m_b / 32,
 * src/dsp/band-normalization.ts), so that a gain is the same offset in every band.
 */

export type CentreSpan = 'clip' | 'patch';
export type Contrast = 'bands' | 'frames' | 'both';

export interface WindowInvariance {
  readonly centre?: CentreSpan;
  readonly scale?: boolean;
  readonly contrast?: Contrast;
}

/** A band's sd is floored here before dividing by it (as the band normalization's MIN_BAND_SD_DB). */
const MIN_SPAN_SD_DB = 1 / 8;

/** Stored values → dB: undo `normalize: band` with its constants (no constants: the values are dB). */
export function toDecibels(block: PatchBlock, stats: BandNormalization | undefined): PatchBlock {
  if (!stats) return block;
  const { bands } = block;
  if (stats.meanQ5.length !== bands || stats.gainQ15.length !== bands) {
    throw new RangeError(`window invariance: band statistics for ${stats.meanQ5.length} bands, patches have ${bands}`);
  }
  const sd = stats.gainQ15.map((k) => 32768 / k);
  const mean = stats.meanQ5.map((m) => m / 32);
  const data = new Float32Array(block.data.length);
  for (let i = 0; i < data.length; i++) {
    const b = i % bands;
    data[i] = block.data[i]! * sd[b]! + mean[b]!;
  }
  return { ...block, data };
}

/**
 * Each band minus its mean (and, with `scale`, divided by its sd) over the span: the patch's
 * frames, or every frame of every patch of the clip (`clips[i]` is patch i's clip; a clip's
 * patches overlap, so a frame in two patches counts twice, which a 13-patch clip barely feels).
 */
export function centreBands(block: PatchBlock, clips: readonly string[], span: CentreSpan, scale: boolean): PatchBlock {
  const { frames, bands, labelIndex } = block;
  const size = frames * bands;
  const n = labelIndex.length;
  if (clips.length !== n) throw new RangeError(`window invariance: ${clips.length} clip names for ${n} patches`);
  // Patches sharing the span: one group per patch, or per clip.
  const groups = new Map<string, number[]>();
  for (let i = 0; i < n; i++) {
    const key = span === 'clip' ? clips[i]! : String(i);
    const g = groups.get(key);
    if (g) g.push(i);
    else groups.set(key, [i]);
  }
  const data = new Float32Array(block.data.length);
  const mean = new Float64Array(bands);
  const sd = new Float64Array(bands);
  for (const rows of groups.values()) {
    mean.fill(0);
    sd.fill(0);
    const count = rows.length * frames;
    for (const i of rows) for (let v = 0; v < size; v++) mean[v % bands]! += block.data[i * size + v]!;
    for (let b = 0; b < bands; b++) mean[b]! /= count;
    if (scale) {
      for (const i of rows)
        for (let v = 0; v < size; v++) sd[v % bands]! += (block.data[i * size + v]! - mean[v % bands]!) ** 2;
      for (let b = 0; b < bands; b++) sd[b] = Math.max(MIN_SPAN_SD_DB, Math.sqrt(sd[b]! / count));
    }
    for (const i of rows) {
      for (let v = 0; v < size; v++) {
        const b = v % bands;
        const c = block.data[i * size + v]! - mean[b]!;
        data[i * size + v] = scale ? c / sd[b]! : c;
      }
    }
  }
  return { ...block, data };
}

/** First differences across bands, frames, or both side by side (see the module comment for the layout). */
export function contrastPatches(block: PatchBlock, contrast: Contrast): PatchBlock {
  const { frames, bands, labelIndex } = block;
  const withBands = contrast !== 'frames';
  const withFrames = contrast !== 'bands';
  // A frame difference needs a previous frame: frame 0 is dropped whenever frames are differenced.
  const first = withFrames ? 1 : 0;
  const outFrames = frames - first;
  const outBands = (withBands ? bands - 1 : 0) + (withFrames ? bands : 0);
  if (outFrames < 1 || outBands < 1) {
    throw new RangeError(`window invariance: contrast ${contrast} needs more than ${frames} frames × ${bands} bands`);
  }
  const n = labelIndex.length;
  const data = new Float32Array(n * outFrames * outBands);
  let o = 0;
  for (let i = 0; i < n; i++) {
    for (let t = first; t < frames; t++) {
      const at = (i * frames + t) * bands;
      if (withBands) for (let b = 1; b < bands; b++) data[o++] = block.data[at + b]! - block.data[at + b - 1]!;
      if (withFrames) for (let b = 0; b < bands; b++) data[o++] = block.data[at + b]! - block.data[at - bands + b]!;
    }
  }
  return { data, frames: outFrames, bands: outBands, labelIndex };
}

/** True when `options` asks for any transform (the k-NN term then works in dB). */
export function hasInvariance(options: WindowInvariance & { readonly offset?: boolean }): boolean {
  return options.centre !== undefined || options.contrast !== undefined || options.offset === true;
}

/** The transforms of `options` in order: to dB, centre (and scale), contrast. */
export function invariantPatches(
  block: PatchBlock,
  clips: readonly string[],
  stats: BandNormalization | undefined,
  options: WindowInvariance,
): PatchBlock {
  let out = toDecibels(block, stats);
  if (options.centre) out = centreBands(out, clips, options.centre, options.scale === true);
  else if (options.scale) throw new RangeError('window invariance: scale needs centre (clip or patch)');
  if (options.contrast) out = contrastPatches(out, options.contrast);
  return out;
}
