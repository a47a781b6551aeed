import { mkdir, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { encodeWav16, wav16Bytes } from '../audio/wav';
import type { ClipConditions } from '../eval/clip-sources';
import { BackgroundBank } from './backgrounds';
import { clipConditions } from './clip-conditions';
import { ENGINES } from './engines/registry';
import type { EngineId } from './engines/types';
import { bindAugment, KwsAugmenter } from './kws-augment';
import { makeSilenceClip, makeSpeechClip } from './kws-clip';
import type { SynthKwsConfig } from './kws-config';
import { kwsLabels, planClips, SPLITS, type ClipPlan, type Split } from './kws-plan';
import { mapLimit } from './limit';
import type { RngFor } from './rng-for';
import type { KwsPool } from './kws-pool';
import { renderKey, renderUtterance } from './utterance';
import { resolveVoices, usedEngines, type HeldOut, type ResolvedVoices } from './voice-sources';

/**
 * Generator of the synth-kws dataset directory (docs/methods.md#keyword-spotting-data,
 * thesis §3 AudioSample), in Speech Commands layout:
 *
 *   <label>/<voice>_nohash_<n>.wav    16-bit mono clips, one directory per label
 *   validation_list.txt testing_list.txt   `label/file.wav` per line, sorted
 *   dataset.json                      labels, rate, counts per split, voices, engines, generator
 *   sources.json                      engine, voice, held-out class and acoustic conditions of every clip
 *
 * Bytes depend only on (config, seed, engine versions) — and, for Piper, on the render
 * cache (its renders are not repeatable; render-cache.ts): every clip is planned from its
 * own generator, made from a render that is a pure function of its request, and written
 * under a temporary name then renamed, so any order, concurrency or resume gives the same
 * files.
 */

/** Bump when the same config would produce different bytes (part of the stage version). */
export const SYNTH_KWS_VERSION = 3; // 3: sources.json records each clip's acoustic conditions (clips unchanged)

export type ProgressFn = (done: number, total: number) => void;

export interface GenerateKwsOptions {
  /**
   * Keep complete clips already in `outDir` (from an interrupted attempt with the same
   * config) instead of emptying it first. Default false.
   */
  readonly resume?: boolean;
  /**
   * Render groups in flight. Default 12: each engine caps its own processes (CLI engines 2,
   * a Python server 1), so a slow engine (Kokoro) waiting on its queue must not hold every
   * slot while the fast ones could work.
   */
  readonly concurrency?: number;
  /** Produce clips in reverse plan order (tests use it to show order does not matter). */
  readonly reverseOrder?: boolean;
  /**
   * Worker threads that make the clips (DSP and file writes) while this thread runs the TTS
   * engines (absent: this thread makes them). Started for this `config` with this `rngFor`
   * (`pool.rngFor`); the bytes are the same either way.
   */
  readonly pool?: KwsPool;
}

export interface KwsDatasetSummary {
  readonly labels: readonly string[];
  readonly clips: number;
  readonly trainClips: number;
  readonly validationClips: number;
  readonly testClips: number;
  /** Clips per split per label. */
  readonly counts: Readonly<Record<Split, Readonly<Record<string, number>>>>;
  /** TTS renders made by this call (the babble pool included; render-cache hits not counted). */
  readonly renders: number;
  /** Renders made and TTS wall time per engine (ms, summed over concurrent renders' waits). */
  readonly engineRenders: Readonly<Record<string, { renders: number; cached: number; ms: number }>>;
  /** Clips kept from a previous attempt (resume). */
  readonly resumedClips: number;
}

/** What every KWS dataset.json holds, whichever stage made it (synth-kws, compose-kws). */
export interface SpeechDatasetManifestBase {
  readonly version: number;
  readonly tools: Readonly<Record<string, string>>;
  readonly labels: readonly string[];
  readonly sampleRate: number;
  readonly clipMs: number;
  readonly counts: Readonly<Record<Split, Readonly<Record<string, number>>>>;
  /** Voices (or speakers) of the training split, and those heard only in held-out splits. */
  readonly voices: readonly string[];
  readonly testVoices: readonly string[];
}

/** Contents of dataset.json. Voices are `engine:voice` (plain voice names for espeak-ng). */
export interface KwsDatasetManifest extends SpeechDatasetManifestBase {
  readonly generator: 'synth-kws';
  /** Voices of the held-out engines (`engine:voice`); absent in datasets from before engines and in imports. */
  readonly heldOutEngineVoices?: readonly string[];
  /** Every engine used: version, licence, family, role (absent as above). */
  readonly engines?: Readonly<Record<string, EngineInfo>>;
}

export interface EngineInfo {
  readonly version: string;
  readonly licence: string;
  readonly family: string;
  readonly role: 'train' | 'held-out';
}

/** Contents of sources.json (the clip-sources contract; a missing file = one unknown source). */
export interface KwsSourcesManifest {
  readonly format: 1;
  readonly engines: Readonly<Record<string, EngineInfo>>;
  readonly clips: Readonly<Record<string, KwsClipSource>>;
}

/** One clip of sources.json: who speaks it and, since version 3, the conditions it was made under. */
export interface KwsClipSource {
  readonly engine: string;
  readonly voice: string;
  readonly heldOut: HeldOut;
  readonly conditions?: ClipConditions;
}

export const VALIDATION_LIST = 'validation_list.txt';
export const TESTING_LIST = 'testing_list.txt';
export const DATASET_MANIFEST = 'dataset.json';
export const SOURCES_MANIFEST = 'sources.json';

/** Version, licence, family and role of every engine the config uses. */
export async function engineInfo(config: SynthKwsConfig, voices: ResolvedVoices): Promise<Record<string, EngineInfo>> {
  const out: Record<string, EngineInfo> = {};
  const trainIds = new Set(voices.train.map((g) => g.engine));
  for (const id of usedEngines(config)) {
    const e = ENGINES[id];
    out[id] = {
      version: await e.version(),
      licence: e.licence,
      family: e.family,
      role: trainIds.has(id) ? 'train' : 'held-out',
    };
  }
  return out;
}

/** `en-us+f3` for espeak-ng (as before engines), `pico:en-US` for the others. */
function voiceLabel(engine: EngineId, voice: string): string {
  return engine === 'espeak-ng' ? voice : `${engine}:${voice}`;
}

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

/** What the clips of a work unit are made with (the same in the main thread and in a worker). */
export interface UnitContext {
  readonly outDir: string;
  readonly sampleRate: number;
  readonly clipSamples: number;
  readonly bank: BackgroundBank;
  readonly augmenter: KwsAugmenter | undefined;
  readonly rngFor: RngFor;
}

/** Renders per engine: made now (with their wall ms) or found in the render cache. */
export type EngineRenderCounts = Record<string, { renders: number; cached: number; ms: number }>;

/** Counts the renders of one generation run, per engine. */
export class RenderStats {
  readonly engines: EngineRenderCounts = {};
  renders = 0;
  constructor(private readonly sampleRate: number) {}

  async render(req: Parameters<typeof renderUtterance>[0]): Promise<Awaited<ReturnType<typeof renderUtterance>>> {
    const t0 = Date.now();
    const u = await renderUtterance(req, this.sampleRate);
    const e = (this.engines[req.engine] ??= { renders: 0, cached: 0, ms: 0 });
    if (u.cached) e.cached++;
    else {
      e.renders++;
      e.ms += Date.now() - t0;
      this.renders++;
    }
    return u;
  }

  /** Add another thread's counts. */
  add(other: EngineRenderCounts): void {
    for (const [id, o] of Object.entries(other)) {
      const e = (this.engines[id] ??= { renders: 0, cached: 0, ms: 0 });
      e.renders += o.renders;
      e.cached += o.cached;
      e.ms += o.ms;
      this.renders += o.renders;
    }
  }
}

/**
 * The clips of one work unit (clips sharing a render), each written atomically to its
 * relPath; `onClip` after each. A pure function of the plans and the seed: the same bytes
 * in whichever thread and order it runs.
 */
export async function makeUnitClips(
  plans: readonly ClipPlan[],
  c: UnitContext,
  stats: RenderStats,
  onClip?: () => void,
): Promise<void> {
  const { rngFor, augmenter, sampleRate: sr } = c;
  const first = plans[0]!;
  const utterance = first.kind === 'speech' ? await stats.render(first.request) : undefined;
  for (const plan of plans) {
    const rng = rngFor('clip', plan.label, plan.index, 'background');
    const nb = plan.kind === 'speech' ? plan.streamStyle?.neighbour : undefined;
    const neighbour = nb ? await stats.render(nb.request) : undefined;
    const augment =
      augmenter &&
      bindAugment(augmenter, (effect) => rngFor('clip', plan.label, plan.index, 'augment', effect), plan.split);
    const samples =
      plan.kind === 'speech'
        ? makeSpeechClip(plan, utterance!, c.bank, c.clipSamples, sr, rng, neighbour, augment)
        : makeSilenceClip(plan, c.bank, c.clipSamples, rng, augment);
    await writeAtomic(join(c.outDir, plan.relPath), encodeWav16(samples, sr));
    onClip?.();
  }
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
  const voices = await resolveVoices(config);
  const engines = await engineInfo(config, voices);
  const labels = kwsLabels(config);
  const sr = config.sampleRate;
  const clipSamples = Math.round((config.clipMs / 1000) * sr);
  const clipBytes = wav16Bytes(clipSamples);

  const bank = await BackgroundBank.load(
    config.backgrounds,
    sr,
    { negatives: config.negatives, groups: voices.train },
    rngFor,
  );

  if (!options.resume) await rm(outDir, { recursive: true, force: true });
  await mkdir(outDir, { recursive: true });
  await removeTempFiles(outDir, labels);
  for (const label of labels) await mkdir(join(outDir, label), { recursive: true });

  const plans = planClips(config, rngFor, voices);
  const done = await Promise.all(plans.map((p) => isCompleteClip(join(outDir, p.relPath), clipBytes)));
  const todo = plans.filter((_, i) => !done[i]);
  const resumedClips = plans.length - todo.length;

  // Built here even when workers make the clips: its constructor rejects bad room ranges
  // before any clip is made.
  const augmenter = config.augment ? new KwsAugmenter(config.augment, sr, rngFor) : undefined;
  const stats = new RenderStats(sr);
  let finished = resumedClips;
  onProgress?.(finished, plans.length);
  const units = groupByRender(todo);
  if (options.reverseOrder) units.reverse();
  const pool = options.pool;
  if (pool) {
    pool.check(config, rngFor);
    // Worker threads make the clips (src/synth/kws-pool.ts); this thread runs the engines.
    await mapLimit(units, (options.concurrency ?? 12) * pool.size, async (unit) => {
      stats.add(await pool.clips(unit.plans, outDir, clipSamples));
      finished += unit.plans.length;
      onProgress?.(finished, plans.length);
    });
  } else {
    const unitCtx: UnitContext = {
      outDir,
      sampleRate: sr,
      clipSamples,
      bank,
      augmenter,
      rngFor,
    };
    await mapLimit(units, options.concurrency ?? 12, async (unit) => {
      await makeUnitClips(unit.plans, unitCtx, stats, () => onProgress?.(++finished, plans.length));
    });
  }
  const renders = bank.babbleRenders + stats.renders;
  const engineRenders = stats.engines;

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
    tools: Object.fromEntries(Object.entries(engines).map(([id, e]) => [id, e.version])),
    labels,
    sampleRate: sr,
    clipMs: config.clipMs,
    counts,
    voices: voices.train.flatMap((g) => g.sources.map((s) => voiceLabel(s.engine, s.voice))),
    testVoices: voices.test.flatMap((g) => g.sources.map((s) => voiceLabel(s.engine, s.voice))),
    heldOutEngineVoices: voices.heldOutEngines.flatMap((g) => g.sources.map((s) => voiceLabel(s.engine, s.voice))),
    engines,
  };
  await writeAtomic(join(outDir, DATASET_MANIFEST), JSON.stringify(manifest, null, 2) + '\n');
  const conditions = (p: ClipPlan) => clipConditions(p, config, rngFor, augmenter);
  await writeAtomic(
    join(outDir, SOURCES_MANIFEST),
    JSON.stringify(sourcesManifest(plans, engines, conditions), null, 2) + '\n',
  );

  const total = (s: Split): number => Object.values(counts[s]).reduce((a, b) => a + b, 0);
  return {
    labels,
    clips: plans.length,
    trainClips: total('train'),
    validationClips: total('validation'),
    testClips: total('test'),
    counts,
    renders,
    engineRenders,
    resumedClips,
  };
}

/**
 * sources.json: every clip by relPath (sorted), `silence` for `_silence_` clips, with the
 * clip's acoustic conditions when `conditionsOf` is given (src/synth/clip-conditions.ts).
 */
export function sourcesManifest(
  plans: readonly ClipPlan[],
  engines: Readonly<Record<string, EngineInfo>>,
  conditionsOf?: (plan: ClipPlan) => ClipConditions,
): KwsSourcesManifest {
  const clips: Record<string, KwsClipSource> = {};
  for (const p of [...plans].sort((a, b) => (a.relPath < b.relPath ? -1 : a.relPath > b.relPath ? 1 : 0))) {
    const source: KwsClipSource =
      p.kind === 'speech'
        ? { engine: p.source.engine, voice: p.source.voice, heldOut: p.source.heldOut }
        : { engine: 'silence', voice: silenceVoice(p.relPath), heldOut: false };
    clips[p.relPath] = conditionsOf ? { ...source, conditions: conditionsOf(p) } : source;
  }
  return { format: 1, engines, clips };
}

/** A silence clip's "voice" is its background type (the part of its name before `_nohash_`). */
function silenceVoice(relPath: string): string {
  const file = relPath.slice(relPath.indexOf('/') + 1);
  return file.slice(0, file.indexOf('_nohash_'));
}

function countBySplit(plans: readonly ClipPlan[], labels: readonly string[]): Record<Split, Record<string, number>> {
  const counts = {} as Record<Split, Record<string, number>>;
  for (const s of SPLITS) counts[s] = Object.fromEntries(labels.map((l) => [l, 0]));
  for (const p of plans) counts[p.split][p.label] = (counts[p.split][p.label] ?? 0) + 1;
  return counts;
}
