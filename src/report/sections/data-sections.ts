import { stackedBarChart } from '../charts';
import { figure, formatValue, keyValueTable, paragraph, table, type Cell } from '../html';
import { splitNames, type ReportModel } from '../report-model';
import { missing, present, type RenderedSection } from './section';

/** "Dataset" (class balance per split) and "Features" (tensor shapes, front-end config). */

export async function datasetSection(model: ReportModel): Promise<RenderedSection> {
  const d = model.dataset;
  if (d === undefined) return missing('dataset', 'Dataset');
  const perSplit = (label: string) => splitNames.map((s) => d.counts[s][label] ?? 0);
  const rows = d.labels.map((label): Cell[] => {
    const n = perSplit(label);
    return [label, ...n, n.reduce((a, b) => a + b, 0)];
  });
  const totals = splitNames.map((s) => d.labels.reduce((a, l) => a + (d.counts[s][l] ?? 0), 0));
  rows.push(['total', ...totals, totals.reduce((a, b) => a + b, 0)]);

  const chart = await stackedBarChart({
    id: 'dataset-balance',
    title: 'Clips per label',
    bars: d.labels.flatMap((label) =>
      splitNames.map((s) => ({ category: label, group: s, value: d.counts[s][label] ?? 0 })),
    ),
    categoryOrder: d.labels,
    groupOrder: splitNames,
    yTitle: 'clips',
  });
  const about: [string, Cell][] = [
    ['from stage', model.sources.dataset],
    ['labels', d.labels.length],
  ];
  if (d.generator !== undefined) about.push(['generator', d.generator]);
  if (d.sampleRate !== undefined) about.push(['sample rate', `${formatValue(d.sampleRate)} Hz`]);
  if (d.clipMs !== undefined) about.push(['clip length', `${formatValue(d.clipMs)} ms`]);
  if (d.voices !== undefined) about.push(['voices (train/validation)', d.voices.join(', ')]);
  if (d.testVoices !== undefined) about.push(['voices (test only)', d.testVoices.join(', ')]);
  for (const [tool, v] of Object.entries(d.tools ?? {}).sort(([a], [b]) => (a < b ? -1 : 1))) about.push([tool, v]);

  return present(
    'dataset',
    'Dataset',
    `<div class="row">${keyValueTable(about)}${figure(chart)}</div>` +
      table(['label', ...splitNames, 'all'], rows, { numeric: [1, 2, 3, 4], className: 'totals' }),
  );
}

export function featuresSection(model: ReportModel): RenderedSection {
  if (model.features.length === 0) return missing('features', 'Features');
  const rows = model.features.map((f): Cell[] => [
    f.artifact,
    f.shape[0] ?? 0,
    f.shape.slice(1).join(' × '),
    Object.values(f.perLabel).filter((n) => n > 0).length,
  ]);
  const first = model.features[0]!;
  const frontEnd = Object.keys(first.frontEnd)
    .sort()
    .map((k): [string, Cell] => [k, first.frontEnd[k]]);
  const labelsDiffer = model.features.some((f) => f.labels.join('\u0000') !== first.labels.join('\u0000'));
  return present(
    'features',
    'Features',
    `<div class="row">` +
      table(['split', 'rows', 'per row', 'labels present'], rows, {
        numeric: [1, 3],
        caption: `from stage ${model.sources[first.artifact] ?? '?'}`,
      }) +
      keyValueTable(frontEnd, 'front end') +
      `</div>` +
      (labelsDiffer ? paragraph('warning: the splits do not share one label list', 'warn') : ''),
  );
}
