import { join } from 'node:path';
import { StageInputError } from '../errors';
import { ClipFeatureExtractor, readClipPcm16 } from './clip-features';
import { listKwsDataset, SPLITS, type KwsClip } from './dataset-listing';
import type { FeatureTensor } from './feature-tensor';
import type { MfccConfig } from './mfcc-config';
import { yieldToEventLoop } from '../util/yield-to-event-loop';

/**
 * Features of every clip of a dataset directory (all three splits: a measurement dataset is
 * never trained on, so all of it is test data), computed with the front end the model was
 * trained with — the `frontEnd` of its feature files — and labelled in the *model's* label
 * order, so the model's predictions can be scored directly.
 *
 * Label mapping (the Speech Commands v2-12 rule, MicroNets §4 KWS): a dataset label that is
 * one of the model's labels keeps it; any other word (e.g. the digits of a real-speech set
 * measured on a ten-keyword model) is `_unknown_`, what a deployed model should answer to a
 * word it does not know. A dataset label the model cannot express (no `_unknown_` class) is a
 * StageInputError naming the dataset and the label.
 */

export const UNKNOWN_LABEL = '_unknown_';

export interface DatasetFeatures {
  /** Rows in clip-path order; header.labels = the model's labels; split "measure". */
  readonly tensor: FeatureTensor;
  /** Dataset labels that were scored as another model label (e.g. "seven" → "_unknown_"). */
  readonly mapped: Readonly<Record<string, string>>;
  /** Clips per model label. */
  readonly perLabel: Readonly<Record<string, number>>;
}

export async function datasetFeatures(
  dir: string,
  name: string,
  frontEnd: MfccConfig,
  modelLabels: readonly string[],
  onClip?: (done: number, total: number) => void,
): Promise<DatasetFeatures> {
  const listing = listKwsDataset(dir);
  const clips: KwsClip[] = SPLITS.flatMap((s) => listing.splits[s]).sort((a, b) =>
    a.path < b.path ? -1 : a.path > b.path ? 1 : 0,
  );
  if (clips.length === 0) throw new StageInputError(`${name}: the dataset contains no .wav clips`);
  const modelIndex = new Map(modelLabels.map((l, i) => [l, i]));
  const mapped: Record<string, string> = {};
  const toModel = listing.labels.map((label) => {
    const i = modelIndex.get(label) ?? modelIndex.get(UNKNOWN_LABEL);
    if (i === undefined) {
      throw new StageInputError(
        `${name}: label "${label}" is not one of the model's labels [${modelLabels.join(', ')}] and the model has no ${UNKNOWN_LABEL} class to score it as`,
      );
    }
    if (modelLabels[i] !== label) mapped[label] = modelLabels[i]!;
    return i;
  });

  const extractor = new ClipFeatureExtractor(frontEnd);
  const { frames, coefficients, sampleRate } = extractor.params;
  const perClip = extractor.valuesPerClip;
  const data = new Float32Array(clips.length * perClip);
  const labelIndex: number[] = [];
  const perLabel: Record<string, number> = {};
  for (const [i, clip] of clips.entries()) {
    data.set(extractor.extract(readClipPcm16(join(dir, clip.path), sampleRate)).features, i * perClip);
    const li = toModel[clip.label]!;
    labelIndex.push(li);
    perLabel[modelLabels[li]!] = (perLabel[modelLabels[li]!] ?? 0) + 1;
    if (i % 16 === 15) {
      onClip?.(i + 1, clips.length);
      await yieldToEventLoop();
    }
  }
  const tensor: FeatureTensor = {
    header: {
      format: 'tinyops-features',
      version: 1,
      dtype: 'float32',
      shape: [clips.length, frames, coefficients],
      split: 'measure',
      labels: [...modelLabels],
      frontEnd: { ...frontEnd },
      labelIndex,
      clips: clips.map((c) => c.path),
    },
    data,
  };
  return { tensor, mapped, perLabel };
}
