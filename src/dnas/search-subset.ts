import { StageInputError } from '../errors';
import type { LabelledSet } from '../nn/train-data';
import type { Prng } from '../util/prng';

/**
 * The training clips a cheaper search steps over (`trainFraction`, docs/stages/dnas.md): per
 * label, a seeded random `fraction` of that label's clips (at least one), with their rows in `set`, so every class keeps
 * its share and the search's class balance is the training split's. The kept clips stay in
 * their original order; the search shuffles them per epoch as it does the whole split.
 *
 * The search ranks widths by the supernet's loss and the cost terms; with masking (one
 * forward at the widest width per step, src/dnas/supernet.ts) its cost is proportional to the
 * clips it sees, so a fraction f of the clips costs f of the search
 * (docs/results/2026-12-04-dnas-current-firmware.md measures that the argmax holds).
 */
export function stratifiedSubset(
  set: LabelledSet,
  exampleSize: number,
  fraction: number,
  rng: Prng,
): Pick<SetSplit, 'kept' | 'keptIndex'> {
  if (!(fraction > 0 && fraction <= 1)) throw new RangeError(`stratifiedSubset: fraction ${fraction} is not in (0, 1]`);
  // All of it: the set itself, not a copy (no draw is made).
  if (fraction === 1) return { kept: set, keptIndex: Array.from({ length: set.n }, (_, i) => i) };
  return stratifiedSplit(set, exampleSize, fraction, rng);
}

/** Two parts of a set, with the row (in the set split) of every clip of each part, ascending. */
export interface SetSplit {
  readonly kept: LabelledSet;
  readonly rest: LabelledSet;
  readonly keptIndex: readonly number[];
  readonly restIndex: readonly number[];
}

/**
 * The same per-label draw, returning the clips left out too: `kept` (a `fraction` of each
 * label, at least one) and `rest` (the others; the architecture steps' held-apart clips).
 */
export function stratifiedSplit(set: LabelledSet, exampleSize: number, fraction: number, rng: Prng): SetSplit {
  const kept = stratifiedKeep(set.y, set.n, fraction, rng);
  return splitRows(set, exampleSize, kept, complement(set.n, kept));
}

/** Rows 0 … n − 1 not in `rows`, ascending. */
function complement(n: number, rows: readonly number[]): number[] {
  const taken = new Uint8Array(n);
  for (const r of rows) taken[r] = 1;
  return Array.from({ length: n }, (_, i) => i).filter((i) => taken[i] === 0);
}

/** The two sets of `kept` and `rest` rows, with the row lists. */
function splitRows(set: LabelledSet, exampleSize: number, kept: number[], rest: number[]): SetSplit {
  return {
    kept: gather(set, exampleSize, kept),
    rest: gather(set, exampleSize, rest),
    keptIndex: kept,
    restIndex: rest,
  };
}

/** Rows kept by the per-label draw (ascending): a `fraction` of each label's rows, at least one. */
function stratifiedKeep(y: Int32Array, n: number, fraction: number, rng: Prng): number[] {
  const byLabel = new Map<number, number[]>();
  for (let i = 0; i < n; i++) {
    const label = y[i] as number;
    const list = byLabel.get(label);
    if (list === undefined) byLabel.set(label, [i]);
    else list.push(i);
  }
  const kept: number[] = [];
  // Labels in ascending order, so the draws do not depend on the order clips appear in.
  for (const label of [...byLabel.keys()].sort((a, b) => a - b)) {
    const idx = rng.shuffle([...byLabel.get(label)!]);
    kept.push(...idx.slice(0, Math.max(1, Math.round(idx.length * fraction))));
  }
  kept.sort((a, b) => a - b);
  return kept;
}

/** Who spoke a clip: its engine and voice (sources.json, src/eval/clip-sources.ts); null = no speaker (`_silence_`). */
export interface ClipVoice {
  readonly engine: string;
  readonly voice: string;
}

/** A voice-disjoint split (`archSplitBy: voice`) and what it held apart. */
export interface VoiceSplit extends SetSplit {
  /** Per engine, the voices whose clips are all in `rest` (sorted). */
  readonly heldVoices: Readonly<Record<string, readonly string[]>>;
  /** Engines with a single voice among the clips: all their clips stay in `kept`. */
  readonly wholeEngines: readonly string[];
  /** Clips without a speaker (null voice) in `rest`, drawn per label as `stratifiedSplit` does. */
  readonly restWithoutVoice: number;
}

/**
 * The architecture steps' held-apart clips by voice (`archSplitBy: voice`, docs/stages/dnas.md):
 * per engine with at least two voices among the clips, a seeded set of its voices whose clips
 * come to about `restFraction` of that engine's clips (at least one voice, never all) goes to
 * `rest` with every clip they spoke; `kept` (the weight steps' clips) then holds no clip of
 * those voices, so an architecture step is scored on voices the weights never trained on.
 * An engine with one voice cannot be split without sharing it: its clips all stay in `kept`.
 * Clips without a speaker (null: synth-kws's `_silence_` backgrounds) split per label by clip.
 *
 * Throws StageInputError when no engine has two voices (nothing to hold apart).
 */
export function voiceSplit(
  set: LabelledSet,
  exampleSize: number,
  voices: ReadonlyArray<ClipVoice | null>,
  restFraction: number,
  rng: Prng,
): VoiceSplit {
  if (voices.length !== set.n) throw new RangeError(`voiceSplit: ${voices.length} voices for ${set.n} clips`);
  if (!(restFraction > 0 && restFraction < 1))
    throw new RangeError(`voiceSplit: fraction ${restFraction} is not in (0, 1)`);
  // engine → voice → rows, and the rows without a speaker.
  const byEngine = new Map<string, Map<string, number[]>>();
  const silent: number[] = [];
  voices.forEach((v, i) => {
    if (v === null) {
      silent.push(i);
      return;
    }
    const e = byEngine.get(v.engine) ?? new Map<string, number[]>();
    byEngine.set(v.engine, e);
    const rows = e.get(v.voice);
    if (rows === undefined) e.set(v.voice, [i]);
    else rows.push(i);
  });
  const byCode = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  const rest: number[] = [];
  const heldVoices: Record<string, string[]> = {};
  const wholeEngines: string[] = [];
  // Engines and voices in code-point order, so the draws do not depend on the clips' order.
  for (const engine of [...byEngine.keys()].sort(byCode)) {
    const e = byEngine.get(engine)!;
    if (e.size < 2) {
      wholeEngines.push(engine);
      continue;
    }
    const total = [...e.values()].reduce((s, r) => s + r.length, 0);
    const want = restFraction * total;
    const held: string[] = [];
    let count = 0;
    for (const voice of rng.shuffle([...e.keys()].sort(byCode))) {
      if (held.length === e.size - 1) break; // one voice at least stays with the weights
      const c = e.get(voice)!.length;
      // Take a voice while it brings the held-apart count nearer the target (the first always).
      if (held.length === 0 || Math.abs(count + c - want) < Math.abs(count - want)) {
        held.push(voice);
        count += c;
      }
    }
    heldVoices[engine] = held.sort(byCode);
    for (const v of held) rest.push(...e.get(v)!);
  }
  if (Object.keys(heldVoices).length === 0) {
    const seen = [...byEngine.entries()].map(([e, v]) => `${e} ${v.size}`).join(', ');
    throw new StageInputError(
      `archSplitBy: voice needs an engine with at least two voices among the search's clips to hold one apart; ` +
        `voices per engine: ${seen || 'no clip with a voice'}`,
    );
  }
  // Speakerless clips: the per-label draw over them alone (kept = the complement of the fraction).
  const silentRest: number[] = [];
  if (silent.length > 0) {
    const y = Int32Array.from(silent, (i) => set.y[i] as number);
    const keep = new Set(stratifiedKeep(y, silent.length, 1 - restFraction, rng));
    silent.forEach((row, j) => {
      if (!keep.has(j)) silentRest.push(row);
    });
  }
  rest.push(...silentRest);
  rest.sort((a, b) => a - b);
  return {
    ...splitRows(set, exampleSize, complement(set.n, rest), rest),
    heldVoices,
    wholeEngines,
    restWithoutVoice: silentRest.length,
  };
}

function gather(set: LabelledSet, exampleSize: number, idx: readonly number[]): LabelledSet {
  const x = new Float32Array(idx.length * exampleSize);
  const y = new Int32Array(idx.length);
  idx.forEach((k, i) => {
    x.set(set.x.subarray(k * exampleSize, (k + 1) * exampleSize), i * exampleSize);
    y[i] = set.y[k] as number;
  });
  return { x, y, n: idx.length };
}
