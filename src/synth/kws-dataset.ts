import { mkdir, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { encodeWav16, wav16Bytes } from '../audio/wav';
import { BackgroundBank } from './backgrounds';
import { espeakVersion } from './espeak';
import { bindAugment, KwsAugmenter } from './kws-augment';
import { assertVoicesInstalled } from './kws-checks';
import { makeSilenceClip, makeSpeechClip } from './kws-clip';
import type { SynthKwsConfig } from './kws-config';
import { kwsLabels, planClips, SPLITS, type ClipPlan, type Split } from './kws-plan';
import { mapLimit } from './limit';
import type { RngFor } from './rng-for';
import { renderKey, renderUtterance } from './utterance';

/**
 * Generator of the synth-kws dataset directory (DESIGN §5 "Keyword spotting data",
 * thesis §3 AudioSample), in Speech Commands layout:
 *
 *   <label>/<voice>_nohash_<n>.wav    16-bit mono clips, one directory per label
 *   validation_list.txt testing_list.txt   `label/file.wav` per line, sorted
 *   dataset.json                      labels, rate, counts per split, voices, generator
 *
 * Bytes depend only on (config, seed, espeak-ng version): every clip is planned from its
 * own generator, made from a render that is a pure function of its request, and written
 * under a temporary name then renamed, so any order, concurrency or resume gives the same
 * files.
 */

/** Bump when the same config would produce different bytes (part of the stage version). */
export const SYNTH_KWS_VERSION = 1;

export type ProgressFn = (done: number, total: number) => void;

export interface GenerateKwsOptions {
  /**
   * Keep complete clips already in `outDir` (from an interrupted attempt with the same
   * config) instead of emptying it first. Default false.
   */
  readonly resume?: boolean;
  /** Render groups in flight (espeak-ng itself is capped at 2 processes). Default 4. */
  readonly concurrency?: number;
  /** Produce clips in reverse plan order (tests use it to show order does not matter). */
  readonly reverseOrder?: boolean;
}

export interface KwsDatasetSummary {
  readonly labels: readonly string[];
  readonly clips: number;
  readonly trainClips: number;
  readonly validationClips: number;
  readonly testClips: number;
  /** Clips per split per label. */
  readonly counts: Readonly<Record<Split, Readonly<Record<string, number>>>>;
  /** espeak-ng renders made by this call (the babble pool included). */
  readonly renders: number;
  /** Clips kept from a previous attempt (resume). */
  readonly resumedClips: number;
}

/** Contents of dataset.json. */
export interface KwsDatasetManifest {
  readonly generator: 'synth-kws';
  readonly version: number;
  readonly tools: Readonly<Record<string, string>>;
  readonly labels: readonly string[];
  readonly sampleRate: number;
  readonly clipMs: number;
  readonly counts: Readonly<Record<Split, Readonly<Record<string, number>>>>;
  readonly voices: readonly string[];
  readonly testVoices: readonly string[];
}

export const VALIDATION_LIST = 'validation_list.txt';
export const TESTING_LIST = 'testing_list.txt';
export const DATASET_MANIFEST = 'dataset.json';

/** Write atomically: readers (and a resumed attempt) never see a partial file. */
async function writeAtomic(path: string, data: Buffer | string): Promise<void> {
  const tmp = `${path}.tmp`;
  await writeFile(tmp, data);
  await rename(tmp, path);
}

async function isCompleteClip(path: string, bytes: number): Promise<boolean> {
  try {
    return (await stat(path)).size === bytes;
  } catch {
    return false;
  }
}

/** Remove leftovers of an interrupted write (`*.tmp`) under the label directories. */
async function removeTempFiles(outDir: string, labels: readonly string[]): Promise<void> {
  for (const label of labels) {
    const dir = join(outDir, label);
    const names = await readdir(dir).catch(() => [] as string[]);
    await Promise.all(names.filter((n) => n.endsWith('.tmp')).map((n) => rm(join(dir, n), { force: true })));
  }
}

/** A unit of work: clips sharing one TTS render (or one silence clip). */
type WorkUnit = { readonly key: string; readonly plans: ClipPlan[] };

function groupByRender(plans: readonly ClipPlan[]): WorkUnit[] {
  const units = new Map<string, WorkUnit>();
  for (const p of plans) {
    const key = p.kind === 'speech' ? `speech:${renderKey(p.request)}` : `silence:${p.relPath}`;
    const unit = units.get(key);
    if (unit) unit.plans.push(p);
    else units.set(key, { key, plans: [p] });
  }
  return [...units.values()];
}

/**
 * Generate the dataset directory `outDir` for `config`, drawing all randomness from
 * `rngFor` (the stage passes ctx.rng). `onProgress(done, total)` is called after every
 * clip (resumed clips count as done from the start). Throws StageInputError for a voice
 * that is not installed or an unreadable background file, before writing any clip.
 */
export async function generateKwsDataset(
  config: SynthKwsConfig,
  outDir: string,
  rngFor: RngFor,
  onProgress?: ProgressFn,
  options: GenerateKwsOptions = {},
): Promise<KwsDatasetSummary> {
  await assertVoicesInstalled(config);
  const version = await espeakVersion();
  const labels = kwsLabels(config);
  const sr = config.sampleRate;
  const clipSamples = Math.round((config.clipMs / 1000) * sr);
  const clipBytes = wav16Bytes(clipSamples);

  const bank = await BackgroundBank.load(
    config.backgrounds,
    sr,
    { negatives: config.negatives, voices: config.voices, pitch: config.pitch, speed: config.speed },
    rngFor,
  );

  if (!options.resume) await rm(outDir, { recursive: true, force: true });
  await mkdir(outDir, { recursive: true });
  await removeTempFiles(outDir, labels);
  for (const label of labels) await mkdir(join(outDir, label), { recursive: true });

  const plans = planClips(config, rngFor);
  const done = await Promise.all(plans.map((p) => isCompleteClip(join(outDir, p.relPath), clipBytes)));
  const todo = plans.filter((_, i) => !done[i]);
  const resumedClips = plans.length - todo.length;

  let renders = bank.babbleRenders;
  const augmenter = config.augment ? new KwsAugmenter(config.augment, sr, rngFor) : undefined;

  let finished = resumedClips;
  onProgress?.(finished, plans.length);
  const units = groupByRender(todo);
  if (options.reverseOrder) units.reverse();

  await mapLimit(units, options.concurrency ?? 4, async (unit) => {
    const first = unit.plans[0]!;
    const utterance = first.kind === 'speech' ? await renderUtterance(first.request, sr) : undefined;
    if (utterance) renders++;
    for (const plan of unit.plans) {
      const rng = rngFor('clip', plan.label, plan.index, 'background');
      const nb = plan.kind === 'speech' ? plan.streamStyle?.neighbour : undefined;
      const neighbour = nb ? await renderUtterance(nb.request, sr) : undefined;
      if (neighbour) renders++;
      const augment = augmenter && bindAugment(augmenter, (effect) => rngFor('clip', plan.label, plan.index, 'augment', effect));
      const samples =
        plan.kind === 'speech'
          ? makeSpeechClip(plan, utterance!, bank, clipSamples, sr, rng, neighbour, augment)
          : makeSilenceClip(plan, bank, clipSamples, rng, augment);
      await writeAtomic(join(outDir, plan.relPath), encodeWav16(samples, sr));
      onProgress?.(++finished, plans.length);
    }
  });

  const counts = countBySplit(plans, labels);
  const listOf = (split: Split): string =>
    plans
      .filter((p) => p.split === split)
      .map((p) => p.relPath)
      .sort()
      .map((l) => `${l}\n`)
      .join('');
  await writeAtomic(join(outDir, VALIDATION_LIST), listOf('validation'));
  await writeAtomic(join(outDir, TESTING_LIST), listOf('test'));
  const manifest: KwsDatasetManifest = {
    generator: 'synth-kws',
    version: SYNTH_KWS_VERSION,
    tools: { 'espeak-ng': version },
    labels,
    sampleRate: sr,
    clipMs: config.clipMs,
    counts,
    voices: config.voices,
    testVoices: config.testVoices,
  };
  await writeAtomic(join(outDir, DATASET_MANIFEST), JSON.stringify(manifest, null, 2) + '\n');

  const total = (s: Split): number => Object.values(counts[s]).reduce((a, b) => a + b, 0);
  return {
    labels,
    clips: plans.length,
    trainClips: total('train'),
    validationClips: total('validation'),
    testClips: total('test'),
    counts,
    renders,
    resumedClips,
  };
}

function countBySplit(plans: readonly ClipPlan[], labels: readonly string[]): Record<Split, Record<string, number>> {
  const counts = {} as Record<Split, Record<string, number>>;
  for (const s of SPLITS) counts[s] = Object.fromEntries(labels.map((l) => [l, 0]));
  for (const p of plans) counts[p.split][p.label] = (counts[p.split][p.label] ?? 0) + 1;
  return counts;
}
