import { join } from 'node:path';
import { StageInputError } from '../src/errors';
import { fingerprintFolder } from '../src/importer/fingerprint';
import { importAudioConfigSchema, isMachineLayout, type ImportAudioConfig } from '../src/importer/import-config';
import { importMachineFolder } from '../src/importer/machine-import';
import { importStreams } from '../src/importer/import-streams';
import {
  IMPORT_AUDIO_VERSION,
  importSpeechCommandsFolder,
  resolveImportPath,
} from '../src/importer/speech-commands-folder';
import type { ArtifactRef } from '../src/store/artifact-store';
import type { Metrics, StageContext, StageModule, StageResult } from '../src/stage/stage-module';

/**
 * Stage `import-audio`: a user's folder in Speech Commands layout becomes the same
 * `dataset` artifact synth-kws makes (docs/stages/import-audio.md), so `features` and later stages cannot
 * tell them apart. A thin wrapper over src/importer that reports progress and stores:
 *   `dataset`  always (layout in src/importer/speech-commands-folder.ts)
 *   `streams`  only when `streamsDir` names a folder in synth-kws' streams format; an
 *              import cannot make labelled streams from clips, and the summary says so.
 * A bad folder or WAV throws StageInputError naming the path and the reason; the stage
 * runner turns it into a non-retryable failure and nothing is committed to the cache.
 *
 * CACHE LIMITATION. The cache key sees the config — the folder's *path* — not the
 * folder's contents. Left alone, editing the folder and rerunning would hit the cache and
 * reuse the old import. `toolVersions()` cannot help (it gets no config, so it cannot
 * know the path); instead this module adds `cacheInputs(config)`, which returns a
 * fingerprint of the folder (and of `streamsDir`): sorted relative paths + sizes + mtimes,
 * one stat per file, no reads (src/importer/fingerprint.ts). The caller that computes the
 * cache key (activities/bookkeeping.ts) must include it for this to take effect. The
 * fingerprint misses an edit that keeps a file's size and mtime, and it changes on a fresh
 * copy of identical files (a needless re-import with identical bytes).
 *
 * No checkpoint: an import is one pass of decode + resample per clip, so a retry redoes it.
 */

export const kind = 'import-audio';
export const version = IMPORT_AUDIO_VERSION;
export const configSchema = importAudioConfigSchema;

/** A StageModule plus the extra cache-key inputs described above. */
export interface ImportAudioStageModule extends StageModule<ImportAudioConfig> {
  /** Content fingerprints the cache key must include (the config only names the folders). */
  cacheInputs(config: ImportAudioConfig): Promise<Record<string, string>>;
}

/**
 * A folder that cannot be fingerprinted (missing, unreadable) gets a stable placeholder
 * rather than an error: the cache lookup then misses and `run` reports the problem with
 * the stage's own message, as a non-retryable stage failure.
 */
async function fingerprintOrPlaceholder(path: string): Promise<string> {
  try {
    return await fingerprintFolder(resolveImportPath(path));
  } catch (e) {
    if (e instanceof StageInputError) return `unreadable: ${e.message}`;
    throw e;
  }
}

async function cacheInputs(config: ImportAudioConfig): Promise<Record<string, string>> {
  const out: Record<string, string> = { 'import-audio-folder': await fingerprintOrPlaceholder(config.path) };
  if (config.streamsDir !== undefined) out['import-audio-streams'] = await fingerprintOrPlaceholder(config.streamsDir);
  return out;
}

/** Machine sounds (MIMII / DCASE layout) → the machine dataset synth-machine makes. */
async function runMachineImport(ctx: StageContext<ImportAudioConfig>): Promise<StageResult> {
  const config = ctx.config;
  const dir = join(ctx.workDir, 'dataset');
  const s = await importMachineFolder(resolveImportPath(config.path), config.path, dir, {
    layout: config.layout as 'mimii' | 'dcase' | 'auto',
    sampleRate: config.sampleRate,
    validation: config.split.validation,
    onProgress: (done, total) => ctx.progress({ done, total, unit: 'clips', message: 'importing machine sounds' }),
  });
  return {
    artifacts: [await ctx.storeDir('dataset', dir)],
    metrics: {
      layout: s.layout,
      clips: s.clips,
      trainClips: s.trainClips,
      validationClips: s.validationClips,
      testNormalClips: s.testNormalClips,
      testAbnormalClips: s.testAbnormalClips,
      machineTypes: s.machineTypes,
      machineIds: s.machineIds,
      converted: s.converted,
      resampled: s.resampled,
      mixedDown: s.mixedDown,
      ignoredFiles: s.ignoredFiles,
    },
    summary:
      `${s.clips} machine clips (${s.layout} layout) of ${s.machineIds} machines in ${s.machineTypes} types, ` +
      `train/val/test ${s.trainClips}/${s.validationClips}/${s.testNormalClips + s.testAbnormalClips} (${s.testAbnormalClips} anomalous), ` +
      `${s.converted} converted to ${config.sampleRate / 1000} kHz mono PCM16` +
      (s.ignoredFiles > 0 ? `, ${s.ignoredFiles} non-WAV files ignored` : ''),
  };
}

async function run(ctx: StageContext<ImportAudioConfig>): Promise<StageResult> {
  const config = ctx.config;
  if (isMachineLayout(config.layout)) return runMachineImport(ctx);
  const dataset = await importSpeechCommandsFolder(config, join(ctx.workDir, 'dataset'), {
    onProgress: (done, total) => ctx.progress({ done, total, unit: 'clips', message: 'importing clips' }),
  });
  if (dataset.unknownFolders.length > 0) ctx.log(`imported as _unknown_: ${dataset.unknownFolders.join(', ')}`);
  const artifacts: ArtifactRef[] = [await ctx.storeDir('dataset', join(ctx.workDir, 'dataset'))];

  let streamsText = 'no streams (import-audio makes streams only from streamsDir)';
  const streamMetrics: Record<string, number> = {};
  if (config.streamsDir !== undefined) {
    const streamsDir = join(ctx.workDir, 'streams');
    const streams = await importStreams(
      resolveImportPath(config.streamsDir),
      config.streamsDir,
      streamsDir,
      config.sampleRate,
      dataset.keywords,
      (done, total) => ctx.progress({ done, total, unit: 'streams', message: 'importing streams' }),
    );
    artifacts.push(await ctx.storeDir('streams', streamsDir));
    const minutes = streams.totalSec / 60;
    streamMetrics.streams = streams.streams;
    streamMetrics.streamMinutes = minutes;
    streamsText = `${streams.streams} streams (${minutes.toFixed(1)} min)`;
  }

  const metrics: Metrics = {
    clips: dataset.clips,
    trainClips: dataset.trainClips,
    validationClips: dataset.validationClips,
    testClips: dataset.testClips,
    keywords: dataset.keywords.length,
    converted: dataset.converted,
    resampled: dataset.resampled,
    mixedDown: dataset.mixedDown,
    trimmed: dataset.trimmed,
    padded: dataset.padded,
    silenceClips: dataset.silenceClips,
    ignoredFiles: dataset.ignoredFiles,
    splitSource: dataset.splitSource,
    ...streamMetrics,
  };
  const notes = [
    `${dataset.converted} converted to ${config.sampleRate / 1000} kHz mono PCM16`,
    ...(dataset.trimmed > 0 ? [`${dataset.trimmed} trimmed to ${config.clipMs} ms`] : []),
    ...(dataset.padded > 0 ? [`${dataset.padded} padded`] : []),
    ...(dataset.ignoredFiles > 0 ? [`${dataset.ignoredFiles} non-WAV files ignored`] : []),
  ];
  return {
    artifacts,
    metrics,
    summary:
      `${dataset.clips} clips, ${dataset.labels.length} labels, ` +
      `train/val/test ${dataset.trainClips}/${dataset.validationClips}/${dataset.testClips} ` +
      `(split from ${dataset.splitSource === 'lists' ? 'list files' : 'file-name hash'}), ${notes.join(', ')}; ${streamsText}`,
  };
}

export const importAudioStage: ImportAudioStageModule = {
  kind,
  version,
  description:
    'Import a folder in Speech Commands layout (<label>/<clip>.wav, optional split lists) as a keyword-spotting dataset, or machine sounds in MIMII / DCASE layout (layout:) for anomaly detection',
  configSchema,
  cacheInputs,
  run,
};
