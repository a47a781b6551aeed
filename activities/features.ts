import { join } from 'node:path';
import { StageInputError } from '../src/errors';
import type { ArtifactRef } from '../src/store/artifact-store';
import { ClipFeatureExtractor, readClipPcm16 } from '../src/dsp/clip-features';
import { listKwsDataset, SPLITS, type SplitName } from '../src/dsp/dataset-listing';
import { FEATURE_MEDIA_TYPE, writeFeatureTensor } from '../src/dsp/feature-tensor';
import { mfccConfigSchema, type MfccConfig } from '../src/dsp/mfcc-config';
import { z } from 'zod';
import { logmelConfigSchema, type LogmelConfig } from '../src/dsp/logmel-config';
import { extractMachineFeatures } from '../src/dsp/machine-features';
import type { StageContext, StageModule, StageResult } from '../src/stage/stage-module';
import { yieldToEventLoop } from '../src/util/yield-to-event-loop';

/**
 * Stage `features`: MFCC front end (MicroNets §4 KWS: 40 ms window, 20 ms stride, 10
 * coefficients → 49×10 per 1 s clip) over the `dataset` artifact of an upstream stage
 * (synth-kws / import-audio, Speech Commands layout).
 *
 * Outputs three feature files, artifacts `train`, `validation`, `test` (format in
 * src/dsp/feature-tensor.ts; one file per split so training reads only what it needs), and a
 * fourth, `dev`, for a machine dataset with a dev split (docs/anomaly-detection.md#dev-split).
 * Each clip goes through both the fixed-point front end the board runs and the float64
 * reference; `implementation` picks which is stored, and the largest disagreement is
 * reported as metric `fixedVsFloatMaxAbsErr`. Clips are read in sorted path order and the
 * header is canonical, so the same inputs give the same bytes. The stage is fast (ms per
 * clip), so it keeps no checkpoint: a retry recomputes.
 *
 * Bump `version` whenever the same inputs would give different bytes (any change to the
 * DSP arithmetic, tables or file format).
 */

export const kind = 'features';
export const version = 1;
/**
 * `type: mfcc` (the default; KWS) or `type: logmel` (anomaly detection: log-mel patches of
 * a machine dataset, src/dsp/machine-features.ts; docs/stages/features.md).
 */
export const configSchema = z.discriminatedUnion('type', [mfccConfigSchema, logmelConfigSchema]);
export type FeaturesConfig = MfccConfig | LogmelConfig;

function findDatasetInput(ctx: StageContext<FeaturesConfig>): ArtifactRef {
  const found: Array<{ stage: string; ref: ArtifactRef }> = [];
  for (const [stage, out] of Object.entries(ctx.inputs)) {
    for (const ref of out.artifacts) if (ref.name === 'dataset') found.push({ stage, ref });
  }
  if (found.length === 0) {
    const names = Object.keys(ctx.inputs);
    throw new StageInputError(
      `stage ${ctx.stageName}: features needs an upstream stage that produces a \`dataset\` artifact (synth-kws or import-audio) in \`needs:\`; ` +
        (names.length === 0 ? 'it has no inputs' : `its inputs (${names.join(', ')}) have none`),
    );
  }
  const [only, ...more] = found;
  if (only === undefined || more.length > 0) {
    throw new StageInputError(
      `stage ${ctx.stageName}: more than one input has a \`dataset\` artifact (${found.map((f) => f.stage).join(', ')}); list exactly one in \`needs:\``,
    );
  }
  return only.ref;
}

/** Moved to src/dsp/clip-features.ts (evaluate reads measurement clips with it too); kept here for callers. */
export { readClipPcm16 };

async function run(ctx: StageContext<FeaturesConfig>): Promise<StageResult> {
  const config = ctx.config;
  if (config.type === 'logmel') return runLogmel(ctx, config);
  const dir = await ctx.fetchDir(findDatasetInput(ctx));
  const listing = listKwsDataset(dir);
  if (listing.missingListed.length > 0) {
    ctx.log(
      `${listing.missingListed.length} clips named in the split lists are missing, e.g. ${listing.missingListed[0]}`,
    );
  }
  const extractor = new ClipFeatureExtractor(config);
  const { frames, coefficients } = extractor.params;
  const perClip = extractor.valuesPerClip;
  const total = SPLITS.reduce((n, s) => n + listing.splits[s].length, 0);
  if (total === 0) throw new StageInputError(`${dir}: the dataset contains no .wav clips`);

  let done = 0;
  let maxErr = 0;
  const artifacts: ArtifactRef[] = [];
  const counts: Record<SplitName, number> = { train: 0, validation: 0, test: 0 };
  for (const split of SPLITS) {
    const clips = listing.splits[split];
    const data = new Float32Array(clips.length * perClip);
    for (const [i, clip] of clips.entries()) {
      const r = extractor.extract(readClipPcm16(join(dir, clip.path), config.sampleRate));
      data.set(r.features, i * perClip);
      maxErr = Math.max(maxErr, r.fixedVsFloatMaxAbsErr);
      ctx.progress({ done: ++done, total, unit: 'clips', message: `${split} features` });
      // Give the event loop a turn now and then: heartbeats are sent from it, and a split of
      // thousands of clips on a loaded machine would otherwise outlast the heartbeat timeout.
      if (i % 16 === 15) await yieldToEventLoop();
    }
    const file = join(ctx.workDir, `${split}.topsfeat`);
    writeFeatureTensor(
      file,
      {
        shape: [clips.length, frames, coefficients],
        split,
        labels: [...listing.labels],
        frontEnd: { ...config, fftSize: extractor.params.fftSize },
        labelIndex: clips.map((c) => c.label),
        clips: clips.map((c) => c.path),
      },
      data,
    );
    artifacts.push(await ctx.storeFile(split, file, FEATURE_MEDIA_TYPE));
    counts[split] = clips.length;
  }

  return {
    artifacts,
    metrics: {
      frames,
      coefficients,
      clips: total,
      trainClips: counts.train,
      validationClips: counts.validation,
      testClips: counts.test,
      fixedVsFloatMaxAbsErr: maxErr,
    },
    summary:
      `${total} clips → ${frames}×${coefficients} MFCC (${config.implementation}), ` +
      `train/val/test ${counts.train}/${counts.validation}/${counts.test}, fixed vs float max err ${maxErr.toFixed(3)}`,
  };
}

/** Log-mel patches of a machine dataset (anomaly detection), one feature file per split. */
async function runLogmel(ctx: StageContext<FeaturesConfig>, config: LogmelConfig): Promise<StageResult> {
  const dir = await ctx.fetchDir(findDatasetInput(ctx));
  const f = await extractMachineFeatures(dir, config, (done, total) =>
    ctx.progress({ done, total, unit: 'clips', message: 'log-mel patches' }),
  );
  const [rows, cols] = f.params.patchShape;
  const artifacts: ArtifactRef[] = [];
  const counts: Record<string, number> = {};
  for (const s of f.splits) {
    const file = join(ctx.workDir, `${s.split}.topsfeat`);
    writeFeatureTensor(
      file,
      {
        shape: [s.rowLabels.length, rows, cols],
        split: s.split,
        labels: [...f.labels],
        frontEnd: {
          ...config,
          fftSize: f.params.fftSize,
          highHz: f.params.highHz,
          ...(f.bandStats ? { bandStats: f.bandStats } : {}),
        },
        labelIndex: [...s.rowLabels],
        clips: [...s.rowClips],
      },
      s.data,
    );
    artifacts.push(await ctx.storeFile(s.split, file, FEATURE_MEDIA_TYPE));
    counts[`${s.split}Patches`] = s.rowLabels.length;
    counts[`${s.split}Clips`] = s.clips.length;
  }
  if (f.clipsWithoutPatch > 0) ctx.log(`${f.clipsWithoutPatch} clips are shorter than one patch and give no rows`);
  return {
    artifacts,
    metrics: {
      frames: rows,
      bands: cols,
      machines: f.labels.length,
      ...counts,
      fixedVsFloatMaxAbsErr: f.fixedVsFloatMaxAbsErr,
    },
    summary:
      `${f.splits.reduce((n, s) => n + s.clips.length, 0)} clips → ${rows}×${cols} log-mel patches (${config.implementation}), ` +
      `train/val/test ${counts.trainPatches}/${counts.validationPatches}/${counts.testPatches}` +
      (counts.devPatches !== undefined ? `/dev ${counts.devPatches}` : '') +
      ` patches of ${f.labels.length} machines, ` +
      `fixed vs float max err ${f.fixedVsFloatMaxAbsErr.toFixed(3)} dB`,
  };
}

export const featuresStage: StageModule<FeaturesConfig> = {
  kind,
  version,
  description:
    'MFCC features (KWS) or log-mel patches (type: logmel, anomaly detection); fixed-point front end the board runs, checked against a float reference, per split',
  configSchema,
  run,
};
