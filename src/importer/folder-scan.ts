import type { Dirent } from 'node:fs';
import { readdir, realpath, stat } from 'node:fs/promises';
import { join, sep } from 'node:path';
import { SILENCE_LABEL, UNKNOWN_LABEL } from '../synth/kws-plan';
import { TESTING_LIST, VALIDATION_LIST } from '../synth/kws-dataset';
import { BACKGROUND_NOISE_DIR, RESERVED_FOLDERS } from './import-config';
import { byCodeUnit, displayPath, importInputError } from './import-error';

/**
 * Scan and validate a user folder in Speech Commands layout, without reading any audio:
 *
 *   <folder>/<clip>.wav        one folder per word (any name not starting with ".")
 *   _background_noise_/*.wav   optional long noise recordings (source of `_silence_` clips)
 *   validation_list.txt        optional, `<folder>/<clip>.wav` per line (split-lists.ts)
 *   testing_list.txt           optional, likewise
 *
 * and decide where every clip goes in the imported dataset: a keyword folder keeps its
 * name, `_silence_` / `_unknown_` folders keep theirs, and every other folder's clips move
 * to `_unknown_/<folder>_<clip>.wav` (the folder is kept in the name because Speech
 * Commands names clips by speaker, so `bed/x.wav` and `cat/x.wav` would collide).
 * Extensions are normalised to `.wav`. Everything is sorted in code-unit order so the
 * result does not depend on the file system's listing order.
 */

export interface SourceClip {
  /** Path inside the user's folder, `/`-separated: `<folder>/<file>`. */
  readonly source: string;
  /** The file name alone (decides the hash split). */
  readonly file: string;
  /** The label it is imported as. */
  readonly label: string;
  /** Path inside the imported dataset: `<label>/<name>.wav`. */
  readonly out: string;
}

export interface FolderScan {
  /** Keyword labels in label order (config order, or sorted folder names by default). */
  readonly keywords: readonly string[];
  /** Clips sorted by `out`. */
  readonly clips: readonly SourceClip[];
  /** `_background_noise_/<file>` of every noise WAV, sorted. */
  readonly backgrounds: readonly string[];
  /** Entries that are not clips (README, LICENSE, .txt, nested folders ...), sorted. */
  readonly ignored: readonly string[];
  /** Folders whose clips were imported as `_unknown_` (not keywords), sorted. */
  readonly unknownFolders: readonly string[];
}

const WAV = /\.wav$/i;
const LIST_FILES = new Set([VALIDATION_LIST, TESTING_LIST]);

type EntryKind = 'file' | 'dir' | 'other';

/**
 * File, directory, or neither. Symlinks are followed inside the imported folder (a broken one
 * is "other"); one that leads out of it is refused: an import reads the folder it is given
 * and nothing else on the worker (issue #15 "security").
 */
async function kindOf(dir: string, e: Dirent, realRoot: string): Promise<EntryKind> {
  if (e.isFile()) return 'file';
  if (e.isDirectory()) return 'dir';
  if (!e.isSymbolicLink()) return 'other';
  let target: string;
  try {
    target = await realpath(join(dir, e.name));
  } catch {
    return 'other';
  }
  if (target !== realRoot && !target.startsWith(realRoot + sep)) {
    throw importInputError(
      `${join(dir, e.name)}: a symbolic link to ${target}, outside the imported folder; copy the file into the folder instead`,
    );
  }
  const s = await stat(target);
  return s.isFile() ? 'file' : s.isDirectory() ? 'dir' : 'other';
}

async function listDir(dir: string, realRoot: string): Promise<Array<{ name: string; kind: EntryKind }>> {
  const entries = await readdir(dir, { withFileTypes: true });
  const out = await Promise.all(entries.map(async (e) => ({ name: e.name, kind: await kindOf(dir, e, realRoot) })));
  return out.sort((a, b) => byCodeUnit(a.name, b.name));
}

/**
 * WAV files of `dir` (sorted); everything else is added to `ignored` as `<rel>/<name>`.
 * Hidden files are never clips: macOS leaves `._<name>.wav` AppleDouble files beside
 * every clip copied from its disks, and they are not audio.
 */
async function wavFiles(dir: string, rel: string, ignored: string[], realRoot: string): Promise<string[]> {
  const wavs: string[] = [];
  for (const e of await listDir(dir, realRoot)) {
    if (e.kind === 'file' && WAV.test(e.name) && !e.name.startsWith('.')) wavs.push(e.name);
    else ignored.push(`${rel}/${e.name}`);
  }
  return wavs;
}

/** `path "<display>": no such directory` / `not a directory` / `cannot read (<code>)`. */
export async function assertDirectory(path: string, display: string): Promise<void> {
  let isDir: boolean;
  try {
    isDir = (await stat(path)).isDirectory();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw importInputError(`path "${display}": no such directory`);
    throw importInputError(`path "${display}": cannot read (${code ?? String(e)})`);
  }
  if (!isDir) throw importInputError(`path "${display}": not a directory`);
}

/**
 * Throws a StageInputError for: a missing path or one that is not a directory, no label
 * folders, a label folder without WAVs, a configured keyword without a folder, no keyword
 * at all, or two clips that would get the same name in the dataset.
 */
export async function scanSpeechCommandsFolder(
  root: string,
  display: string,
  configuredKeywords: readonly string[] | undefined,
): Promise<FolderScan> {
  await assertDirectory(root, display);

  const ignored: string[] = [];
  const folders: string[] = [];
  let hasNoiseDir = false;
  const realRoot = await realpath(root);
  for (const e of await listDir(root, realRoot)) {
    if (e.kind === 'dir' && e.name === BACKGROUND_NOISE_DIR) hasNoiseDir = true;
    else if (e.kind === 'dir' && !e.name.startsWith('.')) folders.push(e.name);
    else if (!(e.kind === 'file' && LIST_FILES.has(e.name))) ignored.push(e.name);
  }
  if (folders.length === 0) {
    throw importInputError(
      `path "${display}": no label folders (expected <label>/<clip>.wav, e.g. ${displayPath(display, 'yes/0a7c2a8d_nohash_0.wav')})`,
    );
  }
  const backgrounds = hasNoiseDir
    ? (await wavFiles(join(root, BACKGROUND_NOISE_DIR), BACKGROUND_NOISE_DIR, ignored, realRoot)).map(
        (f) => `${BACKGROUND_NOISE_DIR}/${f}`,
      )
    : [];

  const keywords = configuredKeywords ?? folders.filter((f) => !RESERVED_FOLDERS.includes(f));
  for (const k of keywords) {
    if (!folders.includes(k)) {
      throw importInputError(
        `keyword "${k}" has no folder ${displayPath(display, k)} (label folders: ${folders.join(', ')})`,
      );
    }
  }
  if (keywords.length === 0) {
    throw importInputError(`path "${display}": no keyword folders, only ${folders.join(', ')}`);
  }

  const clips: SourceClip[] = [];
  const unknownFolders: string[] = [];
  for (const folder of folders) {
    const files = await wavFiles(join(root, folder), folder, ignored, realRoot);
    if (files.length === 0) throw importInputError(`label folder ${displayPath(display, folder)} has no .wav files`);
    const keepsName = keywords.includes(folder) || folder === SILENCE_LABEL || folder === UNKNOWN_LABEL;
    if (!keepsName) unknownFolders.push(folder);
    for (const file of files) {
      const stem = file.replace(WAV, '');
      clips.push({
        source: `${folder}/${file}`,
        file,
        label: keepsName ? folder : UNKNOWN_LABEL,
        out: keepsName ? `${folder}/${stem}.wav` : `${UNKNOWN_LABEL}/${folder}_${stem}.wav`,
      });
    }
  }
  clips.sort((a, b) => byCodeUnit(a.out, b.out));
  assertUniqueOutputs(clips.map((c) => ({ out: c.out, source: c.source })));
  return { keywords, clips, backgrounds, ignored: ignored.sort(byCodeUnit), unknownFolders };
}

/** Two sources mapped to one dataset path (e.g. `a.wav` and `a.WAV`) would lose a clip silently. */
export function assertUniqueOutputs(items: ReadonlyArray<{ out: string; source: string }>): void {
  const seen = new Map<string, string>();
  for (const { out, source } of items) {
    const other = seen.get(out);
    if (other !== undefined) {
      throw importInputError(`"${other}" and "${source}" would both be imported as "${out}"; rename one of them`);
    }
    seen.set(out, source);
  }
}
