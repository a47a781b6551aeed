import type { Dirent } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { byCodeUnit, displayPath, importInputError } from './import-error';
import { splitPosition } from './hash-split';
import type { Condition, MachineSplit } from '../machine/machine-dataset';

/**
 * Scan a user folder of machine sounds in one of the two public layouts, without reading
 * audio, and decide where every clip goes in the machine dataset (machine-dataset.ts):
 *
 *   mimii  <type>/<id>/normal/*.wav, <type>/<id>/abnormal/*.wav     (MIMII, Purohit et al. 2019)
 *   dcase  <type>/train/normal_id_XX_*.wav,
 *          <type>/test/{normal,anomaly}_id_XX_*.wav                  (DCASE 2020 task 2)
 *
 * Splits. DCASE: train/ is training data (normal only; an `anomaly_` file there is an
 * error), test/ is test data. MIMII has no split, so the MIMII/DCASE baseline rule is
 * used per machine ID: every abnormal clip is a test clip, and as many normal clips as
 * there are abnormal ones (at most half the normals) join them; which normals is decided
 * by the hash of the file name (hash-split.ts), so adding files moves few others. In both
 * layouts, a `validation` fraction of the remaining training normals (by the same hash)
 * becomes validation data (for choosing an operating threshold).
 *
 * Output names: MIMII keeps the file name; DCASE prefixes the folder (`train_…`,
 * `test_…`) because both folders number their clips from 0.
 */

export type MachineLayout = 'mimii' | 'dcase';

export interface MachineSourceClip {
  /** Path in the user's folder, `/`-separated. */
  readonly source: string;
  readonly type: string;
  readonly id: string;
  readonly condition: Condition;
  readonly split: MachineSplit;
  /** `<type>/<id>/<condition>/<name>.wav` in the dataset. */
  readonly out: string;
}

export interface MachineFolderScan {
  readonly layout: MachineLayout;
  readonly clips: readonly MachineSourceClip[];
  readonly machines: ReadonlyArray<{ readonly type: string; readonly ids: readonly string[] }>;
  /** Entries that are not clips, ignored. */
  readonly ignored: readonly string[];
}

const WAV = /\.wav$/i;
const DCASE_NAME = /^(normal|anomaly)_(id_\d+)_.*\.wav$/i;

interface Entry {
  readonly name: string;
  readonly dir: boolean;
  readonly file: boolean;
}

async function entries(dir: string): Promise<Entry[]> {
  const list: Dirent[] = await readdir(dir, { withFileTypes: true });
  const out = await Promise.all(
    list
      .filter((e) => !e.name.startsWith('.'))
      .map(async (e) => {
        if (!e.isSymbolicLink()) return { name: e.name, dir: e.isDirectory(), file: e.isFile() };
        try {
          const s = await stat(join(dir, e.name));
          return { name: e.name, dir: s.isDirectory(), file: s.isFile() };
        } catch {
          return { name: e.name, dir: false, file: false };
        }
      }),
  );
  return out.sort((a, b) => byCodeUnit(a.name, b.name));
}

const subdirs = async (dir: string): Promise<string[]> => (await entries(dir)).filter((e) => e.dir).map((e) => e.name);

/**
 * Which machine layout `root` is in: MIMII if some `<type>/<id>/` holds `normal/` or
 * `abnormal/`, DCASE if some `<type>/` holds `train/` or `test/`. Neither or both is an
 * error that shows the two expected shapes.
 */
export async function detectMachineLayout(root: string, display: string): Promise<MachineLayout> {
  let mimii = false;
  let dcase = false;
  for (const type of await subdirs(root)) {
    const inner = await subdirs(join(root, type));
    if (inner.includes('train') || inner.includes('test')) dcase = true;
    for (const id of inner) {
      const leaf = await subdirs(join(root, type, id));
      if (leaf.includes('normal') || leaf.includes('abnormal')) mimii = true;
    }
  }
  if (mimii && !dcase) return 'mimii';
  if (dcase && !mimii) return 'dcase';
  throw importInputError(
    `path "${display}": ${mimii ? 'mixes' : 'matches neither of'} the machine-sound layouts: ` +
      `MIMII <type>/<id>/{normal,abnormal}/*.wav (e.g. ${displayPath(display, 'slider/id_00/normal/00000000.wav')}) or ` +
      `DCASE <type>/{train,test}/<normal|anomaly>_id_XX_*.wav (e.g. ${displayPath(display, 'fan/train/normal_id_00_00000000.wav')}); set layout: mimii or layout: dcase`,
  );
}

interface Found {
  readonly source: string;
  readonly file: string;
  readonly type: string;
  readonly id: string;
  readonly condition: Condition;
  /** Fixed by the layout (DCASE) or left to the MIMII rule. */
  readonly split?: MachineSplit;
  readonly out: string;
}

async function wavsIn(dir: string, rel: string, display: string, ignored: string[]): Promise<string[]> {
  const wavs: string[] = [];
  for (const e of await entries(dir)) {
    if (e.file && WAV.test(e.name)) wavs.push(e.name);
    else ignored.push(`${rel}/${e.name}`);
  }
  if (wavs.length === 0) throw importInputError(`folder ${displayPath(display, rel)} has no .wav files`);
  return wavs;
}

async function scanMimii(root: string, display: string, ignored: string[]): Promise<Found[]> {
  const found: Found[] = [];
  for (const type of await subdirs(root)) {
    for (const id of await subdirs(join(root, type))) {
      const leaf = await subdirs(join(root, type, id));
      if (!leaf.includes('normal')) {
        throw importInputError(
          `machine ${displayPath(display, `${type}/${id}`)} has no normal/ folder: every machine ID needs normal clips to train on`,
        );
      }
      for (const condition of ['normal', 'abnormal'] as const) {
        if (!leaf.includes(condition)) continue;
        const rel = `${type}/${id}/${condition}`;
        for (const file of await wavsIn(join(root, rel), rel, display, ignored)) {
          const name = file.replace(WAV, '.wav');
          found.push({ source: `${rel}/${file}`, file, type, id, condition, out: `${rel}/${name}` });
        }
      }
    }
  }
  return found;
}

async function scanDcase(root: string, display: string, ignored: string[]): Promise<Found[]> {
  const found: Found[] = [];
  for (const type of await subdirs(root)) {
    for (const folder of ['train', 'test'] as const) {
      if (!(await subdirs(join(root, type))).includes(folder)) continue;
      const rel = `${type}/${folder}`;
      for (const file of await wavsIn(join(root, rel), rel, display, ignored)) {
        const m = DCASE_NAME.exec(file);
        if (!m) {
          throw importInputError(
            `${displayPath(display, `${rel}/${file}`)}: expected a DCASE name <normal|anomaly>_id_XX_<n>.wav`,
          );
        }
        const condition: Condition = m[1]!.toLowerCase() === 'normal' ? 'normal' : 'abnormal';
        if (folder === 'train' && condition === 'abnormal') {
          throw importInputError(
            `${displayPath(display, `${rel}/${file}`)}: an anomalous clip in train/ (training data must be normal only)`,
          );
        }
        const id = m[2]!.toLowerCase();
        found.push({
          source: `${rel}/${file}`,
          file,
          type,
          id,
          condition,
          split: folder,
          out: `${type}/${id}/${condition}/${folder}_${file.replace(WAV, '.wav')}`,
        });
      }
    }
  }
  return found;
}

/** MIMII rule (module comment): abnormal → test, as many normals (≤ half) → test by name hash. */
function assignSplits(found: readonly Found[], validation: number): MachineSourceClip[] {
  const groups = new Map<string, Found[]>();
  for (const f of found) {
    const key = `${f.type}/${f.id}`;
    groups.set(key, [...(groups.get(key) ?? []), f]);
  }
  const out: MachineSourceClip[] = [];
  for (const clips of groups.values()) {
    const normals = clips.filter((c) => c.condition === 'normal' && c.split === undefined);
    const abnormal = clips.filter((c) => c.condition === 'abnormal' && c.split === undefined).length;
    const byHash = [...normals].sort(
      (a, b) => splitPosition(a.source) - splitPosition(b.source) || byCodeUnit(a.source, b.source),
    );
    const testNormals = new Set(
      byHash.slice(0, Math.min(abnormal, Math.floor(normals.length / 2))).map((c) => c.source),
    );
    for (const c of clips) {
      let split: MachineSplit = c.split ?? (c.condition === 'abnormal' || testNormals.has(c.source) ? 'test' : 'train');
      if (split === 'train' && splitPosition(`validation:${c.source}`) < validation) split = 'validation';
      out.push({ source: c.source, type: c.type, id: c.id, condition: c.condition, split, out: c.out });
    }
  }
  return out.sort((a, b) => byCodeUnit(a.out, b.out));
}

export async function scanMachineFolder(
  root: string,
  display: string,
  layout: MachineLayout,
  validation: number,
): Promise<MachineFolderScan> {
  const ignored: string[] = [];
  const found = layout === 'mimii' ? await scanMimii(root, display, ignored) : await scanDcase(root, display, ignored);
  if (found.length === 0) {
    throw importInputError(`path "${display}": no machine clips in the ${layout} layout`);
  }
  const clips = assignSplits(found, validation);
  const machines = new Map<string, Set<string>>();
  for (const c of clips) machines.set(c.type, (machines.get(c.type) ?? new Set()).add(c.id));
  for (const [type, ids] of machines) {
    for (const id of ids) {
      if (!clips.some((c) => c.type === type && c.id === id && c.condition === 'normal' && c.split !== 'test')) {
        throw importInputError(
          `machine ${type} ${id} has no normal training clips (${layout} layout): there is nothing to learn its normal sound from`,
        );
      }
    }
  }
  return {
    layout,
    clips,
    machines: [...machines.keys()]
      .sort(byCodeUnit)
      .map((type) => ({ type, ids: [...machines.get(type)!].sort(byCodeUnit) })),
    ignored: ignored.sort(byCodeUnit),
  };
}
