import * as fs from 'node:fs';
import * as path from 'node:path';
import { floatToInt16, readWav } from '../../../src/audio/wav';
import { ClipFeatureExtractor } from '../../../src/dsp/clip-features';
import { readFeatureTensor } from '../../../src/dsp/feature-tensor';
import { mfccConfigSchema } from '../../../src/dsp/mfcc-config';
import { loadModelArtifacts, predict, readModelDir } from '../../../src/nn';
import { openStore } from '../../../src/store/open-store';
import { BackgroundBank } from '../../../src/synth/backgrounds';
import { bindAugment, KwsAugmenter } from '../../../src/synth/kws-augment';
import { makeSpeechClip, makeSilenceClip, streamStyleStart } from '../../../src/synth/kws-clip';
import { synthKwsConfigSchema } from '../../../src/synth/kws-config';
import { planClips, type ClipPlan } from '../../../src/synth/kws-plan';
import { rngForSeed } from '../../../src/synth/rng-for';
import { renderUtterance, type Utterance } from '../../../src/synth/utterance';
import { resolveVoices } from '../../../src/synth/voice-sources';
import { placement, replayAugment, type AugmentDraws, type Placement } from './clip-metadata';
import { artifactDigest, fetchArtifact, readBenchRun } from './run-record';
import { writeTables, type ClipRow } from './tables';

/**
 * KWS error analysis (docs/results/2026-12-04-kws-error-analysis.md): the stored float model of
 * one run on every clip of its dataset — train (as stored, without the train stage's
 * SpecAugment), validation and test — joined with each clip's plan and augmentation draws,
 * which are replayed from the data stage's config and seed (nothing is re-synthesised: the TTS
 * renders come from the render cache). Each clip is also remade twice and classified again:
 * `dry` (same noise, no augmentation) and `clean` (no augmentation, background 80 dB down),
 * so a factor's errors can be told apart as "noise/augmentation masks the word" or "the word
 * itself is wrong".
 *
 *   node dist/test/bench/kws-error-analysis/analyse.js <run-id> <out-dir> [store-dir] [data-stage] [train-stage]
 *
 * Writes <out-dir>/rows.jsonl (one clip per line) and <out-dir>/tables.md. Unpacked artifacts
 * stay in <out-dir> (a rerun reuses them).
 */

async function main(): Promise<void> {
  const [
    runId,
    outDir,
    storeDir = path.join(process.cwd(), '.tinyops', 'store'),
    dataStage = 'data',
    trainStage = 'train',
  ] = process.argv.slice(2);
  if (runId === undefined || outDir === undefined)
    throw new Error('usage: analyse.js <run-id> <out-dir> [store-dir] [data-stage] [train-stage]');
  const store = openStore(storeDir, process.cwd());
  const run = await readBenchRun(store, runId);
  const artifact = (stage: string, name: string): string => artifactDigest(run, runId, name, stage);
  const featuresStage = Object.keys(run.stages).find((s) =>
    run.stages[s]?.artifacts?.some((a) => a.name === 'validation'),
  );
  if (featuresStage === undefined) throw new Error(`run ${runId} has no features stage`);
  fs.mkdirSync(outDir, { recursive: true });
  const unpack = (sha: string, dir: string): Promise<string> => fetchArtifact(store, sha, outDir, dir, true);
  const datasetDir = await unpack(artifact(dataStage, 'dataset'), 'dataset');
  // KWS_ANALYSIS_MODEL_RUN: score another run's model on this run's clips (the data effect of a change).
  const modelRun = process.env['KWS_ANALYSIS_MODEL_RUN'];
  const modelSha = modelRun
    ? artifactDigest(await readBenchRun(store, modelRun), modelRun, 'model', trainStage)
    : artifact(trainStage, 'model');
  const model = await loadModelArtifacts(
    readModelDir(await unpack(modelSha, modelRun ? `model-${modelRun}` : 'model')),
  );

  const dataSpec = run.pipeline.stages.find((s) => s.name === dataStage);
  if (!dataSpec) throw new Error(`run ${runId}: no stage ${dataStage}`);
  const config = synthKwsConfigSchema.parse(dataSpec.config);
  const rngFor = rngForSeed(run.pipeline.seed, dataStage);
  const voices = await resolveVoices(config);
  const plans = new Map(planClips(config, rngFor, voices).map((p) => [p.relPath, p]));
  const sr = config.sampleRate;
  const clipSamples = Math.round((config.clipMs / 1000) * sr);
  const augmenter = config.augment ? new KwsAugmenter(config.augment, sr, rngFor) : undefined;
  const bank = await BackgroundBank.load(
    config.backgrounds,
    sr,
    { negatives: config.negatives, groups: voices.train },
    rngFor,
  );

  // KWS_ANALYSIS_CLEAN_SNR: the `clean` remake's SNR (default 80 dB: the background below the
  // int16 floor, i.e. digital silence around the word); KWS_ANALYSIS_EVERY: every n-th clip only.
  const cleanSnr = Number(process.env['KWS_ANALYSIS_CLEAN_SNR'] ?? 80);
  const every = Math.max(1, Number(process.env['KWS_ANALYSIS_EVERY'] ?? 1));
  const rows: ClipRow[] = [];
  let labels: readonly string[] = [];
  for (const split of ['train', 'validation', 'test'] as const) {
    const file = path.join(outDir, `${split}.feat`);
    if (!fs.existsSync(file)) await store.getToFile(artifact(featuresStage, split), file);
    const t = readFeatureTensor(file);
    labels = t.header.labels;
    const shape = [t.header.shape[1]!, t.header.shape[2]!] as [number, number];
    const extractor = new ClipFeatureExtractor(mfccConfigSchema.parse(t.header.frontEnd));
    const stored = await predict(model, t.data, shape);
    const nc = labels.length;
    const argmax = (p: Float32Array, i: number): number => {
      let best = 0;
      for (let c = 1; c < nc; c++) if (p[i * nc + c]! > p[i * nc + best]!) best = c;
      return best;
    };
    // Remade variants, batched per split.
    const per = shape[0] * shape[1];
    const dry = new Float32Array(t.header.clips.length * per);
    const clean = new Float32Array(t.header.clips.length * per);
    const meta: Array<{ plan: ClipPlan; aug: AugmentDraws; place?: Placement; remadeEqual?: boolean } | undefined> = [];
    for (let i = 0; i < t.header.clips.length; i++) {
      if (i % every !== 0) {
        meta.push(undefined);
        continue;
      }
      const rel = t.header.clips[i]!;
      const plan = plans.get(rel);
      if (!plan) throw new Error(`${rel}: not in the replayed plan (config or seed differ from the run's)`);
      const effect = (e: string) => rngFor('clip', plan.label, plan.index, 'augment', e);
      const aug = augmenter ? replayAugment(augmenter, effect, plan.kind === 'speech') : {};
      let place: Placement | undefined;
      let dryClip: Float32Array;
      let cleanClip: Float32Array;
      let remadeEqual: boolean | undefined;
      const bg = () => rngFor('clip', plan.label, plan.index, 'background');
      if (plan.kind === 'speech') {
        const u = await renderUtterance(plan.request, sr);
        const nb: Utterance | undefined = plan.streamStyle?.neighbour
          ? await renderUtterance(plan.streamStyle.neighbour.request, sr)
          : undefined;
        place = placement(plan, u, clipSamples, sr, (len) => startOf(plan, len, clipSamples, sr));
        dryClip = makeSpeechClip(plan, u, bank, clipSamples, sr, bg(), nb);
        cleanClip = makeSpeechClip({ ...plan, snrDb: cleanSnr }, u, bank, clipSamples, sr, bg(), nb);
        // Every 50th clip remade in full and compared with the stored WAV: proves the replay.
        if (i % 50 === 0 && augmenter) {
          const full = makeSpeechClip(plan, u, bank, clipSamples, sr, bg(), nb, bindAugment(augmenter, effect));
          remadeEqual = sameInt16(full, readWav(path.join(datasetDir, rel)).samples);
        }
      } else {
        dryClip = makeSilenceClip(plan, bank, clipSamples, bg());
        cleanClip = dryClip;
      }
      dry.set(extractor.extract(Int16Array.from(dryClip, floatToInt16)).features, i * per);
      clean.set(extractor.extract(Int16Array.from(cleanClip, floatToInt16)).features, i * per);
      meta.push({ plan, aug, ...(place ? { place } : {}), ...(remadeEqual !== undefined ? { remadeEqual } : {}) });
      if (i % 500 === 0) process.stderr.write(`[kws-error-analysis] ${split} ${i}/${t.header.clips.length}\n`);
    }
    const pDry = await predict(model, dry, shape);
    const pClean = await predict(model, clean, shape);
    for (let i = 0; i < meta.length; i++) {
      const m = meta[i];
      if (m === undefined) continue;
      const p = m.plan;
      rows.push({
        split,
        clip: p.relPath,
        label: p.label,
        pred: labels[argmax(stored, i)]!,
        confidence: stored[i * nc + argmax(stored, i)]!,
        predDry: labels[argmax(pDry, i)]!,
        predClean: labels[argmax(pClean, i)]!,
        background: config.backgrounds[p.background]!.type + (config.backgrounds[p.background]!.set ?? ''),
        levelDbfs: p.levelDbfs,
        ...(p.kind === 'speech'
          ? {
              engine: p.source.engine,
              voice: p.source.voice,
              heldOut: p.source.heldOut,
              text: p.request.text,
              params: p.request.params,
              snrDb: p.snrDb,
              shiftMs: p.shiftMs,
              ...(p.streamStyle
                ? {
                    streamStyle: { position: p.streamStyle.position, neighbour: p.streamStyle.neighbour?.request.text },
                  }
                : {}),
            }
          : { engine: 'silence' }),
        augment: m.aug,
        ...(m.place ? { place: m.place } : {}),
        ...(m.remadeEqual !== undefined ? { remadeEqual: m.remadeEqual } : {}),
      });
    }
  }
  model.dispose();
  fs.writeFileSync(path.join(outDir, 'rows.jsonl'), rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
  fs.writeFileSync(path.join(outDir, 'tables.md'), writeTables(rows, labels));
  const checked = rows.filter((r) => r.remadeEqual !== undefined);
  process.stderr.write(
    `[kws-error-analysis] ${rows.length} clips; replay check: ${checked.filter((r) => r.remadeEqual).length}/${checked.length} remade clips equal the stored WAV\n`,
  );
}

/** makeSpeechClip's placement of a word of `len` samples (src/synth/kws-clip.ts). */
function startOf(plan: ClipPlan, len: number, clipSamples: number, sr: number): number {
  if (plan.kind !== 'speech') return 0;
  if (plan.streamStyle) return streamStyleStart(plan.streamStyle, len, clipSamples, sr);
  const shift = Math.round((plan.shiftMs / 1000) * sr);
  const start = Math.floor((clipSamples - len) / 2) + shift;
  return len <= clipSamples ? Math.min(Math.max(start, 0), clipSamples - len) : Math.floor((clipSamples - len) / 2);
}

function sameInt16(a: Float32Array, b: Float32Array): boolean {
  if (a.length !== b.length) return false;
  // The stored WAV went through peak safety and int16: compare what the file holds.
  for (let i = 0; i < a.length; i++) if (floatToInt16(a[i]!) !== floatToInt16(b[i]!)) return false;
  return true;
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exitCode = 1;
});
