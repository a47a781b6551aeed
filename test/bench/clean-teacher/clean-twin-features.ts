import * as fs from 'node:fs';
import * as path from 'node:path';
import { applyPeakSafety } from '../../../src/audio/mix';
import { floatsToInt16 } from '../../../src/audio/wav';
import { ClipFeatureExtractor, readClipPcm16 } from '../../../src/dsp/clip-features';
import { listKwsDataset } from '../../../src/dsp/dataset-listing';
import { mfccConfigSchema } from '../../../src/dsp/mfcc-config';
import { openStore } from '../../../src/store/open-store';
import { placeSpeech } from '../../../src/synth/kws-clip';
import { planClips } from '../../../src/synth/kws-plan';
import { rngForSeed } from '../../../src/synth/rng-for';
import { renderUtterance } from '../../../src/synth/utterance';
import { resolveVoices } from '../../../src/synth/voice-sources';
import { Prng } from '../../../src/util/prng';
import { fetchSynthKwsDataset, readBenchRun } from '../kws-error-analysis/run-record';

/**
 * The clean-view teacher experiment (docs/results/2026-12-06-kws-training-levers.md): features
 * of a clean twin of every train clip of a synth-kws run, in the features stage's train order
 * (listKwsDataset: sorted by path). A speech clip's twin is its speech as makeSpeechClip places
 * it (placeSpeech: same level, shift, cuts and neighbour word) over a white floor at −70 dBFS
 * instead of the background, without augmentation; a `_silence_` clip is its own twin.
 *
 *   node dist/test/bench/clean-teacher/clean-twin-features.js <run-id> <out-prefix> [store-dir]
 *
 * writes <out-prefix>.f32 (float32, clips × 490) and <out-prefix>.labels.json (each row's label).
 */
async function main(): Promise<void> {
  const [runId, outPrefix, storeDir = path.join(process.cwd(), '.tinyops', 'store')] = process.argv.slice(2);
  if (runId === undefined || outPrefix === undefined)
    throw new Error('usage: clean-twin-features.js <run-id> <out-prefix> [store-dir]');
  const store = openStore(storeDir, process.cwd());
  const run = await readBenchRun(store, runId);
  const featuresSpec = run.pipeline.stages.find((s) => s.kind === 'features');
  if (!featuresSpec) throw new Error(`run ${runId} has no features stage`);
  const extractor = new ClipFeatureExtractor(mfccConfigSchema.parse(featuresSpec.config ?? {}));
  const { spec, config, datasetDir } = await fetchSynthKwsDataset(store, run, runId, `${outPrefix}-work`);
  const plans = planClips(config, rngForSeed(run.pipeline.seed, spec.name), await resolveVoices(config));
  const byPath = new Map(plans.map((p) => [p.relPath, p]));
  const train = listKwsDataset(datasetDir).splits.train;
  const per = extractor.valuesPerClip;
  const out = new Float32Array(train.length * per);
  const sr = config.sampleRate;
  const clipSamples = Math.round((config.clipMs / 1000) * sr);
  const floorPeak = 10 ** (-70 / 20) * Math.sqrt(3); // uniform noise of −70 dBFS rms
  for (let i = 0; i < train.length; i++) {
    const clip = train[i]!;
    const p = byPath.get(clip.path);
    let pcm: Int16Array;
    if (p?.kind === 'speech') {
      const u = await renderUtterance(p.request, sr);
      const nb = p.streamStyle?.neighbour ? await renderUtterance(p.streamStyle.neighbour.request, sr) : undefined;
      const { speech } = placeSpeech(p, u, clipSamples, sr, nb);
      const rng = Prng.derive('exp/clean-floor', i); // the label the measured run's floor used
      for (let k = 0; k < speech.length; k++) speech[k] = speech[k]! + floorPeak * (2 * rng.next() - 1);
      applyPeakSafety(speech);
      pcm = floatsToInt16(speech);
    } else {
      if (!p) throw new Error(`${clip.path}: not in the re-planned dataset`);
      pcm = readClipPcm16(path.join(datasetDir, clip.path), sr);
    }
    out.set(extractor.extract(pcm).features, i * per);
    if (i % 2000 === 0) console.error(`${i}/${train.length}`);
  }
  fs.writeFileSync(`${outPrefix}.f32`, Buffer.from(out.buffer));
  fs.writeFileSync(`${outPrefix}.labels.json`, JSON.stringify(train.map((c) => c.label)));
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
