import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { datasetFeatures } from '../dsp/dataset-features';
import type { MfccConfig } from '../dsp/mfcc-config';
import type { HostIntModel } from '../nn/host-int-model';
import type { IntModel } from '../quant/int-model';
import { readClipSources, type EngineInfo } from './clip-sources';
import { accuracy, argmaxPerRow, confusionMatrix, type ConfusionCounts } from './confusion';
import { integerAccuracy } from './integer-accuracy';
import { sourceBreakdown, type SourceBreakdown } from './source-accuracy';

/**
 * Accuracy of a trained model on a *measurement dataset*: a dataset stage listed in evaluate's
 * `measure:` (e.g. an import-audio of real recordings), never used for training. Every clip of
 * it is scored (all splits), with the features computed here by the same front end as the
 * model's feature files (src/dsp/dataset-features.ts, which also maps words the model does not
 * know to `_unknown_`). Reports what a user needs to trust the number: how many clips and
 * speakers, the confusion matrix, and where the data came from (its dataset.json generator and
 * the engines of its sources.json, with version and licence).
 */

export interface MeasurementResult {
  /** The stage in evaluate's `needs:` that made the dataset. */
  readonly stage: string;
  /** dataset.json `generator` (e.g. import-audio), when present. */
  readonly generator: string | null;
  readonly clips: number;
  /** Speakers: the voices of its sources.json, else the `<speaker>_nohash_` prefixes of the file names. */
  readonly speakers: readonly string[];
  readonly accuracy: number;
  readonly intAccuracy?: number;
  /** counts[true][predicted] over the model's labels. */
  readonly confusion: { readonly labels: readonly string[]; readonly counts: ConfusionCounts };
  readonly intConfusion?: { readonly labels: readonly string[]; readonly counts: ConfusionCounts };
  /** Clips per model label after mapping. */
  readonly perLabel: Readonly<Record<string, number>>;
  /** Dataset labels scored as another model label (e.g. "seven" → "_unknown_"). */
  readonly mapped: Readonly<Record<string, string>>;
  /** Engines of the dataset's sources.json: where the recordings come from. */
  readonly engines: Readonly<Record<string, EngineInfo>>;
  readonly sources: SourceBreakdown;
}

export interface MeasureOptions {
  readonly stage: string;
  readonly dir: string;
  readonly frontEnd: MfccConfig;
  readonly labels: readonly string[];
  /** Float model posteriors for `rows` feature rows ([rows × labels]). */
  readonly predict: (x: Float32Array, rows: number) => Promise<Float32Array>;
  readonly intModel?: IntModel;
  /**
   * A host build of `intModel` to score it with, shared with the caller's other integer runs
   * (the caller disposes it); without it, one is built here for this dataset.
   */
  readonly intHost?: Promise<HostIntModel>;
  readonly onProgress?: (done: number, total: number, message: string) => void;
}

/** `<speaker>_nohash_<n>.wav` → speaker (Speech Commands naming), else null. */
export function speakerOfFile(clip: string): string | null {
  const file = clip.slice(clip.lastIndexOf('/') + 1);
  const at = file.indexOf('_nohash_');
  return at > 0 ? file.slice(0, at) : null;
}

function generatorOf(dir: string): string | null {
  const p = join(dir, 'dataset.json');
  if (!existsSync(p)) return null;
  try {
    const g = (JSON.parse(readFileSync(p, 'utf8')) as { generator?: unknown }).generator;
    return typeof g === 'string' ? g : null;
  } catch {
    return null; // listKwsDataset (inside datasetFeatures) already rejects an unreadable dataset.json
  }
}

export async function measureDataset(o: MeasureOptions): Promise<MeasurementResult> {
  const { tensor, mapped, perLabel } = await datasetFeatures(
    o.dir,
    `measurement dataset of stage ${o.stage}`,
    o.frontEnd,
    o.labels,
    (done, total) => o.onProgress?.(done, total, `features of ${o.stage}`),
  );
  const n = tensor.header.shape[0]!;
  const truth = tensor.header.labelIndex;
  const predicted = argmaxPerRow(await o.predict(tensor.data, n), o.labels.length);
  const confusion = confusionMatrix(truth, predicted, o.labels.length);
  const integer = o.intModel
    ? await integerAccuracy(
        o.intModel,
        tensor,
        (done, total) => o.onProgress?.(done, total, `integer model on ${o.stage}`),
        o.intHost ? await o.intHost : 'host-c',
      )
    : undefined;
  const sources = readClipSources(o.dir);
  const breakdown = sourceBreakdown({
    clips: tensor.header.clips,
    truth,
    predicted,
    ...(integer ? { intPredicted: integer.predicted } : {}),
    numClasses: o.labels.length,
    sources,
  });
  const speakers =
    sources.file !== null
      ? [...new Set(breakdown.byVoice.map((v) => v.voice))]
      : [...new Set(tensor.header.clips.map(speakerOfFile).filter((s): s is string => s !== null))];
  return {
    stage: o.stage,
    generator: generatorOf(o.dir),
    clips: n,
    speakers: speakers.sort(),
    accuracy: accuracy(confusion),
    ...(integer ? { intAccuracy: integer.accuracy } : {}),
    confusion: { labels: [...o.labels], counts: confusion },
    ...(integer ? { intConfusion: { labels: [...o.labels], counts: integer.confusion } } : {}),
    perLabel,
    mapped,
    engines: sources.engines,
    sources: breakdown,
  };
}
