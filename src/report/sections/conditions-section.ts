import { accuracyBarChart, type AccuracyBar } from '../charts';
import { accuracyCell, figure, paragraph, table, type Cell } from '../html';
import type { ReportConditionBreakdown, ReportModel } from '../report-model';
import { missing, present, type RenderedSection } from './section';

/**
 * "Conditions": how good is the model in a quiet room and in a noisy one? From the evaluate
 * stage's `conditions` (src/eval/condition-accuracy.ts; the dataset's sources.json records each
 * clip's conditions, src/synth/clip-conditions.ts): test accuracy per effective-SNR band, quiet
 * vs regular clips, and background type, for every test clip, the held-out voices and the
 * held-out engines; float and integer model; a bar chart of the SNR bands. Each accuracy shows
 * its 95 % interval half-width (normal approximation) so a band of 40 clips is not read as
 * precisely as one of 400.
 */

type ConditionSet = ReportConditionBreakdown['sets'][number];
type ConditionRow = ConditionSet['bySnr'][number];

const SET_NAMES: Readonly<Record<string, string>> = {
  test: 'all test clips',
  // In a synth-kws test split only the `_silence_` clips (engine `silence`) are of this class.
  'train-voice': 'training voices, _silence_',
  'held-out-voice': 'held-out voices',
  'held-out-engine': 'held-out engines',
  'unknown-source': 'source not recorded',
};

/** One table of a view: a row per key, per set its clips, float and (if any) integer accuracy. */
function viewTable(
  sets: readonly ConditionSet[],
  rowsOf: (s: ConditionSet) => readonly ConditionRow[],
  first: string,
  caption: string,
  integer: boolean,
): string {
  const keys: { key: string; label: string }[] = [];
  for (const s of sets)
    for (const r of rowsOf(s)) if (!keys.some((k) => k.key === r.key)) keys.push({ key: r.key, label: r.label });
  // The first set (every test clip) holds every key, so its order is the row order.
  const head = [first];
  const numeric: number[] = [];
  for (const s of sets) {
    const name = SET_NAMES[s.set] ?? s.set;
    numeric.push(head.length, head.length + 1, ...(integer ? [head.length + 2] : []));
    head.push(`${name}: clips`, 'float', ...(integer ? ['integer'] : []));
  }
  const rows = keys.map(({ key, label }): Cell[] => [
    label,
    ...sets.flatMap((s): Cell[] => {
      const r = rowsOf(s).find((x) => x.key === key);
      if (r === undefined) return integer ? [0, null, null] : [0, null];
      return [
        r.clips,
        accuracyCell(r.accuracy, r.clips),
        ...(integer ? [r.intAccuracy === undefined ? null : accuracyCell(r.intAccuracy, r.clips)] : []),
      ];
    }),
  ]);
  return table(head, rows, { caption, numeric });
}

export async function conditionsSection(model: ReportModel): Promise<RenderedSection> {
  const c = model.evaluation?.conditions;
  if (c === undefined) {
    return missing(
      'conditions',
      'Conditions',
      model.evaluation === undefined
        ? undefined
        : "the evaluation has no accuracy by condition (the dataset's sources.json records no clip conditions, or evaluate before version 10)",
    );
  }
  const sets = c.sets;
  const integer = sets.some((s) => s.intAccuracy !== undefined);
  const bars: AccuracyBar[] = [];
  const categories: string[] = [];
  const series = sets.map((s) => SET_NAMES[s.set] ?? s.set);
  for (const [i, s] of sets.entries()) {
    for (const r of s.bySnr) {
      if (!categories.includes(r.label)) categories.push(r.label);
      bars.push({ category: r.label, series: series[i]!, value: r.accuracy });
    }
  }
  const chart = await accuracyBarChart({
    id: 'conditions-snr',
    title: 'Accuracy by effective SNR (float model)',
    bars,
    categoryOrder: categories,
    seriesOrder: series,
    notes: ['effective SNR = planned SNR − room distance attenuation'],
  });
  const all = sets[0]!;
  const note =
    all.withConditions < all.clips
      ? ` ${all.clips - all.withConditions} of ${all.clips} test clips have no recorded conditions ("not recorded").`
      : '';
  const html =
    paragraph(
      `Test accuracy by the acoustic conditions each clip was made under (the dataset's sources.json). Effective SNR: the ` +
        `planned speech-to-background ratio less the room's distance attenuation (20·log10 of distance / reference distance) ` +
        `for clips in a simulated room; ± is the larger distance to the bounds of the 95 % (Wilson) interval.${note}`,
      'muted',
    ) +
    figure(chart) +
    viewTable(sets, (s) => s.bySnr, 'effective SNR', 'By effective-SNR band', integer) +
    viewTable(sets, (s) => s.byQuiet, 'floor', 'Quiet clips (near-silent floor) vs regular', integer) +
    viewTable(sets, (s) => s.byBackground, 'background', 'By background type', integer);
  return present('conditions', 'Conditions', html);
}
