import { join } from 'node:path';
import { fingerprintFiles } from '../src/importer/fingerprint';
import { engineVersions, withEngineWorkers } from '../src/synth/engines/registry';
import { synthKwsConfigSchema, type SynthKwsConfig } from '../src/synth/kws-config';
import { generateKwsDataset, SYNTH_KWS_VERSION } from '../src/synth/kws-dataset';
import { generateKwsStreams } from '../src/synth/kws-streams';
import { KwsPool, synthWorkerCount } from '../src/synth/kws-pool';
import { resolvedVoicesDigest, resolveVoices, usedEngines } from '../src/synth/voice-sources';
import type { StageContext, StageModule, StageResult } from '../src/stage/stage-module';

/** Artifact (and work dir) names of the two stream sets. */
const SCORED_STREAMS = 'streams';
const TUNING_STREAMS = 'tuning-streams';

/**
 * Stage `synth-kws`: a keyword-spotting dataset synthesized with several TTS engines
 * (src/synth/engines; docs/data-sources.md), some voices and a whole engine family held out
 * for the test split and scored streams (thesis §3 AudioSample; docs/methods.md#keyword-spotting-data). A thin wrapper over src/synth that reports progress and stores
 * two artifacts: `dataset` (Speech Commands layout, one tar) and `streams` (long labelled
 * streams + index.json for event evaluation).
 *
 * Resume: clips are written under a temporary name and renamed, and `workDir` survives
 * retries of the same cache key, so a retried attempt keeps every complete clip and makes
 * only the rest (generation is order-independent and every engine renders a request to the
 * same bytes, so the bytes are the same). No store
 * checkpoint is kept: a retry on another machine has no local clips to resume from, and
 * regenerating them gives identical bytes.
 */

export const kind = 'synth-kws';
export const version = SYNTH_KWS_VERSION;
export const configSchema = synthKwsConfigSchema;

async function run(ctx: StageContext<SynthKwsConfig>): Promise<StageResult> {
  // Every engine process the stage started (render servers holding models of hundreds of MB,
  // fork servers, Festival workers) is stopped when it ends, on success or failure, once no
  // other synth-kws stage of this worker still uses them; the next stage starts them again.
  return withEngineWorkers(() => runStage(ctx));
}

async function runStage(ctx: StageContext<SynthKwsConfig>): Promise<StageResult> {
  const config = ctx.config;
  // Worker threads make the clips and streams on every core (src/synth/kws-pool.ts); the
  // bytes are those of one thread, so the count is no part of the cache key.
  const workers = synthWorkerCount();
  const pool =
    workers > 0
      ? KwsPool.start(workers, {
          config,
          seed: ctx.seed,
          stageName: ctx.stageName,
          voices: await resolveVoices(config),
        })
      : undefined;
  try {
    return await generate(ctx, pool);
  } finally {
    await pool?.close();
  }
}

async function generate(ctx: StageContext<SynthKwsConfig>, pool: KwsPool | undefined): Promise<StageResult> {
  const config = ctx.config;
  // pool.rngFor derives exactly as ctx.rng does: Prng.derive(seed, stageName, ...purpose).
  const rngFor = pool?.rngFor ?? ctx.rng.bind(ctx);
  const datasetDir = join(ctx.workDir, 'dataset');

  const dataset = await generateKwsDataset(
    config,
    datasetDir,
    rngFor,
    (done, total) => ctx.progress({ done, total, unit: 'clips', message: 'synthesizing clips' }),
    { resume: true, ...(pool ? { pool } : {}) },
  );
  if (dataset.resumedClips > 0) ctx.log(`resumed ${dataset.resumedClips} clips from a previous attempt`);
  for (const [engine, r] of Object.entries(dataset.engineRenders)) {
    const rate = r.renders > 0 && r.ms > 0 ? ` (${((1000 * r.renders) / r.ms).toFixed(1)} renders/s per slot)` : '';
    ctx.log(`${engine}: ${r.renders} renders${rate}, ${r.cached} from the render cache`);
  }
  // One stream set per kind: its work dir and artifact share the name; progress says which.
  const makeStreams = async (kind: 'scored' | 'tuning') => {
    const name = kind === 'scored' ? SCORED_STREAMS : TUNING_STREAMS;
    const dir = join(ctx.workDir, name);
    const message = kind === 'scored' ? 'synthesizing streams' : 'synthesizing tuning streams';
    const made = await generateKwsStreams(
      config,
      dir,
      rngFor,
      (done, total) => ctx.progress({ done, total, unit: 'streams', message }),
      kind,
      pool,
    );
    return { made, artifact: await ctx.storeDir(name, dir) };
  };
  const scored = await makeStreams('scored');
  const streams = scored.made;
  const artifacts = [await ctx.storeDir('dataset', datasetDir), scored.artifact];
  // Tuning streams only when asked for, so configs without them keep their artifact list.
  let tuningMinutes = 0;
  if (config.streams.tuning.count > 0) {
    const tuning = await makeStreams('tuning');
    tuningMinutes = tuning.made.totalSec / 60;
    artifacts.push(tuning.artifact);
  }
  const streamMinutes = streams.totalSec / 60;
  return {
    artifacts,
    metrics: {
      clips: dataset.clips,
      trainClips: dataset.trainClips,
      validationClips: dataset.validationClips,
      testClips: dataset.testClips,
      streams: streams.streams,
      streamMinutes,
      ...(tuningMinutes > 0 ? { tuningStreamMinutes: tuningMinutes } : {}),
      keywords: config.keywords.length,
    },
    summary:
      `${dataset.clips} clips, ${dataset.labels.length} labels, ${streams.streams} streams (${streamMinutes.toFixed(1)} min)` +
      (tuningMinutes > 0 ? ` + ${tuningMinutes.toFixed(1)} min tuning streams` : ''),
  };
}

/**
 * The voices the clip plan draws from, as this machine resolves them. `voices: all`, `exclude`
 * and the held-out engines name voices by what is installed, and an MBROLA database or a
 * festvox voice is a Debian package of its own, outside the engine's version: without this,
 * installing `mbrola-de4` changed the data (the plan picks among more voices) and kept the key.
 * Must not throw: a config that does not resolve keys without it and fails in `run` with the
 * field and voice named (src/synth/voice-sources.ts resolveVoices).
 */
async function voicesFingerprint(config: SynthKwsConfig): Promise<Record<string, string>> {
  try {
    return { voices: resolvedVoicesDigest(await resolveVoices(synthKwsConfigSchema.parse(config))) };
  } catch {
    return {};
  }
}

export const synthKwsStage: StageModule<SynthKwsConfig> = {
  kind,
  version,
  description:
    'Synthesize a keyword-spotting dataset (Speech Commands layout) and labelled streams with several TTS engines',
  configSchema,
  // The versions of exactly the engines this config uses: adding an engine changes the key
  // (and the render cache keeps every other engine's renders, so only its words are made).
  toolVersions: async (config?: SynthKwsConfig) =>
    engineVersions(usedEngines(synthKwsConfigSchema.parse(config ?? {}))),
  cacheInputs: async (config: SynthKwsConfig): Promise<Record<string, string>> => {
    // A background WAV is named by path in the config; its contents must reach the cache key.
    const files = config.backgrounds.flatMap((b) => (b.type === 'file' && b.path ? [b.path] : []));
    return {
      ...(files.length === 0 ? {} : { 'background-files': await fingerprintFiles(files) }),
      ...(await voicesFingerprint(config)),
    };
  },
  run,
};
