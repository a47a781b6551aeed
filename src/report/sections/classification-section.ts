import { heatmap } from '../charts';
import { figure, formatPercent, keyValueTable, table, type Cell } from '../html';
import type { ClipConfusion, ReportModel } from '../report-model';
import { missing, present, type RenderedSection } from './section';

/**
 * "Classification": clip-level accuracy and confusion matrix on the test split. A
 * secondary number for KWS (docs/methods.md#event-based-evaluation: frame accuracy is never the headline), so it comes
 * after the event metrics' operating point in the summary but keeps its own section.
 */

function perClassRows(c: ClipConfusion): Cell[][] {
  return c.labels.map((label, i) => {
    const row = c.counts[i]!;
    const support = row.reduce((a, b) => a + b, 0);
    const predicted = c.counts.reduce((a, r) => a + r[i]!, 0);
    const correct = row[i]!;
    return [
      label,
      support,
      support === 0 ? null : formatPercent(correct / support),
      predicted === 0 ? null : formatPercent(correct / predicted),
    ];
  });
}

export async function classificationSection(model: ReportModel): Promise<RenderedSection> {
  const ev = model.evaluation;
  if (ev === undefined || (ev.accuracy === undefined && ev.confusion === undefined)) {
    return missing(
      'classification',
      'Classification',
      ev === undefined ? undefined : 'the evaluation has no clip-level results',
    );
  }
  const entries: [string, Cell][] = [['from stage', model.sources.evaluation]];
  if (ev.accuracy !== undefined) entries.push(['test accuracy (clips)', formatPercent(ev.accuracy)]);
  if (ev.testClips !== undefined) entries.push(['test clips', ev.testClips]);
  let body = '';
  if (ev.confusion !== undefined) {
    const svg = await heatmap({
      id: 'clip-confusion',
      title: 'Confusion matrix (test clips)',
      rows: ev.confusion.labels,
      columns: ev.confusion.labels,
      counts: ev.confusion.counts,
      rowTitle: 'true label',
      columnTitle: 'predicted',
    });
    body =
      `<div class="row">${figure(svg, 'Numbers are clip counts; colour is the share of the true label’s clips.')}` +
      `${table(['label', 'clips', 'recall', 'precision'], perClassRows(ev.confusion), { numeric: [1, 2, 3] })}</div>`;
  }
  return present('classification', 'Classification', keyValueTable(entries) + body);
}
