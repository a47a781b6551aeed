import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { applyPeakSafety, gainForDbfs, gainToDbfs, meanPower, overlay, peak } from '../audio/mix';
import { encodeWav16 } from '../audio/wav';
import { StageInputError } from '../errors';
import type { Prng } from '../util/prng';
import { BackgroundBank } from './backgrounds';
import type { TtsRequest } from './engines/types';
import { bindAugment, KwsAugmenter } from './kws-augment';
import type { SynthKwsConfig } from './kws-config';
import type { ProgressFn } from './kws-dataset';
import { pickSource, requestFor } from './kws-plan';
import type { KwsPool } from './kws-pool';
import { mapLimit } from './limit';
import type { RngFor } from './rng-for';
import { activePart, renderUtterance } from './utterance';
import { resolveVoices, type EngineGroup, type HeldOut, type ResolvedVoices } from './voice-sources';

/**
 * Long labelled streams for event-based evaluation (thesis §3, Algorithm 1 and the
 * AudioSample class; docs/methods.md#keyword-spotting-data): one background at a target dBFS, overlaid with a random
 * number of keywords and negative words at random non-overlapping positions, and an index
 * of each utterance's exact onset and offset (its non-silent extent, activity.ts).
 *
 * Directory layout (stored as the `streams` artifact):
 *   stream-000.wav …   16-bit mono
 *   index.json         StreamIndexEntry[]; `file` is relative to index.json
 */

export interface StreamEvent {
  /** The keyword, or for a negative the word spoken. */
  readonly label: string;
  readonly onsetSec: number;
  readonly offsetSec: number;
  readonly kind: 'keyword' | 'negative';
  /** Who spoke it (absent in indexes from before engines; readers must accept that). */
  readonly engine?: string;
  readonly voice?: string;
  /** sources.json's held-out class of that voice. */
  readonly heldOut?: HeldOut;
}

export interface StreamIndexEntry {
  readonly file: string;
  readonly durationSec: number;
  readonly sampleRate: number;
  /** The background type under this stream (white, pink, brown, hum, babble, file, recorded). */
  readonly background: string;
  /** Sorted by onset. */
  readonly events: readonly StreamEvent[];
}

export interface KwsStreamsSummary {
  readonly streams: number;
  readonly totalSec: number;
  readonly keywordEvents: number;
  readonly negativeEvents: number;
}

export const STREAM_INDEX = 'index.json';

/** Utterance peak ceiling, so speech plus background stays below full scale. */
const UTTERANCE_PEAK = 0.9;

interface Placed {
  readonly samples: Float32Array;
  /** The dry word's length: the event's extent (a room's tail after it is not the word). */
  readonly active: number;
  readonly gain: number;
  readonly label: string;
  readonly kind: StreamEvent['kind'];
  readonly request: TtsRequest;
  readonly heldOut: HeldOut;
}

/**
 * Start positions for segments of the given lengths (in their given order) inside `n`
 * samples, with at least `gap` samples between segments and before the first / after the
 * last. Instead of the thesis' rejection loop ("if overlapping: repeat"), the free slack
 * is split at sorted uniform cut points, which yields the same kind of random
 * non-overlapping layout without retries and fails only when the segments cannot fit.
 */
export function placeSegments(lengths: readonly number[], n: number, gap: number, rng: Prng): number[] | undefined {
  const used = lengths.reduce((a, b) => a + b, 0) + gap * (lengths.length + 1);
  const slack = n - used;
  if (slack < 0) return undefined;
  const cuts = lengths.map(() => rng.int(0, slack)).sort((a, b) => a - b);
  const starts: number[] = [];
  let pos = gap;
  lengths.forEach((len, i) => {
    starts.push(pos + cuts[i]!);
    pos += len + gap;
  });
  return starts;
}

/**
 * Which stream set: `scored` (artifact `streams`, the evaluation's measurement) or
 * `tuning` (artifact `tuning-streams`, where the operating threshold is chosen).
 */
export type StreamSet = 'scored' | 'tuning';

/**
 * The held-out speakers of the streams: the training engines' test voices and the held-out
 * engines. Each held-out engine weighs the mean training weight times (number of
 * test-voice engines / number of held-out engines), so about half the utterances come
 * from engines never trained on and half from unseen voices of known engines.
 */
function heldOutGroups(v: ResolvedVoices): EngineGroup[] {
  const testWeight = v.test.reduce((a, g) => a + g.weight, 0);
  const share = v.test.length === 0 ? 1 : testWeight / v.heldOutEngines.length;
  return [...v.test, ...v.heldOutEngines.map((g) => ({ ...g, weight: share }))];
}

/** How the two stream sets differ: their random draws, file names, count and voices. */
function setup(
  config: SynthKwsConfig,
  set: StreamSet,
  v: ResolvedVoices,
): { key: string; filePrefix: string; count: number; groups: readonly EngineGroup[] } {
  const s = config.streams;
  const test = heldOutGroups(v);
  const which = set === 'scored' ? s.voiceSet : s.tuning.voiceSet;
  const groups = which === 'train' ? v.train : which === 'test' ? test : [...v.train, ...test];
  return set === 'scored'
    ? { key: 'stream', filePrefix: 'stream', count: s.count, groups }
    : { key: 'tuning-stream', filePrefix: 'tune', count: s.tuning.count, groups };
}

async function makeStream(
  config: SynthKwsConfig,
  id: number,
  bank: BackgroundBank,
  rngFor: RngFor,
  set: StreamSet,
  voices: ResolvedVoices,
  augmenter?: KwsAugmenter,
): Promise<{ samples: Float32Array; entry: StreamIndexEntry }> {
  const sr = config.sampleRate;
  const s = config.streams;
  const n = Math.round(s.durationSec * sr);
  const { key, filePrefix, groups } = setup(config, set, voices);
  const rng = rngFor(key, id);
  const background = bank.pick(rng);
  const nKeywords = rng.int(s.keywordsPerStream[0], s.keywordsPerStream[1]);
  const nNegatives = rng.int(s.negativesPerStream[0], s.negativesPerStream[1]);

  const wanted: Array<{ request: TtsRequest; heldOut: HeldOut; levelDbfs: number; kind: StreamEvent['kind'] }> = [];
  for (let i = 0; i < nKeywords + nNegatives; i++) {
    const kind = i < nKeywords ? 'keyword' : 'negative';
    const r = rngFor(key, id, 'utterance', i);
    const text = r.pick(kind === 'keyword' ? config.keywords : config.negatives);
    const { group, source, rng: voiceRng } = pickSource(groups, (e) => rngFor(key, id, 'utterance', i, 'engine', e));
    wanted.push({
      kind,
      request: requestFor(group, source, text, voiceRng),
      heldOut: source.heldOut,
      levelDbfs: r.uniform(config.levelDbfs[0], config.levelDbfs[1]),
    });
  }
  const renders = await Promise.all(wanted.map((w) => renderUtterance(w.request, sr)));
  const placed: Placed[] = renders.map((u, i) => {
    const w = wanted[i]!;
    const word = activePart(u);
    const gain = Math.min(gainForDbfs(meanPower(word), w.levelDbfs), UTTERANCE_PEAK / peak(word));
    // Per-utterance speech effects from the utterance's own generators; the room's tail is kept.
    const talker = augmenter
      ? bindAugment(augmenter, (e) => rngFor(key, id, 'utterance', i, 'augment', e)).speech(word, true)
      : word;
    return {
      samples: talker,
      active: word.length,
      gain,
      label: w.request.text,
      kind: w.kind,
      request: w.request,
      heldOut: w.heldOut,
    };
  });
  rng.shuffle(placed);
  const gap = Math.round((s.minGapMs / 1000) * sr);
  const starts = placeSegments(
    placed.map((p) => p.samples.length),
    n,
    gap,
    rng,
  );
  if (!starts) {
    const speech = placed.reduce((a, p) => a + p.samples.length, 0) / sr;
    throw new StageInputError(
      `streams.durationSec: ${s.durationSec} s cannot hold ${placed.length} utterances ` +
        `(${speech.toFixed(1)} s of speech plus ${placed.length + 1} gaps of streams.minGapMs ${s.minGapMs} ms); ` +
        'lower streams.keywordsPerStream / negativesPerStream or raise durationSec',
    );
  }

  const mix = gainToDbfs(bank.generate(background, n, rngFor(key, id, 'background')), s.backgroundDbfs);
  const events: StreamEvent[] = placed.map((p, i) => {
    overlay(mix, p.samples, starts[i]!, p.gain);
    return {
      label: p.label,
      onsetSec: starts[i]! / sr,
      offsetSec: (starts[i]! + p.active) / sr,
      kind: p.kind,
      engine: p.request.engine,
      voice: p.request.voice,
      heldOut: p.heldOut,
    };
  });
  // One device per stream: its channel effects are drawn once for the whole stream.
  const samples = augmenter ? augmenter.channel(mix, (e) => rngFor(key, id, 'augment', e)) : mix;
  // Rare with UTTERANCE_PEAK; if it happens the whole stream scales, keeping every SNR.
  applyPeakSafety(samples);
  const file = `${filePrefix}-${String(id).padStart(3, '0')}.wav`;
  return {
    samples,
    entry: { file, durationSec: n / sr, sampleRate: sr, background: config.backgrounds[background]!.type, events },
  };
}

/**
 * Generate `config.streams.count` streams (or, for set `tuning`, `streams.tuning.count`
 * tuning streams) and index.json into `outDir` (emptied first). Scored stream i draws
 * from `rngFor('stream', i, …)` only and tuning stream i from `rngFor('tuning-stream', i,
 * …)`, so streams are independent of each other, of the other set and of the dataset
 * clips. Throws StageInputError for an uninstalled voice, an unreadable background file,
 * or utterances that cannot fit into streams.durationSec. With `pool` (started for this
 * config and `pool.rngFor`) worker threads make the streams; the bytes are the same.
 */
export async function generateKwsStreams(
  config: SynthKwsConfig,
  outDir: string,
  rngFor: RngFor,
  onProgress?: ProgressFn,
  set: StreamSet = 'scored',
  pool?: KwsPool,
): Promise<KwsStreamsSummary> {
  const voices = await resolveVoices(config);
  const count = setup(config, set, voices).count;
  const bank = await BackgroundBank.load(
    config.backgrounds,
    config.sampleRate,
    { negatives: config.negatives, groups: voices.train },
    rngFor,
  );
  await rm(outDir, { recursive: true, force: true });
  await mkdir(outDir, { recursive: true });
  const augmenter = streamAugmenter(config, rngFor);
  onProgress?.(0, count);
  let index: StreamIndexEntry[];
  if (pool) {
    pool.check(config, rngFor);
    // Streams are independent (each draws from its own generators): the workers make two
    // at a time each, and the index keeps stream order.
    let finished = 0;
    index = await mapLimit(
      Array.from({ length: count }, (_, id) => id),
      2 * pool.size,
      async (id) => {
        const entry = await pool.stream(set, id, outDir);
        onProgress?.(++finished, count);
        return entry;
      },
    );
  } else {
    index = [];
    // Sequential: a stream holds tens of renders already (each engine runs 1–2 at a time) and
    // one minute of audio, so parallel streams would only add memory.
    for (let id = 0; id < count; id++) {
      index.push(await writeStream(config, id, bank, rngFor, set, voices, augmenter, outDir));
      onProgress?.(id + 1, count);
    }
  }
  return writeStreamIndex(outDir, index);
}

/** The augmenter of streams: only with `augment.streams` (scored streams stay dry by default). */
export function streamAugmenter(config: SynthKwsConfig, rngFor: RngFor): KwsAugmenter | undefined {
  return config.augment?.streams ? new KwsAugmenter(config.augment, config.sampleRate, rngFor) : undefined;
}

/** Make stream `id` of `set` and write it into `outDir`; its index entry. */
export async function writeStream(
  config: SynthKwsConfig,
  id: number,
  bank: BackgroundBank,
  rngFor: RngFor,
  set: StreamSet,
  voices: ResolvedVoices,
  augmenter: KwsAugmenter | undefined,
  outDir: string,
): Promise<StreamIndexEntry> {
  const { samples, entry } = await makeStream(config, id, bank, rngFor, set, voices, augmenter);
  const path = join(outDir, entry.file);
  await writeFile(`${path}.tmp`, encodeWav16(samples, config.sampleRate));
  await rename(`${path}.tmp`, path);
  return entry;
}

/** Write `index.json` (the streams artifact's contract) and summarize it; shared with import-audio. */
export async function writeStreamIndex(outDir: string, index: readonly StreamIndexEntry[]): Promise<KwsStreamsSummary> {
  await writeFile(join(outDir, STREAM_INDEX), JSON.stringify(index, null, 2) + '\n');
  const events = index.flatMap((e) => e.events);
  return {
    streams: index.length,
    totalSec: index.reduce((a, e) => a + e.durationSec, 0),
    keywordEvents: events.filter((e) => e.kind === 'keyword').length,
    negativeEvents: events.filter((e) => e.kind === 'negative').length,
  };
}
