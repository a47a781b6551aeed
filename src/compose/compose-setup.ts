import { BACKGROUND_NOISE_DIR } from '../importer/import-config';
import { SILENCE_LABEL, SPLITS, UNKNOWN_LABEL, type Split } from '../synth/kws-plan';
import { BackgroundPool } from './background-pool';
import { byCodeUnit, composeInputError } from './compose-error';
import type { ComposeKwsConfig } from './compose-config';
import { RecordingReader, resolveClasses, type RecordingsDataset } from './recordings';
import type { TtsDataset } from './tts-dataset';
import { analyseWords, type Word } from './words';

/**
 * Everything compose-kws checks before it writes a byte: classes resolved against the
 * recordings, every recording trimmed (silent ones rejected), backgrounds loaded by split,
 * the per-split clip counts, and — for each count that needs them — recordings, backgrounds
 * and TTS clips in that split. Each failure is one StageInputError naming the label, the
 * split and the number expected, with what to change.
 */

export interface ClassCounts {
  /** Clips of the class per split (composed + copied). */
  readonly total: Readonly<Record<Split, number>>;
  /** Of those, copied from the TTS dataset. */
  readonly tts: Readonly<Record<Split, number>>;
}

export interface ComposeSetup {
  readonly recordings: RecordingsDataset;
  readonly tts?: TtsDataset;
  readonly reader: RecordingReader;
  readonly keywords: readonly string[];
  readonly negatives: readonly string[];
  /** Output labels: `_silence_`, `_unknown_`, keywords. */
  readonly labels: readonly string[];
  /** Trimmed recordings per output class (`_unknown_` = every negative label's), sorted by path. */
  readonly words: ReadonlyMap<string, readonly Word[]>;
  readonly skippedSilent: readonly string[];
  readonly backgrounds: BackgroundPool;
  readonly counts: ReadonlyMap<string, ClassCounts>;
  /** Speakers with a recording in the training split (a clip of any other speaker is held out). */
  readonly trainSpeakers: ReadonlySet<string>;
  readonly sampleRate: number;
}

/** round(n·test) test, round(n·validation) validation, the rest train (as synth-kws' assignSplits). */
export function splitCounts(n: number, split: ComposeKwsConfig['split']): Record<Split, number> {
  const test = Math.round(n * split.test);
  const validation = Math.min(n - test, Math.round(n * split.validation));
  return { train: n - test - validation, validation, test };
}

function perSplit(words: readonly Word[]): string {
  return SPLITS.map((s) => `${s} ${words.filter((w) => w.split === s).length}`).join(', ');
}

/** `onProgress(done, total)` counts recordings trimmed (a large folder takes a while; the stage heartbeats on it). */
export async function prepareComposition(
  config: ComposeKwsConfig,
  recordings: RecordingsDataset,
  tts?: TtsDataset,
  onProgress?: (done: number, total: number) => void,
): Promise<ComposeSetup> {
  const sr = recordings.sampleRate;
  if (tts && (tts.sampleRate !== sr || tts.clipMs !== config.clipMs)) {
    throw composeInputError(
      `${tts.display}: clips are ${tts.sampleRate} Hz, ${tts.clipMs} ms but the composed ones are ${sr} Hz (the recordings' rate), clipMs ${config.clipMs}; make them agree to mix`,
    );
  }
  const from = config.backgrounds.from;
  const { keywords, negatives } = resolveClasses(recordings, {
    keywords: config.keywords,
    negatives: config.negatives,
    backgroundsFrom: from,
  });
  const labels = [SILENCE_LABEL, UNKNOWN_LABEL, ...keywords];
  const reader = new RecordingReader(recordings);

  // Trim every recording of every speech class up front (silent ones fail here).
  const words = new Map<string, Word[]>();
  const skippedSilent: string[] = [];
  const speechLabels = [...keywords, ...negatives];
  const analysed = new Map<string, readonly Word[]>();
  const toTrim = speechLabels.reduce((a, l) => a + (recordings.byLabel.get(l)?.length ?? 0), 0);
  let trimmed = 0;
  onProgress?.(0, toTrim);
  for (const l of speechLabels) {
    const recs = recordings.byLabel.get(l) ?? [];
    if (recs.length === 0 && keywords.includes(l)) {
      throw composeInputError(
        `keyword "${l}" has no recordings: folder ${l}/ of ${recordings.display}'s dataset is empty`,
      );
    }
    const a = await analyseWords(recs, reader, sr, config.trim, config.silentRecordings === 'skip', recordings.display);
    trimmed += recs.length;
    onProgress?.(trimmed, toTrim);
    skippedSilent.push(...a.skipped);
    analysed.set(l, a.words);
  }
  for (const k of keywords) words.set(k, [...analysed.get(k)!]);
  words.set(
    UNKNOWN_LABEL,
    negatives.flatMap((n) => analysed.get(n)!).sort((a, b) => byCodeUnit(a.path, b.path)),
  );

  const backgrounds = await BackgroundPool.load(recordings, from, config.split, reader);
  const noBackgrounds = (why: string): Error => {
    if (backgrounds.files.length === 0) {
      const hint =
        from === BACKGROUND_NOISE_DIR
          ? `set keepBackgrounds: true on that import-audio stage (its folder needs ${BACKGROUND_NOISE_DIR}/*.wav), or backgrounds.from: _silence_ with import-audio silenceClips`
          : `put background WAVs in that folder`;
      return composeInputError(
        `${why} needs backgrounds, but ${recordings.display}'s dataset has no ${backgrounds.source} with WAVs; ${hint}`,
      );
    }
    return composeInputError(
      `${why} needs backgrounds in that split, but none of the ${backgrounds.files.length} files of ${backgrounds.source} falls in it (split.validation/test shares, or the import's lists)`,
    );
  };

  const total = (label: string): number =>
    label === SILENCE_LABEL
      ? Math.round(config.silenceFraction * config.perKeyword)
      : label === UNKNOWN_LABEL
        ? Math.round(config.unknownFraction * config.perKeyword)
        : config.perKeyword;
  const counts = new Map<string, ClassCounts>();
  for (const label of labels) {
    const t = splitCounts(total(label), config.split);
    const fromTts = Object.fromEntries(SPLITS.map((s) => [s, Math.round(config.mix.tts * t[s])])) as Record<
      Split,
      number
    >;
    counts.set(label, { total: t, tts: fromTts });
    for (const s of SPLITS) {
      const composed = t[s] - fromTts[s];
      if (composed === 0) continue;
      if (label === SILENCE_LABEL) {
        if (!backgrounds.has(s)) throw noBackgrounds(`_silence_ (${composed} clips in the ${s} split)`);
        continue;
      }
      const ws = words.get(label)!;
      if (!ws.some((w) => w.split === s)) {
        const what =
          label === UNKNOWN_LABEL ? `_unknown_ (negatives: ${negatives.join(', ') || 'none'})` : `keyword "${label}"`;
        throw composeInputError(
          `${what} has no recordings in the ${s} split, but ${composed} ${s} clips are to be composed from them ` +
            `(its recordings per split: ${perSplit(ws)}). A recording's split comes from ${recordings.display}'s lists ` +
            `(the hash of the speaker id before _nohash_ when the folder has none): record more speakers, give the import a ` +
            `${s === 'test' ? 'testing_list.txt' : 'validation_list.txt'}, or set split.${s}: 0`,
        );
      }
      if (config.backgrounds.probability > 0 && !backgrounds.has(s)) {
        throw noBackgrounds(`backgrounds.probability ${config.backgrounds.probability} (${label}, ${s} split)`);
      }
    }
  }
  const streamSplits: Array<[string, Split | 'all', number]> = [
    ['streams', config.streams.split, config.streams.count],
    ['streams.tuning', config.streams.tuning.split, config.streams.tuning.count],
  ];
  for (const [what, s, n] of streamSplits) {
    if (n > 0 && !backgrounds.has(s)) throw noBackgrounds(`${what} (${n} streams from the ${s} split)`);
  }

  const trainSpeakers = new Set<string>();
  for (const ws of words.values()) for (const w of ws) if (w.split === 'train') trainSpeakers.add(w.speaker);
  return {
    recordings,
    tts,
    reader,
    keywords,
    negatives,
    labels,
    words,
    skippedSilent,
    backgrounds,
    counts,
    trainSpeakers,
    sampleRate: sr,
  };
}
