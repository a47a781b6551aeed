import { mkdir, rm, writeFile } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { encodeWav16 } from '../audio/wav';
import { DATASET_MANIFEST, TESTING_LIST, VALIDATION_LIST, type KwsDatasetManifest } from '../synth/kws-dataset';
import { SILENCE_LABEL, SPLITS, UNKNOWN_LABEL, type Split } from '../synth/kws-plan';
import { fitLength, loadAudio } from './clip-audio';
import { assertUniqueOutputs, scanSpeechCommandsFolder } from './folder-scan';
import { hashSplit } from './hash-split';
import { BACKGROUND_NOISE_DIR, type ImportAudioConfig } from './import-config';
import { byCodeUnit, displayPath, importInputError } from './import-error';
import { cutWindow, planSilenceClips } from './silence-clips';
import { readSplitLists } from './split-lists';
import { carrySources } from './import-sources';

/**
 * Import a user folder in Speech Commands layout as a dataset directory identical in
 * layout to synth-kws' (kws-dataset.ts), so every downstream stage reads either:
 *
 *   <label>/<clip>.wav                    PCM16 mono at config.sampleRate, exactly clipMs
 *   validation_list.txt testing_list.txt  `<label>/<clip>.wav` per line, sorted
 *   dataset.json                          synth-kws' fields; generator "import-audio"
 *   _background_noise_/<file>.wav         only with keepBackgrounds: the noise recordings, full
 *                                         length, in no list (compose-kws mixes them in)
 *
 * Labels are `_silence_`, `_unknown_`, then the keywords (kwsLabels' order). Steps: scan
 * and validate the folder without reading audio (folder-scan.ts), assign splits (the
 * user's lists, split-lists.ts, else the name hash, hash-split.ts), then convert clip by
 * clip in sorted order. The output is a pure function of the folder's bytes and the config
 * (sorted everywhere, no timestamps, canonical WAV headers), so two imports of the same
 * folder give identical bytes.
 */

/** Bump when the same folder and config would produce different bytes (the stage version). */
export const IMPORT_AUDIO_VERSION = 2; // 2: a folder's sources.json is carried into the dataset (import-sources.ts)

/** dataset.json of an import: exactly synth-kws' fields. No voices are known: both lists are empty. */
export interface ImportedDatasetManifest extends Omit<KwsDatasetManifest, 'generator'> {
  readonly generator: 'import-audio';
}

export interface ImportedDatasetSummary {
  readonly labels: readonly string[];
  readonly keywords: readonly string[];
  readonly clips: number;
  readonly trainClips: number;
  readonly validationClips: number;
  readonly testClips: number;
  readonly counts: Readonly<Record<Split, Readonly<Record<string, number>>>>;
  /** Where the split came from: the folder's list files, or the name hash. */
  readonly splitSource: 'lists' | 'hash';
  /** Clips whose source was not already 16-bit PCM mono at the target rate. */
  readonly converted: number;
  readonly resampled: number;
  readonly mixedDown: number;
  /** Clips longer than clipMs (cut) and shorter (zero-padded). */
  readonly trimmed: number;
  readonly padded: number;
  /** `_silence_` clips cut from `_background_noise_`. */
  readonly silenceClips: number;
  /** Files and folders that were not clips (README, LICENSE, other extensions), ignored. */
  readonly ignoredFiles: number;
  /** Folders imported as `_unknown_`. */
  readonly unknownFolders: readonly string[];
}

export interface ImportOptions {
  /** Directory a relative config.path resolves against. Default: process.cwd() (the worker runs in the project dir). */
  readonly cwd?: string;
  /** Called after every clip, `(done, total)`. */
  readonly onProgress?: (done: number, total: number) => void;
}

/** One file to write: a user clip or a silence window. */
interface OutputClip {
  readonly out: string;
  readonly split: Split;
  readonly make: () => Promise<Float32Array>;
}

/** Resolve config.path as the worker sees it. */
export function resolveImportPath(path: string, cwd: string = process.cwd()): string {
  return isAbsolute(path) ? path : resolve(cwd, path);
}

/**
 * Import `config.path` into `outDir` (emptied first). Throws StageInputError
 * (`import-audio: ...`, naming the path and the reason) for a missing folder, a layout
 * problem, a list entry that names no clip, or a WAV that cannot be decoded.
 */
export async function importSpeechCommandsFolder(
  config: ImportAudioConfig,
  outDir: string,
  options: ImportOptions = {},
): Promise<ImportedDatasetSummary> {
  const root = resolveImportPath(config.path, options.cwd);
  const display = config.path;
  const scan = await scanSpeechCommandsFolder(root, display, config.keywords);
  const lists = await readSplitLists(root, display, new Set(scan.clips.map((c) => c.source)));
  const silence = planSilenceClips(scan.backgrounds, config.silenceClips, config.split);
  if (config.silenceClips > 0 && silence.length === 0) {
    throw importInputError(
      `silenceClips is ${config.silenceClips} but ${displayPath(display, BACKGROUND_NOISE_DIR)} has no .wav files to cut them from`,
    );
  }
  if (config.keepBackgrounds && scan.backgrounds.length === 0) {
    throw importInputError(
      `keepBackgrounds is true but ${displayPath(display, BACKGROUND_NOISE_DIR)} has no .wav files`,
    );
  }
  assertUniqueOutputs([
    ...scan.clips.map((c) => ({ out: c.out, source: c.source })),
    ...silence.map((s) => ({ out: s.out, source: `${s.background} (silence window ${s.window})` })),
  ]);

  const sr = config.sampleRate;
  const n = Math.round((config.clipMs / 1000) * sr);
  const stats = { converted: 0, resampled: 0, mixedDown: 0, trimmed: 0, padded: 0 };

  const userClips: OutputClip[] = scan.clips.map((c) => ({
    out: c.out,
    split: lists ? (lists.heldOut.get(c.source) ?? 'train') : hashSplit(c.file, config.split),
    make: async () => {
      const audio = await loadAudio(join(root, c.source), displayPath(display, c.source), sr);
      const fitted = fitLength(audio.samples, n);
      if (audio.resampled || audio.mixedDown || audio.requantized) stats.converted++;
      if (audio.resampled) stats.resampled++;
      if (audio.mixedDown) stats.mixedDown++;
      if (fitted.trimmed) stats.trimmed++;
      if (fitted.padded) stats.padded++;
      return fitted.samples;
    },
  }));
  // Each noise file is decoded once, however many windows it gives.
  const noise = new Map<string, Promise<Float32Array>>();
  const noiseOf = (rel: string): Promise<Float32Array> => {
    let p = noise.get(rel);
    if (!p) {
      p = loadAudio(join(root, rel), displayPath(display, rel), sr).then((a) => a.samples);
      noise.set(rel, p);
    }
    return p;
  };
  const silenceClips: OutputClip[] = silence.map((s) => ({
    out: s.out,
    split: s.split,
    make: async () => cutWindow(await noiseOf(s.background), s.window, s.windows, n),
  }));
  const all = [...userClips, ...silenceClips].sort((a, b) => byCodeUnit(a.out, b.out));

  const labels = [SILENCE_LABEL, UNKNOWN_LABEL, ...scan.keywords];
  await rm(outDir, { recursive: true, force: true });
  for (const label of labels) await mkdir(join(outDir, label), { recursive: true });
  options.onProgress?.(0, all.length);
  for (let i = 0; i < all.length; i++) {
    const clip = all[i]!;
    await writeFile(join(outDir, clip.out), encodeWav16(await clip.make(), sr));
    options.onProgress?.(i + 1, all.length);
  }

  // Backgrounds are not clips: full length, in no split list (compose-kws splits them in time).
  if (config.keepBackgrounds) {
    await mkdir(join(outDir, BACKGROUND_NOISE_DIR), { recursive: true });
    for (const rel of scan.backgrounds) {
      const name = rel.slice(rel.lastIndexOf('/') + 1).replace(/\.wav$/i, '.wav');
      await writeFile(join(outDir, BACKGROUND_NOISE_DIR, name), encodeWav16(await noiseOf(rel), sr));
    }
  }

  const listOf = (split: Split): string =>
    all
      .filter((c) => c.split === split)
      .map((c) => `${c.out}\n`)
      .join('');
  await writeFile(join(outDir, VALIDATION_LIST), listOf('validation'));
  await writeFile(join(outDir, TESTING_LIST), listOf('test'));

  const counts = countBySplit(all, labels);
  const manifest: ImportedDatasetManifest = {
    generator: 'import-audio',
    version: IMPORT_AUDIO_VERSION,
    tools: {},
    labels,
    sampleRate: sr,
    clipMs: config.clipMs,
    counts,
    voices: [],
    testVoices: [],
  };
  await writeFile(join(outDir, DATASET_MANIFEST), JSON.stringify(manifest, null, 2) + '\n');
  await carrySources(root, display, scan.clips, outDir);

  const total = (s: Split): number => all.filter((c) => c.split === s).length;
  return {
    labels,
    keywords: scan.keywords,
    clips: all.length,
    trainClips: total('train'),
    validationClips: total('validation'),
    testClips: total('test'),
    counts,
    splitSource: lists ? 'lists' : 'hash',
    ...stats,
    silenceClips: silence.length,
    ignoredFiles: scan.ignored.length,
    unknownFolders: scan.unknownFolders,
  };
}

function countBySplit(clips: readonly OutputClip[], labels: readonly string[]): Record<Split, Record<string, number>> {
  const counts = {} as Record<Split, Record<string, number>>;
  for (const s of SPLITS) counts[s] = Object.fromEntries(labels.map((l) => [l, 0]));
  for (const c of clips) {
    const label = c.out.slice(0, c.out.indexOf('/'));
    counts[c.split][label] = (counts[c.split][label] ?? 0) + 1;
  }
  return counts;
}
