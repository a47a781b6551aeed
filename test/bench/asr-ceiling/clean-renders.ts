import * as fs from 'node:fs';
import * as path from 'node:path';
import { applyPeakSafety } from '../../../src/audio/mix';
import { encodeWav16 } from '../../../src/audio/wav';
import { readClipSources } from '../../../src/eval/clip-sources';
import { BackgroundBank } from '../../../src/synth/backgrounds';
import { bindAugment, KwsAugmenter } from '../../../src/synth/kws-augment';
import { makeSpeechClip, placeSpeech } from '../../../src/synth/kws-clip';
import { planClips, type SpeechClipPlan } from '../../../src/synth/kws-plan';
import { rngForSeed } from '../../../src/synth/rng-for';
import { renderKey, renderUtterance, type Utterance } from '../../../src/synth/utterance';
import { resolveVoices } from '../../../src/synth/voice-sources';
import { openStore } from '../../../src/store/open-store';
import { fetchSynthKwsDataset, readBenchRun } from '../kws-error-analysis/run-record';

/**
 * The clean renders of a synth-kws run's clips (docs/results/2026-12-05-kws-asr-ceiling.md): each
 * test clip's word (and a stream-style clip's neighbour word) placed, levelled and cut exactly as
 * makeSpeechClip places it (src/synth/kws-clip.ts), but with no background and no augmentation,
 * so a listener can tell "the render does not say its word" from "the noise drowns it". Re-plans
 * the data stage from its stored config and seed (planClips, the same generators), takes the
 * renders from the TTS render cache, checks the plan against the dataset's testing_list and
 * sources.json, and re-makes `--verify` noisy clips with the stage's own code to compare with the
 * stored WAV bytes. Optionally a sample of training renders (`--train-per-engine N`: N base train
 * clips per engine, keyword and `_unknown_`, spread over voices). Writes
 *
 *   <out>/clean/<label>/<file>.wav   16-bit mono clips at the dataset rate
 *   <out>/clean-clips.json           per clip: split, label, word, neighbour word, engine, voice, held-out class, stream-style
 *   <out>/clean-test.txt, clean-train.txt   the clip lists (label/file.wav)
 *
 *   node dist/test/bench/asr-ceiling/clean-renders.js <run-id> <out-dir> [store-dir] [--verify 20] [--train-per-engine 0]
 */

interface CleanClip {
  readonly split: string;
  readonly label: string;
  readonly word: string;
  readonly neighbour?: string;
  readonly engine: string;
  readonly voice: string;
  readonly heldOut: false | 'voice' | 'engine';
  readonly streamStyle: boolean;
}

/** The speech of makeSpeechClip before background and augmentation (same placement, level and cuts). */
function cleanClip(plan: SpeechClipPlan, u: Utterance, clipSamples: number, sr: number, nb?: Utterance): Float32Array {
  const { speech } = placeSpeech(plan, u, clipSamples, sr, nb);
  applyPeakSafety(speech);
  return speech;
}

/** A deterministic spread: FNV-1a of the path, for picking training clips without a generator. */
function fnv(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const opt = (name: string, dflt: number): number => {
    const i = args.indexOf(name);
    if (i < 0) return dflt;
    const v = Number(args[i + 1]);
    args.splice(i, 2);
    if (!Number.isInteger(v) || v < 0) throw new Error(`${name}: expected a whole number ≥ 0`);
    return v;
  };
  const verify = opt('--verify', 20);
  const trainPerEngine = opt('--train-per-engine', 0);
  const [runId, outDir, storeDir = path.join(process.cwd(), '.tinyops', 'store')] = args;
  if (runId === undefined || outDir === undefined)
    throw new Error('usage: clean-renders.js <run-id> <out-dir> [store-dir] [--verify N] [--train-per-engine N]');
  const store = openStore(storeDir, process.cwd());
  const run = await readBenchRun(store, runId);
  const { spec, config, datasetDir } = await fetchSynthKwsDataset(store, run, runId, outDir);
  const rngFor = rngForSeed(run.pipeline.seed, spec.name);
  const sources = readClipSources(datasetDir);
  const testList = fs
    .readFileSync(path.join(datasetDir, 'testing_list.txt'), 'utf8')
    .split('\n')
    .filter((l) => l !== '');

  const voices = await resolveVoices(config);
  const plans = planClips(config, rngFor, voices);
  // The plan must be the stored dataset's: the same test clips, engines and voices.
  const plannedTest = plans
    .filter((p) => p.split === 'test')
    .map((p) => p.relPath)
    .sort();
  if (plannedTest.join('\n') !== [...testList].sort().join('\n'))
    throw new Error(`run ${runId}: the re-planned test split differs from the dataset's testing_list.txt`);
  for (const p of plans) {
    if (p.kind !== 'speech' || p.split !== 'test') continue;
    const s = sources.sourceOf(p.relPath);
    if (s.engine !== p.source.engine || s.voice !== p.source.voice)
      throw new Error(
        `${p.relPath}: planned ${p.source.engine}/${p.source.voice}, sources.json ${s.engine}/${s.voice}`,
      );
  }

  const sr = config.sampleRate;
  const clipSamples = Math.round((config.clipMs / 1000) * sr);
  const speech = plans.filter((p): p is SpeechClipPlan => p.kind === 'speech');
  const test = speech.filter((p) => p.split === 'test');
  // Distinct training renders only (train copies share their base clip's render), `trainPerEngine`
  // per engine, picked by path hash so they spread over voices and words.
  const byEngine = new Map<string, Map<string, SpeechClipPlan>>();
  for (const p of speech) {
    if (p.split !== 'train') continue;
    const renders = byEngine.get(p.source.engine) ?? new Map<string, SpeechClipPlan>();
    if (!renders.has(renderKey(p.request))) renders.set(renderKey(p.request), p);
    byEngine.set(p.source.engine, renders);
  }
  const train = [...byEngine.values()].flatMap((renders) =>
    [...renders.values()].sort((a, b) => fnv(a.relPath) - fnv(b.relPath)).slice(0, trainPerEngine),
  );

  const meta: Record<string, CleanClip> = {};
  const write = async (p: SpeechClipPlan): Promise<void> => {
    const u = await renderUtterance(p.request, sr);
    const nb = p.streamStyle?.neighbour ? await renderUtterance(p.streamStyle.neighbour.request, sr) : undefined;
    const file = path.join(outDir, 'clean', p.relPath);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, encodeWav16(cleanClip(p, u, clipSamples, sr, nb), sr));
    meta[p.relPath] = {
      split: p.split,
      label: p.label,
      word: p.request.text,
      ...(p.streamStyle?.neighbour ? { neighbour: p.streamStyle.neighbour.request.text } : {}),
      engine: p.source.engine,
      voice: p.source.voice,
      heldOut: p.source.heldOut,
      streamStyle: p.streamStyle !== undefined,
    };
  };
  let done = 0;
  for (const p of [...test, ...train]) {
    await write(p);
    if (++done % 200 === 0) console.error(`${done}/${test.length + train.length} clean clips`);
  }
  fs.writeFileSync(path.join(outDir, 'clean-clips.json'), JSON.stringify(meta, null, 1) + '\n');
  fs.writeFileSync(path.join(outDir, 'clean-test.txt'), test.map((p) => `${p.relPath}\n`).join(''));
  fs.writeFileSync(path.join(outDir, 'clean-train.txt'), train.map((p) => `${p.relPath}\n`).join(''));

  // Fidelity: the stage's own clip code on the re-planned clips gives the stored bytes.
  if (verify > 0) {
    const bank = await BackgroundBank.load(
      config.backgrounds,
      sr,
      { negatives: config.negatives, groups: voices.train },
      rngFor,
    );
    const augmenter = config.augment ? new KwsAugmenter(config.augment, sr, rngFor) : undefined;
    let same = 0;
    const sample = [...test].sort((a, b) => fnv(a.relPath) - fnv(b.relPath)).slice(0, verify);
    for (const p of sample) {
      const u = await renderUtterance(p.request, sr);
      const nb = p.streamStyle?.neighbour ? await renderUtterance(p.streamStyle.neighbour.request, sr) : undefined;
      const aug = augmenter && bindAugment(augmenter, (e) => rngFor('clip', p.label, p.index, 'augment', e), p.split);
      const rng = rngFor('clip', p.label, p.index, 'background');
      const bytes = encodeWav16(makeSpeechClip(p, u, bank, clipSamples, sr, rng, nb, aug), sr);
      if (bytes.equals(fs.readFileSync(path.join(datasetDir, p.relPath)))) same++;
      else console.error(`verify: ${p.relPath} differs from the stored clip`);
    }
    console.error(`verify: ${same} of ${sample.length} re-made test clips equal the stored WAV bytes`);
  }
  console.log(JSON.stringify({ test: test.length, train: train.length, out: outDir }));
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
