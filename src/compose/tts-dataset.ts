import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { listKwsDataset, type SplitName } from '../dsp/dataset-listing';
import { splitKey } from '../importer/hash-split';
import { SILENCE_LABEL } from '../synth/kws-plan';
import { voiceSlug } from '../synth/kws-plan';
import { DATASET_MANIFEST } from '../synth/kws-dataset';
import type { Prng } from '../util/prng';
import {
  SILENCE_ENGINE,
  SOURCES_FILE,
  sourcesFileSchema,
  type ClipSource,
  type EngineInfo,
  type SourcesFile,
} from './clip-sources';
import { byCodeUnit, composeInputError } from './compose-error';

/**
 * A TTS dataset (synth-kws' `dataset` artifact, or any dataset in its layout) that
 * compose-kws mixes in: `mix.tts` of every class's clips in a split are copied from the same
 * class and split here, with their sources.json entries. A dataset without sources.json is
 * read as synth-kws made it before the contract: engine `espeak-ng` (generator synth-kws) or
 * `unknown`, voice = the file's speaker part, held out when that voice is one of
 * dataset.json's testVoices.
 */

export interface TtsDataset {
  readonly dir: string;
  readonly display: string;
  readonly labels: readonly string[];
  readonly sampleRate: number;
  readonly clipMs: number;
  /** Clip paths by `<label>\t<split>`, sorted. */
  readonly clips: ReadonlyMap<string, readonly string[]>;
  sourceOf(path: string): { source: ClipSource; engine: EngineInfo };
}

const manifestSchema = z.looseObject({
  generator: z.string().optional(),
  labels: z.array(z.string().min(1)).min(1),
  sampleRate: z.number().int().positive(),
  clipMs: z.number().int().positive(),
  tools: z.record(z.string(), z.string()).optional(),
  testVoices: z.array(z.string()).optional(),
});

async function readJson(path: string, display: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(path, 'utf8'));
  } catch (e) {
    throw composeInputError(`${display}: cannot read ${path} (${(e as Error).message})`);
  }
}

const key = (label: string, split: SplitName): string => `${label}\t${split}`;

export async function readTtsDataset(dir: string, display: string): Promise<TtsDataset> {
  const m = manifestSchema.safeParse(await readJson(join(dir, DATASET_MANIFEST), display));
  if (!m.success)
    throw composeInputError(
      `${display}: ${DATASET_MANIFEST}: ${m.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  const manifest = m.data;
  const listing = listKwsDataset(dir);
  const clips = new Map<string, string[]>();
  for (const split of ['train', 'validation', 'test'] as const) {
    for (const c of listing.splits[split]) {
      const k = key(listing.labels[c.label]!, split);
      const list = clips.get(k) ?? [];
      list.push(c.path);
      clips.set(k, list);
    }
  }
  for (const list of clips.values()) list.sort(byCodeUnit);

  let sources: SourcesFile | undefined;
  if (existsSync(join(dir, SOURCES_FILE))) {
    const s = sourcesFileSchema.safeParse(await readJson(join(dir, SOURCES_FILE), display));
    if (!s.success)
      throw composeInputError(
        `${display}: ${SOURCES_FILE}: ${s.error.issues
          .slice(0, 5)
          .map((i) => `${i.path.join('.')}: ${i.message}`)
          .join('; ')}`,
      );
    sources = s.data;
  }
  const fallbackEngine = manifest.generator === 'synth-kws' ? 'espeak-ng' : 'unknown';
  const fallbackInfo: EngineInfo =
    fallbackEngine === 'espeak-ng'
      ? {
          version: manifest.tools?.['espeak-ng'] ?? 'unknown',
          licence: 'GPL-3.0-or-later',
          family: 'espeak',
          role: 'train',
        }
      : { version: 'unknown', licence: 'unknown', family: 'unknown', role: 'train' };
  const silenceInfo: EngineInfo = { version: '', licence: 'none', family: SILENCE_ENGINE, role: 'train' };
  const testSlugs = new Set((manifest.testVoices ?? []).map(voiceSlug));

  const sourceOf = (path: string): { source: ClipSource; engine: EngineInfo } => {
    const listed = sources?.clips[path];
    if (listed) {
      // synth-kws lists only speaking engines; its `_silence_` clips name `silence` without an entry.
      const info = sources!.engines[listed.engine] ?? (listed.engine === SILENCE_ENGINE ? silenceInfo : undefined);
      if (!info)
        throw composeInputError(
          `${display}: ${SOURCES_FILE}: clip "${path}" names engine "${listed.engine}", which is not in "engines"`,
        );
      return { source: listed, engine: info };
    }
    if (path.startsWith(`${SILENCE_LABEL}/`)) {
      return {
        source: { engine: SILENCE_ENGINE, voice: splitKey(path.slice(path.indexOf('/') + 1)), heldOut: false },
        engine: silenceInfo,
      };
    }
    const voice = splitKey(path.slice(path.indexOf('/') + 1));
    return {
      source: { engine: fallbackEngine, voice, heldOut: testSlugs.has(voice) ? 'voice' : false },
      engine: fallbackInfo,
    };
  };
  return {
    dir,
    display,
    labels: listing.labels,
    sampleRate: manifest.sampleRate,
    clipMs: manifest.clipMs,
    clips,
    sourceOf,
  };
}

/**
 * `n` clips of `label` in `split`, drawn without replacement by `rng` and returned sorted.
 * Throws `compose-kws: stage "tts": 3 "yes" clips in the test split, mix.tts needs 5 ...`.
 */
export function pickTtsClips(tts: TtsDataset, label: string, split: SplitName, n: number, rng: Prng): string[] {
  if (n === 0) return [];
  const pool = [...(tts.clips.get(key(label, split)) ?? [])];
  if (pool.length < n) {
    throw composeInputError(
      `${tts.display}: ${pool.length} "${label}" clips in the ${split} split, but mix.tts needs ${n}; ` +
        'make more clips there (perKeyword) or lower mix.tts',
    );
  }
  return rng.shuffle(pool).slice(0, n).sort(byCodeUnit);
}
