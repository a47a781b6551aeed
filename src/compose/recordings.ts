import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { decodeWav } from '../audio/wav';
import { resample } from '../audio/resample';
import { splitKey } from '../importer/hash-split';
import { SILENCE_LABEL, UNKNOWN_LABEL, type Split } from '../synth/kws-plan';
import { DATASET_MANIFEST, TESTING_LIST, VALIDATION_LIST } from '../synth/kws-dataset';
import { StageInputError } from '../errors';
import { byCodeUnit, composeInputError } from './compose-error';

/**
 * The recordings a compose-kws stage composes from: the `dataset` artifact of an
 * import-audio stage (Speech Commands layout, src/importer/speech-commands-folder.ts), read
 * as a database of *source recordings* rather than training clips:
 *
 *   <label>/<speaker>_nohash_<n>.wav   one recording; its split is the dataset's (the
 *                                      list files), so it feeds one split only
 *   _background_noise_/<file>.wav      long background recordings (import-audio
 *                                      keepBackgrounds: true), or any other folder
 *   sources.json                       optional: a clip's `voice` names its speaker
 *
 * The speaker of a recording is its sources.json voice, else the part of its file name
 * before `_nohash_` (the Speech Commands convention, src/importer/hash-split.ts splitKey).
 */

export interface Recording {
  /** `<label>/<file>.wav` inside the recordings dataset. */
  readonly path: string;
  readonly label: string;
  readonly split: Split;
  readonly speaker: string;
  /** The word spoken, as far as the dataset tells: the label, or an `_unknown_` clip's original folder. */
  readonly word: string;
}

export interface RecordingsDataset {
  readonly dir: string;
  /** Shown in messages: `stage "recordings"`. */
  readonly display: string;
  readonly labels: readonly string[];
  readonly sampleRate: number;
  /** Recordings per label folder, sorted by path. */
  readonly byLabel: ReadonlyMap<string, readonly Recording[]>;
  /** WAV files of every other folder (e.g. `_background_noise_`), by folder, sorted. */
  readonly folders: ReadonlyMap<string, readonly string[]>;
  /** Split of every clip named in the list files (others are train). */
  splitOf(path: string): Split;
}

const manifestSchema = z.looseObject({
  labels: z.array(z.string().min(1)).min(1),
  sampleRate: z.number().int().positive(),
});

/** Only the field compose needs from a sources.json (format: src/eval/clip-sources.ts). */
const sourcesVoicesSchema = z.looseObject({
  clips: z.record(z.string(), z.looseObject({ voice: z.string() })),
});

async function readList(dir: string, file: string): Promise<Set<string>> {
  const p = join(dir, file);
  if (!existsSync(p)) return new Set();
  return new Set(
    (await readFile(p, 'utf8'))
      .split(/\r?\n/)
      .map((l) => l.trim())
      .filter((l) => l.length > 0),
  );
}

async function wavFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  return entries
    .filter((e) => e.isFile() && /\.wav$/i.test(e.name) && !e.name.startsWith('.'))
    .map((e) => e.name)
    .sort(byCodeUnit);
}

async function readJson(path: string, display: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(path, 'utf8'));
  } catch (e) {
    throw composeInputError(`${display}: cannot read ${path} (${(e as Error).message})`);
  }
}

/** Read the extracted recordings dataset `dir`; `display` names it in errors. */
export async function readRecordingsDataset(dir: string, display: string): Promise<RecordingsDataset> {
  const parsed = manifestSchema.safeParse(await readJson(join(dir, DATASET_MANIFEST), display));
  if (!parsed.success) {
    throw composeInputError(
      `${display}: ${DATASET_MANIFEST} is not a dataset description (${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')})`,
    );
  }
  const { labels, sampleRate } = parsed.data;
  const validation = await readList(dir, VALIDATION_LIST);
  const testing = await readList(dir, TESTING_LIST);
  const splitOf = (path: string): Split => (testing.has(path) ? 'test' : validation.has(path) ? 'validation' : 'train');

  let voices = new Map<string, string>();
  const sourcesPath = join(dir, 'sources.json');
  if (existsSync(sourcesPath)) {
    const s = sourcesVoicesSchema.safeParse(await readJson(sourcesPath, display));
    if (!s.success)
      throw composeInputError(
        `${display}: sources.json: ${s.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
      );
    voices = new Map(Object.entries(s.data.clips).map(([k, v]) => [k, v.voice]));
  }

  const byLabel = new Map<string, Recording[]>();
  const folders = new Map<string, string[]>();
  const entries = (await readdir(dir, { withFileTypes: true })).filter(
    (e) => e.isDirectory() && !e.name.startsWith('.'),
  );
  for (const e of entries.sort((a, b) => byCodeUnit(a.name, b.name))) {
    const files = await wavFiles(join(dir, e.name));
    if (!labels.includes(e.name)) {
      folders.set(
        e.name,
        files.map((f) => `${e.name}/${f}`),
      );
      continue;
    }
    byLabel.set(
      e.name,
      files.map((f) => {
        const path = `${e.name}/${f}`;
        return { path, label: e.name, split: splitOf(path), speaker: voices.get(path) || splitKey(f), word: e.name };
      }),
    );
  }
  for (const l of labels) if (!byLabel.has(l)) byLabel.set(l, []);
  // import-audio files a non-keyword folder's clips as `_unknown_/<folder>_<file>`, so their
  // split key is `<folder>_<speaker>`. When the tail after an `_` is a speaker of another
  // label, that is the speaker and the head the word (folder names may contain `_` too,
  // hence the longest known tail, not the first `_`).
  const known = new Set(
    [...byLabel.entries()].filter(([l]) => l !== UNKNOWN_LABEL).flatMap(([, rs]) => rs.map((r) => r.speaker)),
  );
  const unknown = byLabel.get(UNKNOWN_LABEL);
  if (unknown) {
    byLabel.set(
      UNKNOWN_LABEL,
      unknown.map((r) => {
        if (voices.has(r.path)) return r;
        for (let i = r.speaker.indexOf('_'); i > 0; i = r.speaker.indexOf('_', i + 1)) {
          const tail = r.speaker.slice(i + 1);
          if (known.has(tail)) return { ...r, speaker: tail, word: r.speaker.slice(0, i) };
        }
        return r;
      }),
    );
  }
  return { dir, display, labels, sampleRate, byLabel, folders, splitOf };
}

/** Keyword and negative labels after defaults, validated against the dataset. */
export interface ComposeClasses {
  readonly keywords: readonly string[];
  readonly negatives: readonly string[];
}

/**
 * Resolve `keywords` / `negatives` (compose-config.ts defaults) and check that every one is a
 * label of the dataset. Throws `compose-kws: keywords[1]: "yess" is not a label of ...`.
 */
export function resolveClasses(
  ds: RecordingsDataset,
  config: { keywords?: readonly string[]; negatives?: readonly string[]; backgroundsFrom: string },
): ComposeClasses {
  const notSpeech = new Set([SILENCE_LABEL, config.backgroundsFrom]);
  for (const field of ['keywords', 'negatives'] as const) {
    config[field]?.forEach((l, i) => {
      if (!ds.labels.includes(l)) {
        throw composeInputError(
          `${field}[${i}]: "${l}" is not a label of the recordings dataset (${ds.display}; its labels: ${ds.labels.join(', ')})`,
        );
      }
    });
  }
  const negativesGiven = config.negatives ?? [];
  const keywords =
    config.keywords ?? ds.labels.filter((l) => l !== UNKNOWN_LABEL && !notSpeech.has(l) && !negativesGiven.includes(l));
  if (keywords.length === 0)
    throw composeInputError(
      `${ds.display}: the recordings dataset has no keyword labels (labels: ${ds.labels.join(', ')})`,
    );
  const negatives = config.negatives ?? ds.labels.filter((l) => !keywords.includes(l) && !notSpeech.has(l));
  return { keywords, negatives };
}

/**
 * Decoded recordings, read on demand and kept in a small cache: a dataset can hold far more
 * recordings than fit in memory, and a clip needs one at a time. Every read goes through
 * the same decoder, so the samples are the same whichever order clips are made in.
 */
export class RecordingReader {
  private readonly cache = new Map<string, Float32Array>();
  constructor(
    private readonly ds: RecordingsDataset,
    private readonly capacity = 256,
  ) {}

  async read(path: string): Promise<Float32Array> {
    const hit = this.cache.get(path);
    if (hit) return hit;
    let samples: Float32Array;
    try {
      const wav = decodeWav(await readFile(join(this.ds.dir, path)), `${this.ds.display}: ${path}`);
      samples =
        wav.sampleRate === this.ds.sampleRate ? wav.samples : resample(wav.samples, wav.sampleRate, this.ds.sampleRate);
    } catch (e) {
      if (e instanceof StageInputError) throw composeInputError(e.message);
      throw composeInputError(
        `${this.ds.display}: ${path}: cannot read (${(e as NodeJS.ErrnoException).code ?? String(e)})`,
      );
    }
    if (this.cache.size >= this.capacity) this.cache.delete(this.cache.keys().next().value as string);
    this.cache.set(path, samples);
    return samples;
  }
}
