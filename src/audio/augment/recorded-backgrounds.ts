import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Prng } from '../../util/prng';
import { resample } from '../resample';
import { readWav } from '../wav';

/**
 * Real background recordings that Debian packages ship (docs/augmentation.md "Recorded
 * backgrounds"; installed by scripts/setup.sh). Synthetic noise colours have a smooth
 * spectrum and no structure in time; a real crowd or engine has both, and a keyword
 * spotter meets them. The sets are short game loops (1.4–12 s, 8-bit, 11–22 kHz): a
 * background window is a random offset into a random file of the set, looping.
 */

export interface RecordedSet {
  /** Debian package that installs the files. */
  readonly debianPackage: string;
  readonly licence: string;
  readonly dir: string;
  readonly files: readonly string[];
  readonly what: string;
}

export const RECORDED_SETS = {
  crowd: {
    debianPackage: 'etw-data',
    licence: 'GPL-2+ (Eat the Whistle, G. Greco)',
    dir: '/usr/share/games/etw/crowd',
    files: Array.from({ length: 17 }, (_, i) => `crowd${String(i + 1).padStart(2, '0')}.wav`),
    what: '17 stadium crowd loops (chants, cheering, murmur), 22.05 kHz 8-bit mono, 105 s in all',
  },
  engines: {
    debianPackage: 'searchandrescue-data',
    licence: 'GPL (Search and Rescue, WolfPack Entertainment)',
    dir: '/usr/share/games/searchandrescue/sounds',
    files: [
      'helicopter_engine_inside.wav',
      'helicopter_engine_outside.wav',
      'helicopter_engine_outside2.wav',
      'helicopter_engine_outside3.wav',
      'jet_engine_inside.wav',
      'jet_engine_inside2.wav',
      'jet_engine_outside.wav',
      'hh60/engine_inside.wav',
      'hh65/engine_inside.wav',
    ],
    what: '9 steady helicopter and jet engine loops (cabin and outside), 11.025 kHz 8-bit stereo, 42 s in all',
  },
} as const satisfies Record<string, RecordedSet>;

export type RecordedSetName = keyof typeof RECORDED_SETS;
export const RECORDED_SET_NAMES = Object.keys(RECORDED_SETS) as RecordedSetName[];

/** Absolute paths of a set's files. */
export function recordedSetPaths(name: RecordedSetName): string[] {
  const s: RecordedSet = RECORDED_SETS[name];
  return s.files.map((f) => join(s.dir, f));
}

/** Why the set cannot be loaded (a missing file and the package to install), or undefined. */
export function recordedSetProblem(name: RecordedSetName): string | undefined {
  const missing = recordedSetPaths(name).filter((p) => !existsSync(p));
  if (missing.length === 0) return undefined;
  const pkg = RECORDED_SETS[name].debianPackage;
  return `${missing.length} file(s) missing, e.g. ${missing[0]}; install the Debian package ${pkg} (bash scripts/setup.sh does)`;
}

/**
 * Every file of the set at `sampleRate`, mono (readWav averages channels), DC removed (the
 * 8-bit files sit on an offset) and scaled to RMS 1, so every file is equally loud and the
 * caller sets the level as for the synthetic colours. Throws Error with the reason when a
 * file is missing or unreadable.
 */
export function loadRecordedSet(name: RecordedSetName, sampleRate: number): readonly Float32Array[] {
  // Kept per process (thread): a synth-kws run loads each set for its dataset and for both
  // stream sets, and resampling 11.025 kHz to 16 kHz costs ≈ 0.5 CPU s per set. Callers
  // only read the arrays (recordedSegment copies).
  const key = `${name}@${sampleRate}`;
  let set = loaded.get(key);
  if (!set) {
    set = loadRecordedSetNow(name, sampleRate);
    loaded.set(key, set);
  }
  return set;
}

const loaded = new Map<string, readonly Float32Array[]>();

function loadRecordedSetNow(name: RecordedSetName, sampleRate: number): Float32Array[] {
  const problem = recordedSetProblem(name);
  if (problem) throw new Error(problem);
  return recordedSetPaths(name).map((path) => {
    const wav = readWav(path);
    const x = resample(wav.samples, wav.sampleRate, sampleRate);
    let mean = 0;
    for (let i = 0; i < x.length; i++) mean += x[i]!;
    mean /= Math.max(1, x.length);
    let power = 0;
    for (let i = 0; i < x.length; i++) {
      x[i] = x[i]! - mean;
      power += x[i]! * x[i]!;
    }
    power /= Math.max(1, x.length);
    if (power === 0) throw new Error(`${path}: silent recording`);
    const g = 1 / Math.sqrt(power);
    for (let i = 0; i < x.length; i++) x[i] = x[i]! * g;
    return x;
  });
}

/** `n` samples: a random file of the set from a random offset, looping (rng: file, then offset). */
export function recordedSegment(files: readonly Float32Array[], n: number, rng: Prng): Float32Array {
  const src = rng.pick(files);
  const out = new Float32Array(n);
  let pos = rng.int(0, src.length - 1);
  for (let i = 0; i < n; i++) {
    out[i] = src[pos]!;
    pos = pos + 1 === src.length ? 0 : pos + 1;
  }
  return out;
}
