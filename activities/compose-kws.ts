import { join } from 'node:path';
import { StageInputError } from '../src/errors';
import { composeKwsConfigSchema, type ComposeKwsConfig } from '../src/compose/compose-config';
import { composeDataset, COMPOSE_KWS_VERSION } from '../src/compose/compose-dataset';
import { prepareComposition } from '../src/compose/compose-setup';
import { composeStreams } from '../src/compose/compose-streams';
import { readRecordingsDataset } from '../src/compose/recordings';
import { readTtsDataset } from '../src/compose/tts-dataset';
import type { ArtifactRef } from '../src/store/artifact-store';
import type { StageContext, StageModule, StageResult } from '../src/stage/stage-module';

/**
 * Stage `compose-kws`: a keyword-spotting dataset composed from a user's recordings (thesis
 * §3 Algorithm 1 / appendix 3.B AudioSample; docs/stages/compose-kws.md). A thin wrapper
 * over src/compose that finds its two inputs *by stage name* — `recordings` (an import-audio
 * stage) and optionally `tts` (a synth-kws stage): both make a `dataset` artifact, so taking
 * "the first `dataset` among needs" would be ambiguous — and stores synth-kws' artifacts:
 * `dataset` (+ sources.json), `streams`, and `tuning-streams` when asked for.
 *
 * No checkpoint: composing is pure CPU work without external tools (seconds per thousand
 * clips), so a retry redoes it and gets the same bytes.
 */

export const kind = 'compose-kws';
export const version = COMPOSE_KWS_VERSION;
export const configSchema = composeKwsConfigSchema;

/** The `dataset` artifact of the stage a config key names; it must be in `needs:`. */
function datasetOf(
  ctx: StageContext<ComposeKwsConfig>,
  field: 'recordings' | 'tts',
  stage: string,
  producer: string,
): ArtifactRef {
  const out = ctx.inputs[stage];
  if (!out) {
    const needs = Object.keys(ctx.inputs);
    throw new StageInputError(
      `stages.${ctx.stageName}.with.${field}: "${stage}" is not among the stage's needs (${needs.length > 0 ? needs.join(', ') : 'none'}); add it to needs:`,
    );
  }
  const ref = out.artifacts.find((a) => a.name === 'dataset');
  if (!ref) {
    throw new StageInputError(
      `stages.${ctx.stageName}.with.${field}: stage "${stage}" made no "dataset" artifact (expected ${producer}; it made ${out.artifacts.map((a) => a.name).join(', ') || 'nothing'})`,
    );
  }
  return ref;
}

async function run(ctx: StageContext<ComposeKwsConfig>): Promise<StageResult> {
  const config = ctx.config;
  const rngFor = ctx.rng.bind(ctx);
  const recordingsDir = await ctx.fetchDir(datasetOf(ctx, 'recordings', config.recordings, 'an import-audio stage'));
  const recordings = await readRecordingsDataset(recordingsDir, `stage "${config.recordings}"`);
  const tts =
    config.tts === undefined
      ? undefined
      : await readTtsDataset(
          await ctx.fetchDir(datasetOf(ctx, 'tts', config.tts, 'a synth-kws stage')),
          `stage "${config.tts}"`,
        );
  const setup = await prepareComposition(config, recordings, tts, (done, total) =>
    ctx.progress({ done, total, unit: 'recordings', message: 'trimming recordings' }),
  );
  if (setup.skippedSilent.length > 0)
    ctx.log(
      `left out ${setup.skippedSilent.length} silent recordings: ${setup.skippedSilent.slice(0, 10).join(', ')}${setup.skippedSilent.length > 10 ? ', …' : ''}`,
    );

  const datasetDir = join(ctx.workDir, 'dataset');
  const dataset = await composeDataset(config, setup, datasetDir, rngFor, (done, total) =>
    ctx.progress({ done, total, unit: 'clips', message: 'composing clips' }),
  );
  const artifacts: ArtifactRef[] = [await ctx.storeDir('dataset', datasetDir)];
  const streamMetrics: Record<string, number> = {};
  let streamsText = 'no streams (streams.count: 0)';
  if (config.streams.count > 0) {
    const dir = join(ctx.workDir, 'streams');
    const s = await composeStreams(config, setup, dir, rngFor, 'scored', (done, total) =>
      ctx.progress({ done, total, unit: 'streams', message: 'composing streams' }),
    );
    artifacts.push(await ctx.storeDir('streams', dir));
    streamMetrics.streams = s.streams;
    streamMetrics.streamMinutes = s.totalSec / 60;
    streamsText = `${s.streams} streams (${(s.totalSec / 60).toFixed(1)} min)`;
  }
  if (config.streams.tuning.count > 0) {
    const dir = join(ctx.workDir, 'tuning-streams');
    const s = await composeStreams(config, setup, dir, rngFor, 'tuning', (done, total) =>
      ctx.progress({ done, total, unit: 'streams', message: 'composing tuning streams' }),
    );
    artifacts.push(await ctx.storeDir('tuning-streams', dir));
    streamMetrics.tuningStreamMinutes = s.totalSec / 60;
    streamsText += ` + ${(s.totalSec / 60).toFixed(1)} min tuning streams`;
  }
  return {
    artifacts,
    metrics: {
      clips: dataset.clips,
      trainClips: dataset.trainClips,
      validationClips: dataset.validationClips,
      testClips: dataset.testClips,
      composedClips: dataset.composedClips,
      ttsClips: dataset.ttsClips,
      recordingsUsed: dataset.recordingsUsed,
      trainSpeakers: dataset.speakers.train,
      validationSpeakers: dataset.speakers.validation,
      testSpeakers: dataset.speakers.test,
      skippedSilent: setup.skippedSilent.length,
      keywords: setup.keywords.length,
      ...streamMetrics,
    },
    summary:
      `${dataset.clips} clips (${dataset.composedClips} composed from ${dataset.recordingsUsed} recordings, ${dataset.ttsClips} from TTS), ` +
      `${dataset.labels.length} labels, train/val/test ${dataset.trainClips}/${dataset.validationClips}/${dataset.testClips}, ` +
      `speakers ${dataset.speakers.train}/${dataset.speakers.validation}/${dataset.speakers.test}; ${streamsText}`,
  };
}

export const composeKwsStage: StageModule<ComposeKwsConfig> = {
  kind,
  version,
  description:
    'Compose a keyword-spotting dataset and labelled streams from recorded words and backgrounds (an import-audio stage), optionally mixed with a synth-kws dataset',
  configSchema,
  run,
};
