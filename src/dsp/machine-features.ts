import { join } from 'node:path';
import { floatsToInt16, readWav } from '../audio/wav';
import { StageInputError } from '../errors';
import { readMachineManifest, type MachineClip, type MachineSplit } from '../machine/machine-dataset';
import { logmelParams, type LogmelConfig, type LogmelParams } from './logmel-config';
import { LOGMEL_FRAC_BITS, logmelFrames, LogmelFloat, LogmelQ15 } from './logmel';
import { extractPatches, patchCount } from './logmel-patches';
import {
  fitBandNormalization,
  normalizeBandsFixed,
  normalizeBandsFloat,
  type BandNormalization,
} from './band-normalization';
import { yieldToEventLoop } from '../util/yield-to-event-loop';

/**
 * Log-mel patches of a machine dataset (machines.json + MIMII layout, from synth-machine or
 * import-audio), per split (train, validation, test, and dev when the dataset has one). Every clip goes through both front ends on the same int16
 * samples; the configured one is stored, their largest disagreement (dB, over the whole
 * spectrogram) is reported. One row per patch; the row's label is its machine
 * (`<type>/<id>`, the classes of the self-supervised ID classifier, MicroNets §4.3) and its
 * clip is the clip's dataset path (which holds the condition: `<type>/<id>/abnormal/...`).
 */

export interface SplitPatches {
  readonly split: MachineSplit;
  readonly clips: readonly MachineClip[];
  /** [rows][patchFrames/f][bands/f]. */
  readonly data: Float32Array;
  readonly rowLabels: readonly number[];
  readonly rowClips: readonly string[];
}

export interface MachineFeatures {
  readonly params: LogmelParams;
  /** `<type>/<id>`, sorted as in the manifest. */
  readonly labels: readonly string[];
  readonly splits: readonly SplitPatches[];
  readonly fixedVsFloatMaxAbsErr: number;
  readonly clipsWithoutPatch: number;
  /** With `normalize: band`: the constants fitted on the training patches (already applied to `splits`). */
  readonly bandStats?: BandNormalization;
}

export async function extractMachineFeatures(
  dir: string,
  config: LogmelConfig,
  onProgress?: (done: number, total: number) => void,
): Promise<MachineFeatures> {
  const manifest = readMachineManifest(dir);
  if (manifest.sampleRate !== config.sampleRate) {
    throw new StageInputError(
      `${join(dir, 'machines.json')}: clips are ${manifest.sampleRate} Hz, but the log-mel front end is configured for ${config.sampleRate} Hz (set sampleRate)`,
    );
  }
  if (manifest.clips.length === 0) throw new StageInputError(`${dir}: the machine dataset has no clips`);
  const params = logmelParams(config);
  const labels = manifest.machines.flatMap((m) => m.ids.map((id) => `${m.type}/${id}`));
  const labelOf = new Map(labels.map((l, i) => [l, i]));
  const float = new LogmelFloat(params);
  const fixed = new LogmelQ15(params);
  const [rows, cols] = params.patchShape;
  const scale = 2 ** LOGMEL_FRAC_BITS;
  let maxErr = 0;
  let done = 0;
  let withoutPatch = 0;
  const splits: SplitPatches[] = [];
  // `dev` (normal + anomalous clips for choosing a detector's settings) only when the dataset has one,
  // so a dataset without it gives the same three files as before.
  const hasDev = manifest.clips.some((c) => c.split === 'dev');
  for (const split of hasDev
    ? (['train', 'validation', 'test', 'dev'] as const)
    : (['train', 'validation', 'test'] as const)) {
    const clips = manifest.clips.filter((c) => c.split === split);
    const chunks: Float32Array[] = [];
    const rowLabels: number[] = [];
    const rowClips: string[] = [];
    for (const clip of clips) {
      const wav = readWav(join(dir, clip.path));
      const pcm = floatsToInt16(wav.samples);
      const frames = logmelFrames(params, pcm.length);
      const q = fixed.compute(pcm);
      const f = float.compute(Float64Array.from(pcm, (v) => v / 32768));
      for (let i = 0; i < f.length; i++) maxErr = Math.max(maxErr, Math.abs(q[i]! / scale - f[i]!));
      const patches =
        config.implementation === 'fixed'
          ? Float32Array.from(extractPatches(params, q, frames, true), (v) => v / scale)
          : extractPatches(params, f, frames, false);
      const n = patchCount(params, frames);
      if (n === 0) withoutPatch++;
      chunks.push(patches);
      const label = labelOf.get(`${clip.type}/${clip.id}`);
      if (label === undefined)
        throw new StageInputError(
          `${join(dir, 'machines.json')}: clip ${clip.path} names machine ${clip.type}/${clip.id}, which is not in machines`,
        );
      for (let j = 0; j < n; j++) {
        rowLabels.push(label);
        rowClips.push(clip.path);
      }
      onProgress?.(++done, manifest.clips.length);
      if (done % 8 === 0) await yieldToEventLoop();
    }
    const data = new Float32Array(rowLabels.length * rows * cols);
    let o = 0;
    for (const c of chunks) {
      data.set(c, o);
      o += c.length;
    }
    splits.push({ split, clips, data, rowLabels, rowClips });
  }
  if (config.normalize !== 'band')
    return { params, labels, splits, fixedVsFloatMaxAbsErr: maxErr, clipsWithoutPatch: withoutPatch };
  const train = splits.find((s) => s.split === 'train')!;
  if (train.rowLabels.length === 0)
    throw new StageInputError(
      `${dir}: normalize: band needs training patches to fit the band statistics, and the train split has none`,
    );
  const bandStats = fitBandNormalization(train.data, cols);
  const apply = config.implementation === 'fixed' ? normalizeBandsFixed : normalizeBandsFloat;
  const normalized = splits.map((s) => ({ ...s, data: apply(s.data, cols, bandStats) }));
  return {
    params,
    labels,
    splits: normalized,
    fixedVsFloatMaxAbsErr: maxErr,
    clipsWithoutPatch: withoutPatch,
    bandStats,
  };
}
