import { ENGINES } from './engines/registry';
import type { TtsRequest } from './engines/types';
import type { SynthKwsConfig } from './kws-config';
import type { Prng } from '../util/prng';
import { pickWeighted, type RngFor } from './rng-for';
import { listFormVoices, voiceTag, type EngineGroup, type ResolvedVoices, type VoiceSource } from './voice-sources';

/**
 * What every clip of a synth-kws dataset will be, decided before any audio is made. Each
 * clip's choices come from its own generator `rngFor('clip', label, index)`, so the plan of
 * one clip does not depend on any other clip or on the order clips are produced in.
 */

export const SILENCE_LABEL = '_silence_';
export const UNKNOWN_LABEL = '_unknown_';

export type Split = 'train' | 'validation' | 'test';
export const SPLITS: readonly Split[] = ['train', 'validation', 'test'];

interface ClipPlanBase {
  readonly label: string;
  readonly index: number;
  readonly split: Split;
  /** Path inside the dataset directory: `<label>/<file>.wav`. */
  readonly relPath: string;
  /** Index into config.backgrounds. */
  readonly background: number;
}

/** A keyword or `_unknown_` clip: one word, time-shifted, over a background at an SNR. */
export interface SpeechClipPlan extends ClipPlanBase {
  readonly kind: 'speech';
  readonly request: TtsRequest;
  /** Who speaks it, and whether that voice or engine is held out (sources.json). */
  readonly source: VoiceSource;
  /** RMS level of the active speech. */
  readonly levelDbfs: number;
  readonly snrDb: number;
  /** Offset of the word's centre from the clip's centre (clamped to keep it inside). */
  readonly shiftMs: number;
  /** Set for stream-style `_unknown_` clips (config.streamStyleUnknown); replaces shiftMs. */
  readonly streamStyle?: StreamStylePlan;
}

/**
 * Placement of a stream-style `_unknown_` clip: where the word sits (it may be cut at an
 * edge) and an optional neighbouring negative word, as a 1 s window of a stream shows them.
 */
export interface StreamStylePlan {
  /** In [0, 1): position of the word between the two extreme placements that keep minInsideMs of it inside. */
  readonly position: number;
  readonly minInsideMs: number;
  readonly neighbour?: {
    readonly request: TtsRequest;
    readonly levelDbfs: number;
    /** Silence between the two words' active parts. */
    readonly gapMs: number;
  };
}

/** A `_silence_` clip: background only. */
export interface SilenceClipPlan extends ClipPlanBase {
  readonly kind: 'silence';
  readonly levelDbfs: number;
}

export type ClipPlan = SpeechClipPlan | SilenceClipPlan;

/**
 * Label order, fixed: `_silence_`, `_unknown_`, then the keywords in config order — the
 * order of TensorFlow's speech_commands `prepare_words_list` that TFLM's micro_speech and
 * MicroNets' KWS models use, so label indices mean the same thing as there.
 */
export function kwsLabels(config: Pick<SynthKwsConfig, 'keywords'>): string[] {
  return [SILENCE_LABEL, UNKNOWN_LABEL, ...config.keywords];
}

/**
 * Extra test-split clips per label spoken by the held-out engines: heldOutPerKeyword per
 * keyword, unknownFraction × that for `_unknown_`, none for `_silence_` (no speech).
 */
export function heldOutEngineCounts(
  config: Pick<SynthKwsConfig, 'keywords' | 'unknownFraction'>,
  voices: Pick<ResolvedVoices, 'heldOutEngines' | 'heldOutPerKeyword'>,
): Map<string, number> {
  const per = voices.heldOutEngines.length > 0 ? voices.heldOutPerKeyword : 0;
  const counts = new Map<string, number>([
    [SILENCE_LABEL, 0],
    [UNKNOWN_LABEL, Math.round(config.unknownFraction * per)],
  ]);
  for (const k of config.keywords) counts.set(k, per);
  return counts;
}

/** Clips per label (Speech Commands 12-class balance: fractions relative to perKeyword). */
export function labelCounts(
  config: Pick<SynthKwsConfig, 'keywords' | 'perKeyword' | 'unknownFraction' | 'silenceFraction'>,
): Map<string, number> {
  const counts = new Map<string, number>();
  counts.set(SILENCE_LABEL, Math.round(config.silenceFraction * config.perKeyword));
  counts.set(UNKNOWN_LABEL, Math.round(config.unknownFraction * config.perKeyword));
  for (const k of config.keywords) counts.set(k, config.perKeyword);
  return counts;
}

/**
 * Split of each of a label's `n` clips: round(n·test) test and round(n·validation)
 * validation clips at positions drawn by a per-label shuffle, the rest train.
 */
export function assignSplits(n: number, split: SynthKwsConfig['split'], rngFor: RngFor, label: string): Split[] {
  const order = rngFor('split', label).shuffle(Array.from({ length: n }, (_, i) => i));
  const nTest = Math.round(n * split.test);
  const nVal = Math.min(n - nTest, Math.round(n * split.validation));
  const out = new Array<Split>(n).fill('train');
  order.forEach((clip, rank) => {
    if (rank < nTest) out[clip] = 'test';
    else if (rank < nTest + nVal) out[clip] = 'validation';
  });
  return out;
}

/** `en-us+f3` → `en-us-f3`: an espeak-ng voice as a file-name-safe speaker id (voice-sources.ts voiceTag for any engine). */
export function voiceSlug(voice: string): string {
  return voiceTag('espeak-ng', voice);
}

/**
 * Speech Commands-style name `<speaker>_nohash_<n>.wav`: the part before `_nohash_` is
 * the speaker (here the voice), which tools use to keep one speaker inside one split.
 */
function clipFile(speaker: string, index: number, count: number): string {
  const width = Math.max(4, String(Math.max(0, count - 1)).length);
  return `${speaker}_nohash_${String(index).padStart(width, '0')}.wav`;
}

/**
 * A voice drawn from `groups`: an engine with probability ∝ its weight, then one of its
 * voices uniformly, then (by the caller) its variation — all from `perEngine(engine)`, a
 * generator of that engine alone. The engine is chosen by an exponential race (each
 * engine draws E/weight, E ~ Exp(1), the smallest wins; P(e wins) = w_e / Σw), not by
 * one shared draw: adding an engine then only takes over the clips where it wins, and
 * every other clip keeps its engine, voice and request, so with the render cache a
 * config with one engine more renders only the new engine's words.
 */
export function pickSource(
  groups: readonly EngineGroup[],
  perEngine: (engine: string) => Prng,
): { group: EngineGroup; source: VoiceSource; rng: Prng } {
  let best: { group: EngineGroup; rng: Prng; t: number } | undefined;
  for (const group of groups) {
    const rng = perEngine(group.engine);
    const t = -Math.log(1 - rng.next()) / group.weight;
    if (!best || t < best.t) best = { group, rng, t };
  }
  if (!best) throw new Error('pickSource: no voices to pick from');
  return { group: best.group, source: best.rng.pick(best.group.sources), rng: best.rng };
}

/** The engine's seeded variation of one render of `text` by `source`. */
export function requestFor(group: EngineGroup, source: VoiceSource, text: string, rng: Prng): TtsRequest {
  return { engine: source.engine, voice: source.voice, text, params: ENGINES[source.engine].vary(rng, group.ranges) };
}

/**
 * Plans of every clip, label by label in kwsLabels order, index ascending. A label's
 * regular clips come first (split by assignSplits; training voices for train/validation,
 * the training engines' held-out voices for test), then its held-out-engine clips (test).
 */
export function planClips(
  config: SynthKwsConfig,
  rngFor: RngFor,
  voices: ResolvedVoices = listFormVoices(config),
): ClipPlan[] {
  const plans: ClipPlan[] = [];
  const weights = config.backgrounds.map((b) => b.weight);
  const extra = heldOutEngineCounts(config, voices);
  for (const [label, regular] of labelCounts(config)) {
    const splits = assignSplits(regular, config.split, rngFor, label);
    const count = regular + (extra.get(label) ?? 0);
    for (let index = 0; index < count; index++) {
      const split: Split = index < regular ? splits[index]! : 'test';
      const rng = rngFor('clip', label, index);
      const snrRange = regularSnrRange(config, split);
      if (label === SILENCE_LABEL) {
        // Same level distribution as the backgrounds under speech (speech level − SNR).
        const level = rng.uniform(config.levelDbfs[0], config.levelDbfs[1]);
        const regularSnr = rng.uniform(snrRange[0], snrRange[1]);
        const levelDbfs = level - (quietSnr(config, rngFor, label, index) ?? regularSnr);
        const background = pickWeighted(weights, rng);
        const kind = config.backgrounds[background]!.type;
        plans.push({
          kind: 'silence',
          label,
          index,
          split,
          background,
          levelDbfs,
          relPath: `${label}/${clipFile(kind, index, count)}`,
        });
        continue;
      }
      const unknownWords = [...config.negatives, ...config.extraNegatives];
      const text = label === UNKNOWN_LABEL ? pickUnknownWord(config, unknownWords, split, rng) : label;
      // Held-out voices only in the test split, so test accuracy measures unseen voices;
      // clips past `regular` are the held-out engines' (unseen synthesizers).
      const groups = index >= regular ? voices.heldOutEngines : split === 'test' ? voices.test : voices.train;
      const { group, source, rng: voiceRng } = pickSource(groups, (e) => rngFor('clip', label, index, 'engine', e));
      const request = requestFor(group, source, text, voiceRng);
      const withQuiet = (regular: number): number => quietSnr(config, rngFor, label, index) ?? regular;
      const base = {
        kind: 'speech' as const,
        label,
        index,
        split,
        request,
        source,
        levelDbfs: rng.uniform(config.levelDbfs[0], config.levelDbfs[1]),
        snrDb: withQuiet(rng.uniform(snrRange[0], snrRange[1])),
        shiftMs: rng.uniform(-config.timeShiftMs, config.timeShiftMs),
        background: pickWeighted(weights, rng),
        relPath: `${label}/${clipFile(source.tag, index, count)}`,
      };
      // Drawn from a generator of its own, so enabling stream-style clips leaves every
      // other choice (and every centred clip's bytes) as it was.
      const streamStyle =
        label === UNKNOWN_LABEL
          ? planStreamStyle(config, rngFor('clip', label, index, 'stream-style'), group, source, unknownWords)
          : undefined;
      plans.push(streamStyle ? { ...base, streamStyle } : base);
    }
    plans.push(...trainCopies(config, rngFor, plans, label, count));
  }
  return plans;
}

/**
 * The word of an `_unknown_` clip: config.negativeWeights in the train split, uniform
 * otherwise. Both draw one number from `rng`, so every later draw of the clip is unchanged.
 */
function pickUnknownWord(config: SynthKwsConfig, words: readonly string[], split: Split, rng: Prng): string {
  const weights = config.negativeWeights;
  if (weights === undefined || split !== 'train') return rng.pick(words);
  return words[
    pickWeighted(
      words.map((w) => weights[w] ?? 1),
      rng,
    )
  ] as string;
}

/**
 * config.trainCopies − 1 more clips of each of `label`'s train clips (docs/stages/synth-kws.md
 * `trainCopies`): the same words by the same voice with the same prosody (the same render, a
 * render-cache hit), each over its own background, SNR, level, time shift, stream-style
 * placement and augmentation. Without them every render is heard under exactly one noise draw
 * and the model learns that clip's noise (docs/results/2026-12-04-kws-error-analysis.md: 5 %
 * training error, 15 % on validation clips of the same voices). Copy c of clip i is clip
 * number c·count + i of its label, drawn from that number's generators as a clip of its own;
 * validation and test clips are never copied.
 */
function trainCopies(
  config: SynthKwsConfig,
  rngFor: RngFor,
  plans: readonly ClipPlan[],
  label: string,
  count: number,
): ClipPlan[] {
  const copies: ClipPlan[] = [];
  const weights = config.backgrounds.map((b) => b.weight);
  const train = plans.filter((p) => p.label === label && p.split === 'train');
  for (let c = 1; c < config.trainCopies; c++) {
    for (const base of train) {
      const index = c * count + base.index;
      const rng = rngFor('clip', label, index);
      const level = rng.uniform(config.levelDbfs[0], config.levelDbfs[1]);
      const snrRange = regularSnrRange(config, 'train');
      const snrDb = quietSnr(config, rngFor, label, index) ?? rng.uniform(snrRange[0], snrRange[1]);
      const width = count * config.trainCopies;
      if (base.kind === 'silence') {
        const background = pickWeighted(weights, rng);
        const file = clipFile(config.backgrounds[background]!.type, index, width);
        copies.push({ ...base, index, background, levelDbfs: level - snrDb, relPath: `${label}/${file}` });
        continue;
      }
      const shiftMs = rng.uniform(-config.timeShiftMs, config.timeShiftMs);
      const background = pickWeighted(weights, rng);
      const relPath = `${label}/${clipFile(base.source.tag, index, width)}`;
      const copy = { ...base, index, levelDbfs: level, snrDb, shiftMs, background, relPath };
      if (base.streamStyle)
        copy.streamStyle = { ...base.streamStyle, position: rngFor('clip', label, index, 'stream-style').next() };
      copies.push(copy);
    }
  }
  return copies;
}

/** Where a regular (not quiet) clip of `split` draws its SNR: config.trainSnrDb for the train split if set, else config.snrDb. */
function regularSnrRange(config: SynthKwsConfig, split: Split): readonly [number, number] {
  return split === 'train' ? (config.trainSnrDb ?? config.snrDb) : config.snrDb;
}

/**
 * The SNR of a quiet clip (config.quiet), or undefined for a regular one. From the clip's own
 * `quiet` generator, so switching quiet clips on changes no other draw of any clip; the
 * regular draw from the clip generator still happens (its value unused), keeping the draws
 * after it (shift, background) where they were.
 */
export function quietSnr(
  config: Pick<SynthKwsConfig, 'quiet'>,
  rngFor: RngFor,
  label: string,
  index: number,
): number | undefined {
  const q = config.quiet;
  if (!q || q.fraction <= 0) return undefined;
  const r = rngFor('clip', label, index, 'quiet');
  return r.next() < q.fraction ? r.uniform(q.snrDb[0], q.snrDb[1]) : undefined;
}

/**
 * Whether an `_unknown_` clip is stream-style and how (config.streamStyleUnknown). The
 * neighbour is another negative word by the same voice, as when one talker says several
 * words; it lies 100–500 ms (minGapMs + up to 400 ms) away from the main word.
 */
function planStreamStyle(
  config: SynthKwsConfig,
  rng: Prng,
  group: EngineGroup,
  source: VoiceSource,
  words: readonly string[],
): StreamStylePlan | undefined {
  const s = config.streamStyleUnknown;
  if (s.fraction <= 0 || rng.next() >= s.fraction) return undefined;
  const position = rng.next();
  if (rng.next() >= s.neighbourProb) return { position, minInsideMs: s.minInsideMs };
  const request = requestFor(group, source, rng.pick(words), rng);
  const neighbour = {
    request,
    levelDbfs: rng.uniform(config.levelDbfs[0], config.levelDbfs[1]),
    gapMs: rng.uniform(s.minGapMs, s.minGapMs + 400),
  };
  return { position, minInsideMs: s.minInsideMs, neighbour };
}
