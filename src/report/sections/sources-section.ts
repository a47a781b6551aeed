import { accuracyBarChart, heatmap, type AccuracyBar } from '../charts';
import { accuracyCell, escapeHtml, figure, formatPercent, keyValueTable, paragraph, table, type Cell } from '../html';
import type { ReportMeasurement, ReportModel, ReportSourceBreakdown } from '../report-model';
import { missing, present, type RenderedSection } from './section';

/**
 * "Sources": does the model hear voices it was not trained on? (docs/methods.md#keyword-spotting-data: every clip records
 * its source; per-source and leave-one-source-out accuracy.) From the evaluate stage's
 * `evaluation` artifact:
 *  - a table per engine of the test split (voices, held-out class, clips, float and integer
 *    accuracy, version, licence) and the held-out classes — the held-out-engine row is the
 *    leave-one-source-out figure the headline shows;
 *  - a bar chart of the same accuracies plus the measurement datasets;
 *  - the FRR per engine on the streams at the operating point, when the events name engines;
 *  - each measurement dataset (evaluate `measure:`): where it comes from (engines with version
 *    and licence), clips, speakers, accuracy, how its labels were scored, its confusion matrix.
 */

const CLASS_NAMES: Readonly<Record<string, string>> = {
  'train-voice': 'training voices',
  'held-out-voice': 'held-out voices of training engines',
  'held-out-engine': 'engines never trained on',
  'unknown-source': 'not recorded (no sources.json entry)',
};

/** "eight, five → _unknown_; …": dataset labels grouped by the model label they were scored as. */
function mappedText(mapped: Readonly<Record<string, string>>): string {
  const byTarget = new Map<string, string[]>();
  for (const [from, to] of Object.entries(mapped)) byTarget.set(to, [...(byTarget.get(to) ?? []), from]);
  return [...byTarget.entries()].map(([to, from]) => `${from.join(', ')} → ${to}`).join('; ');
}

const pct = (x: number | undefined): Cell => (x === undefined ? null : formatPercent(x));

function engineTable(b: ReportSourceBreakdown, integer: boolean, caption: string): string {
  const rows = b.byEngine.map((e): Cell[] => [
    e.engine,
    e.role,
    e.family,
    e.voices.length <= 4 ? e.voices.join(', ') : `${e.voices.length} (${e.voices.slice(0, 3).join(', ')}, …)`,
    e.heldOut.map((h) => CLASS_NAMES[h] ?? h).join('; '),
    e.clips,
    accuracyCell(e.accuracy, e.clips),
    ...(integer ? [pct(e.intAccuracy)] : []),
    e.version,
    e.licence,
  ]);
  const head = [
    'engine',
    'role',
    'family',
    'voices',
    'held-out class',
    'clips',
    'float accuracy',
    ...(integer ? ['integer accuracy'] : []),
    'version',
    'licence',
  ];
  return table(head, rows, { caption, numeric: integer ? [5, 6, 7] : [5, 6] });
}

function heldOutTable(b: ReportSourceBreakdown, integer: boolean): string {
  const rows = b.byHeldOut.map((h): Cell[] => [
    CLASS_NAMES[h.heldOut] ?? h.heldOut,
    h.engines.join(', '),
    h.clips,
    accuracyCell(h.accuracy, h.clips),
    ...(integer ? [pct(h.intAccuracy)] : []),
  ]);
  return table(
    ['test clips from', 'engines', 'clips', 'float accuracy', ...(integer ? ['integer accuracy'] : [])],
    rows,
    {
      caption: 'By held-out class',
      numeric: integer ? [2, 3, 4] : [2, 3],
    },
  );
}

function voiceTable(b: ReportSourceBreakdown, integer: boolean): string {
  const rows = b.byVoice.map((v): Cell[] => [
    v.engine,
    v.voice,
    CLASS_NAMES[v.heldOut] ?? v.heldOut,
    v.clips,
    pct(v.accuracy),
    ...(integer ? [pct(v.intAccuracy)] : []),
  ]);
  return (
    `<details><summary>By voice (${b.byVoice.length})</summary><div class="scroll">` +
    table(
      ['engine', 'voice', 'held-out class', 'clips', 'float accuracy', ...(integer ? ['integer accuracy'] : [])],
      rows,
      { numeric: integer ? [3, 4, 5] : [3, 4] },
    ) +
    `</div></details>`
  );
}

function engineFrrTable(rows: NonNullable<NonNullable<ReportModel['evaluation']>['eventsByEngine']>): string {
  return table(
    ['engine', 'keyword events', 'hits', 'missed', 'misclassified', 'FRR'],
    rows.map((r): Cell[] => [
      r.engine,
      r.keywordEvents,
      r.hits,
      r.falseRejects,
      r.misclassifications,
      formatPercent(r.frr),
    ]),
    { caption: 'Streams: false reject rate per engine at the operating point', numeric: [1, 2, 3, 4, 5] },
  );
}

async function measurementBlock(m: ReportMeasurement, i: number): Promise<string> {
  const entries: [string, Cell][] = [
    ['stage', m.stage],
    ['made by', m.generator],
    ['clips', m.clips],
    ['speakers', m.speakers.length === 0 ? 'unknown' : `${m.speakers.length}: ${m.speakers.join(', ')}`],
    ['accuracy (float)', formatPercent(m.accuracy)],
  ];
  if (m.intAccuracy !== undefined) entries.push(['accuracy (integer)', formatPercent(m.intAccuracy)]);
  entries.push([
    'clips per label',
    Object.entries(m.perLabel)
      .map(([l, n]) => `${l} ${n}`)
      .join(', '),
  ]);
  const mapped = Object.entries(m.mapped);
  if (mapped.length > 0) entries.push(['scored as', mappedText(m.mapped)]);
  const provenance = Object.entries(m.engines).map(([name, e]): Cell[] => [name, e.family, e.version, e.licence]);
  // Only the labels that occur, so a 22-clip set does not draw a 12 × 12 grid of zeros.
  const used = m.confusion.labels
    .map((_, t) => t)
    .filter((t) => m.confusion.counts[t]!.some((n) => n > 0) || m.confusion.counts.some((r) => r[t]! > 0));
  const svg = await heatmap({
    id: `measure-confusion-${i}`,
    title: `${m.stage}: confusion (float model)`,
    rows: used.map((t) => m.confusion.labels[t]!),
    columns: used.map((t) => m.confusion.labels[t]!),
    counts: used.map((t) => used.map((p) => m.confusion.counts[t]![p]!)),
    rowTitle: 'true label',
    columnTitle: 'predicted',
  });
  return (
    `<div class="stage"><h3>Measurement dataset ${escapeHtml(m.stage)}</h3><div class="row">${keyValueTable(entries)}` +
    (provenance.length > 0
      ? table(['source', 'family', 'version (package)', 'licence'], provenance, {
          caption: 'Where the clips come from (its sources.json)',
        })
      : paragraph('No sources.json: where these clips come from is not recorded.', 'muted')) +
    `</div>${m.sources.byEngine.length > 1 ? engineTable(m.sources, m.intAccuracy !== undefined, 'By source') : ''}${figure(svg)}</div>`
  );
}

export async function sourcesSection(model: ReportModel): Promise<RenderedSection> {
  const ev = model.evaluation;
  const b = ev?.sources;
  const measurements = ev?.measurements ?? [];
  if (ev === undefined || (b === undefined && measurements.length === 0)) {
    return missing(
      'sources',
      'Sources',
      ev === undefined ? undefined : 'the evaluation has no per-source results (evaluate before version 5)',
    );
  }
  const integer = b?.byEngine.some((e) => e.intAccuracy !== undefined) ?? false;
  const bars: AccuracyBar[] = [];
  const categories: string[] = [];
  for (const e of b?.byEngine ?? []) {
    const c = `${e.engine}${e.role === 'held-out' ? ' (held out)' : ''}`;
    categories.push(c);
    bars.push({ category: c, series: 'float', value: e.accuracy });
    if (e.intAccuracy !== undefined) bars.push({ category: c, series: 'integer', value: e.intAccuracy });
  }
  for (const m of measurements) {
    const c = `measure: ${m.stage}`;
    categories.push(c);
    bars.push({ category: c, series: 'float', value: m.accuracy });
    if (m.intAccuracy !== undefined) bars.push({ category: c, series: 'integer', value: m.intAccuracy });
  }
  const chart = await accuracyBarChart({
    id: 'sources-accuracy',
    title: 'Accuracy by source',
    bars,
    categoryOrder: categories,
    seriesOrder: bars.some((x) => x.series === 'integer') ? ['float', 'integer'] : ['float'],
    notes: ['engines: test split; measure: whole measurement datasets'],
  });
  const about: [string, Cell][] = [['from stage', model.sources.evaluation]];
  if (b !== undefined) {
    about.push(
      ['data stage', b.dataStage ?? null],
      ['sources.json', b.sourcesFile === null ? 'none (one unknown source)' : 'yes'],
    );
  }
  let html = `<div class="row">${keyValueTable(about)}${figure(chart)}</div>`;
  if (b !== undefined) {
    html +=
      paragraph(
        '± after a float accuracy: the larger distance to the bounds of its 95 % (Wilson) interval, in points.',
        'muted',
      ) +
      engineTable(b, integer, 'Test split by engine') +
      heldOutTable(b, integer) +
      voiceTable(b, integer);
  }
  if (ev.eventsByEngine !== undefined && ev.eventsByEngine.length > 0) html += engineFrrTable(ev.eventsByEngine);
  for (const [i, m] of measurements.entries()) html += await measurementBlock(m, i);
  return present('sources', 'Sources', html);
}
