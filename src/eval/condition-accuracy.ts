import { StageInputError } from '../errors';
import { NO_BACKGROUND, type ClipSources } from './clip-sources';
import {
  accuracyCounts,
  HELD_OUT_CLASSES,
  heldOutClass,
  tally,
  type AccuracyCounts,
  type HeldOutClass,
  type Tally,
} from './source-accuracy';

/**
 * Test accuracy by the acoustic conditions each clip was made under (sources.json `conditions`,
 * src/synth/clip-conditions.ts): how good the model is in a quiet room and in a noisy one
 * (docs/evaluation-by-source.md#accuracy-by-condition). Pure, like source-accuracy.ts: clip paths,
 * true classes and predictions in (float model, and the integer model when there is one), rows
 * out, for every set the evaluation scores — all test clips, and each held-out class (held-out
 * voices of the training engines, engines never trained on) — in three views:
 *   bySnr        effective-SNR band (the SNR less the room's distance attenuation), from
 *                `edgesDb`: [10, 20, 30] gives < 10, 10–20, 20–30, ≥ 30 dB; clips without
 *                speech (`_silence_`) form `noSpeech`; a recording with no background mixed
 *                in (compose-kws, background `none`) has no known SNR: `unknown`;
 *   byQuiet      quiet clips (SNR from synth-kws `quiet`: a near-silent floor) vs regular ones;
 *   byBackground background type (`pink`, `babble`, `recorded:crowd`, …).
 * A clip whose conditions sources.json does not record (an older dataset, another producer)
 * is counted in each view's `unknown` row. Empty rows are left out.
 */

/** Key of a row for a clip whose conditions are not recorded. */
export const UNKNOWN_CONDITION = 'unknown';
/** Key of the SNR row of clips without speech (`_silence_`: background only). */
export const NO_SPEECH = 'noSpeech';

/** The sets a breakdown covers: every test clip, then each held-out class present. */
export type ConditionSetName = 'test' | HeldOutClass;

export interface ConditionRow extends AccuracyCounts {
  /** Stable id, used in metric names: `lt10`, `10to20`, `ge30`, `noSpeech`, `quiet`, `pink`, `unknown`. */
  readonly key: string;
  /** For a table: `< 10 dB`, `10–20 dB`, `no speech`, `not recorded`, … */
  readonly label: string;
}

export interface ConditionSet extends AccuracyCounts {
  readonly set: ConditionSetName;
  /** Clips of the set whose conditions are recorded. */
  readonly withConditions: number;
  readonly bySnr: readonly ConditionRow[];
  readonly byQuiet: readonly ConditionRow[];
  readonly byBackground: readonly ConditionRow[];
}

export interface ConditionBreakdown {
  /** Band edges of bySnr, dB, ascending. */
  readonly snrEdgesDb: readonly number[];
  readonly sets: readonly ConditionSet[];
}

export interface ConditionBreakdownInput {
  readonly clips: readonly string[];
  readonly truth: ArrayLike<number>;
  readonly predicted: ArrayLike<number>;
  readonly intPredicted?: ArrayLike<number>;
  readonly sources: ClipSources;
  /** Effective-SNR band edges, dB, strictly ascending (evaluate `snrBandsDb`). */
  readonly edgesDb: readonly number[];
}

export interface SnrBand {
  readonly key: string;
  readonly label: string;
  /** [lo, hi) in dB; null = unbounded. */
  readonly lo: number | null;
  readonly hi: number | null;
}

/** `-5` → `m5`, `2.5` → `2p5`: a number inside a metric key. */
const keyNumber = (x: number): string => String(x).replace('-', 'm').replace('.', 'p');

/** The bands of `edgesDb`: below the first edge, between neighbours, at or above the last. */
export function snrBands(edgesDb: readonly number[]): SnrBand[] {
  if (edgesDb.length === 0 || edgesDb.some((e, i) => !Number.isFinite(e) || (i > 0 && e <= edgesDb[i - 1]!)))
    throw new StageInputError(`SNR band edges must be finite and strictly ascending, got [${edgesDb.join(', ')}]`);
  const bands: SnrBand[] = [
    { key: `lt${keyNumber(edgesDb[0]!)}`, label: `< ${edgesDb[0]} dB`, lo: null, hi: edgesDb[0]! },
  ];
  for (let i = 1; i < edgesDb.length; i++) {
    const lo = edgesDb[i - 1]!;
    const hi = edgesDb[i]!;
    bands.push({ key: `${keyNumber(lo)}to${keyNumber(hi)}`, label: `${lo}–${hi} dB`, lo, hi });
  }
  const last = edgesDb[edgesDb.length - 1]!;
  bands.push({ key: `ge${keyNumber(last)}`, label: `≥ ${last} dB`, lo: last, hi: null });
  return bands;
}

/** The band `snrDb` falls in (bands as snrBands makes them: they cover every finite value). */
export function bandOf(bands: readonly SnrBand[], snrDb: number): SnrBand {
  return bands.find((b) => (b.lo === null || snrDb >= b.lo) && (b.hi === null || snrDb < b.hi))!;
}

const UNKNOWN_LABEL = 'not recorded';

/** Tallies of one set, per view, keyed by row key (labels kept beside). */
class SetTally {
  readonly total: Tally = { clips: 0, correct: 0, intCorrect: 0 };
  withConditions = 0;
  readonly snr = new Map<string, Tally>();
  readonly quiet = new Map<string, Tally>();
  readonly background = new Map<string, Tally>();
}

const byCodeUnit = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

export function conditionBreakdown(input: ConditionBreakdownInput): ConditionBreakdown {
  const { clips, truth, predicted, intPredicted, sources } = input;
  const n = clips.length;
  if (truth.length !== n || predicted.length !== n || (intPredicted !== undefined && intPredicted.length !== n))
    throw new StageInputError(
      `${n} clip paths but ${truth.length} labels, ${predicted.length} predictions${intPredicted ? `, ${intPredicted.length} integer predictions` : ''}`,
    );
  const bands = snrBands(input.edgesDb);
  const integer = intPredicted !== undefined;
  const sets = new Map<ConditionSetName, SetTally>([['test', new SetTally()]]);
  for (let i = 0; i < n; i++) {
    const src = sources.sourceOf(clips[i]!);
    const ok = truth[i] === predicted[i];
    const intOk = integer && truth[i] === intPredicted[i];
    const c = src.conditions;
    const snrKey =
      c === undefined
        ? UNKNOWN_CONDITION
        : c.effectiveSnrDb !== undefined
          ? bandOf(bands, c.effectiveSnrDb).key
          : c.background === NO_BACKGROUND
            ? UNKNOWN_CONDITION // a recording with nothing mixed in: its own SNR is not known
            : NO_SPEECH;
    const quietKey = c === undefined ? UNKNOWN_CONDITION : c.quiet ? 'quiet' : 'regular';
    const backgroundKey = c === undefined ? UNKNOWN_CONDITION : c.background;
    const cls = heldOutClass(src.heldOut, src.engine);
    if (!sets.has(cls)) sets.set(cls, new SetTally());
    for (const s of [sets.get('test')!, sets.get(cls)!]) {
      s.total.clips++;
      if (ok) s.total.correct++;
      if (intOk) s.total.intCorrect++;
      if (c !== undefined) s.withConditions++;
      tally(s.snr, snrKey, ok, intOk);
      tally(s.quiet, quietKey, ok, intOk);
      tally(s.background, backgroundKey, ok, intOk);
    }
  }
  const snrLabel = new Map<string, string>([
    ...bands.map((b): [string, string] => [b.key, b.label]),
    [NO_SPEECH, 'no speech'],
    [UNKNOWN_CONDITION, UNKNOWN_LABEL],
  ]);
  const quietLabel = new Map([
    ['quiet', 'quiet (near-silent floor)'],
    ['regular', 'regular'],
    [UNKNOWN_CONDITION, UNKNOWN_LABEL],
  ]);
  /** Rows in `order` (keys not in it after, in code-unit order; `unknown` last). */
  const rows = (m: Map<string, Tally>, order: readonly string[], labels: Map<string, string>): ConditionRow[] => {
    const rank = (k: string): number =>
      k === UNKNOWN_CONDITION ? Infinity : order.includes(k) ? order.indexOf(k) : order.length;
    return [...m.keys()]
      .sort((a, b) => rank(a) - rank(b) || byCodeUnit(a, b))
      .map((key) => ({ key, label: labels.get(key) ?? key, ...accuracyCounts(m.get(key)!, integer) }));
  };
  const order: ConditionSetName[] = ['test', ...HELD_OUT_CLASSES];
  return {
    snrEdgesDb: [...input.edgesDb],
    sets: order
      .filter((name) => sets.has(name))
      .map((name): ConditionSet => {
        const s = sets.get(name)!;
        return {
          set: name,
          ...accuracyCounts(s.total, integer),
          withConditions: s.withConditions,
          bySnr: rows(s.snr, [...bands.map((b) => b.key), NO_SPEECH], snrLabel),
          byQuiet: rows(s.quiet, ['quiet', 'regular'], quietLabel),
          byBackground: rows(s.background, [], new Map([[UNKNOWN_CONDITION, UNKNOWN_LABEL]])),
        };
      }),
  };
}

/** `held-out-voice` → `heldOutVoice`: a set's name inside a metric key. */
export function setMetricName(set: ConditionSetName): string {
  return set.replace(/-([a-z])/g, (_, ch: string) => ch.toUpperCase());
}

/**
 * Flat metrics (metric values are scalars): `accuracyBySnr.<set>.<band>`, `intAccuracyBySnr…`,
 * `clipsBySnr…`, `accuracyByQuiet.<set>.quiet|regular`, `accuracyByBackground.<set>.<type>` (and
 * their `int…`). Sets: `test`, `heldOutVoice`, `heldOutEngine`, `trainVoice`, `unknownSource`.
 */
export function conditionMetrics(b: ConditionBreakdown): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of b.sets) {
    const set = setMetricName(s.set);
    const put = (view: string, rs: readonly ConditionRow[], clips: boolean) => {
      for (const r of rs) {
        out[`accuracyBy${view}.${set}.${r.key}`] = r.accuracy;
        if (r.intAccuracy !== undefined) out[`intAccuracyBy${view}.${set}.${r.key}`] = r.intAccuracy;
        if (clips) out[`clipsBy${view}.${set}.${r.key}`] = r.clips;
      }
    };
    put('Snr', s.bySnr, true);
    put('Quiet', s.byQuiet, false);
    put('Background', s.byBackground, false);
  }
  return out;
}
