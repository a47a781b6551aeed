import { basename } from 'node:path';
import { StageInputError } from '../errors';
import { UNKNOWN_SOURCE, type ClipSources, type HeldOut } from './clip-sources';
import { confusionMatrix, type ConfusionCounts } from './confusion';

/**
 * Test accuracy broken down by where each clip came from (docs/methods.md#event-based-evaluation: "every clip records its
 * source; evaluation reports per-source and leave-one-source-out accuracy"). Pure: clip paths,
 * true classes and predictions in (float model, and the integer model when there is one),
 * rows out. Three views of the same clips:
 *   byEngine  one row per engine (its voices, which held-out classes it has, a confusion matrix);
 *   byVoice   one row per (engine, voice);
 *   byHeldOut one row per held-out class: training voices, held-out voices of training
 *             engines, engines never trained on (the leave-one-source-out figure).
 * Rows are sorted so the same inputs give the same JSON: engines used in training first, then
 * held-out engines, then `unknown`; names in code-unit order within each.
 */

/**
 * The three classes of sources.json's `heldOut`, with names a table can show, and
 * `unknown-source` for clips whose source is not recorded (no sources.json, or a clip it does
 * not list): whether those were held out is not known, so they are not counted as either.
 */
export type HeldOutClass = 'train-voice' | 'held-out-voice' | 'held-out-engine' | 'unknown-source';
export const HELD_OUT_CLASSES: readonly HeldOutClass[] = [
  'train-voice',
  'held-out-voice',
  'held-out-engine',
  'unknown-source',
];

export function heldOutClass(h: HeldOut, engine?: string): HeldOutClass {
  if (engine === UNKNOWN_SOURCE) return 'unknown-source';
  return h === 'engine' ? 'held-out-engine' : h === 'voice' ? 'held-out-voice' : 'train-voice';
}

/** Clips, correct predictions and their ratio, for the float model and (optionally) the integer one. */
export interface AccuracyCounts {
  readonly clips: number;
  readonly correct: number;
  readonly accuracy: number;
  readonly intCorrect?: number;
  readonly intAccuracy?: number;
}

export interface EngineAccuracy extends AccuracyCounts {
  readonly engine: string;
  /** From sources.json's engines table; `unknown` when the engine is not listed there. */
  readonly family: string;
  readonly role: 'train' | 'held-out' | 'unknown';
  readonly version: string | null;
  readonly licence: string | null;
  /** Voices of this engine among the clips, sorted. */
  readonly voices: readonly string[];
  /** Held-out classes among this engine's clips, in HELD_OUT_CLASSES order. */
  readonly heldOut: readonly HeldOutClass[];
  /** Float model's counts[true][predicted] over this engine's clips. */
  readonly confusion: ConfusionCounts;
}

export interface VoiceAccuracy extends AccuracyCounts {
  readonly engine: string;
  readonly voice: string;
  readonly heldOut: HeldOutClass;
}

export interface HeldOutAccuracy extends AccuracyCounts {
  readonly heldOut: HeldOutClass;
  readonly engines: readonly string[];
}

export interface SourceBreakdown {
  /**
   * `sources.json` (the dataset-relative name) when the breakdown used the dataset's file, or null
   * (no file: every clip is engine `unknown`). Not the absolute path: that names the worker's
   * extraction directory, so the evaluation artifact differed between checkouts.
   */
  readonly sourcesFile: string | null;
  readonly byEngine: readonly EngineAccuracy[];
  readonly byVoice: readonly VoiceAccuracy[];
  readonly byHeldOut: readonly HeldOutAccuracy[];
}

export interface SourceBreakdownInput {
  /** Dataset-relative clip path per row (the feature file's `clips` header). */
  readonly clips: readonly string[];
  readonly truth: ArrayLike<number>;
  readonly predicted: ArrayLike<number>;
  /** The integer model's predictions for the same rows, when there is one. */
  readonly intPredicted?: ArrayLike<number>;
  readonly numClasses: number;
  readonly sources: ClipSources;
}

/** Running counts of a group of clips (also used by src/eval/condition-accuracy.ts). */
export interface Tally {
  clips: number;
  correct: number;
  intCorrect: number;
}

/** A tally as AccuracyCounts; the integer fields only when there is an integer model. */
export function accuracyCounts(t: Tally, integer: boolean): AccuracyCounts {
  return {
    clips: t.clips,
    correct: t.correct,
    accuracy: t.clips > 0 ? t.correct / t.clips : 0,
    ...(integer ? { intCorrect: t.intCorrect, intAccuracy: t.clips > 0 ? t.intCorrect / t.clips : 0 } : {}),
  };
}

/** Count one clip into `map`'s group `key`. */
export function tally<K>(map: Map<K, Tally>, key: K, correct: boolean, intCorrect: boolean): void {
  let t = map.get(key);
  if (t === undefined) map.set(key, (t = { clips: 0, correct: 0, intCorrect: 0 }));
  t.clips++;
  if (correct) t.correct++;
  if (intCorrect) t.intCorrect++;
}

const byCodeUnit = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

export function sourceBreakdown(input: SourceBreakdownInput): SourceBreakdown {
  const { clips, truth, predicted, intPredicted, sources } = input;
  const n = clips.length;
  if (truth.length !== n || predicted.length !== n || (intPredicted !== undefined && intPredicted.length !== n)) {
    throw new StageInputError(
      `${n} clip paths but ${truth.length} labels, ${predicted.length} predictions${intPredicted ? `, ${intPredicted.length} integer predictions` : ''}`,
    );
  }
  const integer = intPredicted !== undefined;
  const perEngine = new Map<string, Tally>();
  const perVoice = new Map<string, Tally>();
  const perClass = new Map<HeldOutClass, Tally>();
  const engineVoices = new Map<string, Set<string>>();
  const engineClasses = new Map<string, Set<HeldOutClass>>();
  const classEngines = new Map<HeldOutClass, Set<string>>();
  const engineRows = new Map<string, { truth: number[]; predicted: number[] }>();
  const voiceKey = (engine: string, voice: string, h: HeldOutClass) => JSON.stringify([engine, voice, h]);
  for (let i = 0; i < n; i++) {
    const src = sources.sourceOf(clips[i]!);
    const h = heldOutClass(src.heldOut, src.engine);
    const ok = truth[i] === predicted[i];
    const intOk = integer && truth[i] === intPredicted[i];
    tally(perEngine, src.engine, ok, intOk);
    tally(perVoice, voiceKey(src.engine, src.voice, h), ok, intOk);
    tally(perClass, h, ok, intOk);
    (engineVoices.get(src.engine) ?? engineVoices.set(src.engine, new Set()).get(src.engine)!).add(src.voice);
    (engineClasses.get(src.engine) ?? engineClasses.set(src.engine, new Set()).get(src.engine)!).add(h);
    (classEngines.get(h) ?? classEngines.set(h, new Set()).get(h)!).add(src.engine);
    const rows =
      engineRows.get(src.engine) ?? engineRows.set(src.engine, { truth: [], predicted: [] }).get(src.engine)!;
    rows.truth.push(truth[i]!);
    rows.predicted.push(predicted[i]!);
  }

  const roleOf = (engine: string): EngineAccuracy['role'] => {
    const info = sources.engines[engine];
    if (info !== undefined) return info.role;
    if (engine === UNKNOWN_SOURCE) return 'unknown';
    // Not in the engines table: held out if every clip of it is, else it took part in training.
    const classes = engineClasses.get(engine)!;
    return classes.size === 1 && classes.has('held-out-engine') ? 'held-out' : 'train';
  };
  const rank = (engine: string) => ({ train: 0, 'held-out': 1, unknown: 2 })[roleOf(engine)];
  const engines = [...perEngine.keys()].sort((a, b) => rank(a) - rank(b) || byCodeUnit(a, b));

  const byEngine = engines.map((engine): EngineAccuracy => {
    const info = sources.engines[engine];
    const rows = engineRows.get(engine)!;
    return {
      engine,
      family: info?.family ?? 'unknown',
      role: roleOf(engine),
      version: info?.version ?? null,
      licence: info?.licence ?? null,
      voices: [...engineVoices.get(engine)!].sort(byCodeUnit),
      heldOut: HELD_OUT_CLASSES.filter((c) => engineClasses.get(engine)!.has(c)),
      ...accuracyCounts(perEngine.get(engine)!, integer),
      confusion: confusionMatrix(rows.truth, rows.predicted, input.numClasses),
    };
  });
  const byVoice = [...perVoice.entries()]
    .map(([key, t]): VoiceAccuracy => {
      const [engine, voice, h] = JSON.parse(key) as [string, string, HeldOutClass];
      return { engine, voice, heldOut: h, ...accuracyCounts(t, integer) };
    })
    .sort(
      (a, b) =>
        engines.indexOf(a.engine) - engines.indexOf(b.engine) ||
        byCodeUnit(a.voice, b.voice) ||
        byCodeUnit(a.heldOut, b.heldOut),
    );
  const byHeldOut = HELD_OUT_CLASSES.filter((c) => perClass.has(c)).map((c): HeldOutAccuracy => ({
    heldOut: c,
    engines: [...classEngines.get(c)!].sort(byCodeUnit),
    ...accuracyCounts(perClass.get(c)!, integer),
  }));
  return { sourcesFile: sources.file === null ? null : basename(sources.file), byEngine, byVoice, byHeldOut };
}

/** The row of one held-out class, if any clip has it. */
export function heldOutRow(b: SourceBreakdown, c: HeldOutClass): HeldOutAccuracy | undefined {
  return b.byHeldOut.find((r) => r.heldOut === c);
}
