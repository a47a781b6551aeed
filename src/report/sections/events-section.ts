import { DEFAULT_EARLY_MS, DEFAULT_LATE_MS } from '../../eval';
import { detChart, heatmap } from '../charts';
import { figure, formatPercent, formatValue, keyValueTable, paragraph, table, type Cell } from '../html';
import type { ReportEventEvaluation, ReportModel, ReportThresholdResult } from '../report-model';
import { missing, present, type RenderedSection } from './section';

/**
 * "Keyword events": the headline KWS result (docs/methods.md#event-based-evaluation; thesis §3.2.2 custom event metric).
 * The operating point first — what a user of the device experiences at the shipped
 * threshold — then the DET curve it was chosen on, the generalized confusion matrix with
 * its rejection class (appendix 3.A), and optionally the whole threshold sweep.
 */

function latencyText(r: ReportThresholdResult): string {
  const l = r.latencyMs;
  if (l === null) return '— (no hits)';
  return `mean ${formatValue(l.mean)} ms, median ${formatValue(l.median)} ms, p90 ${formatValue(l.p90)} ms (${l.count} hits)`;
}

function operatingPointTable(e: ReportEventEvaluation): string {
  const op = e.operatingPoint;
  const r = op.result;
  const entries: [string, Cell][] = [
    ['threshold', op.threshold],
    [
      'false reject rate',
      `${formatPercent(r.frr)} (${r.falseRejects} missed + ${r.misclassifications} misclassified of ${r.keywordEvents} keywords)`,
    ],
    [
      'false accepts per hour',
      `${formatValue(r.faPerHour)} (${r.falseAccepts} in ${formatValue(e.totals.hours * 60)} min; ${r.falseAcceptsOnNegatives} on negative words)`,
    ],
    ['target FA/h', `${formatValue(op.targetFaPerHour)} — ${op.constraintMet ? 'met' : 'NOT met'}`],
    ['detection latency', latencyText(r)],
    ['why this threshold', op.reason],
  ];
  return keyValueTable(entries, 'operating point');
}

function settingsTable(e: ReportEventEvaluation): string {
  const keys = [
    'frameStrideMs',
    'frameOffsetMs',
    'smoothingFrames',
    'refractoryMs',
    'earlyMs',
    'earlyFrames',
    'lateMs',
    'lateFrames',
  ];
  const entries: [string, Cell][] = [
    ['keywords', e.keywords.join(', ')],
    ['streams', `${e.totals.streams} (${formatValue(e.totals.durationSec / 60)} min)`],
    ['keyword / negative events', `${e.totals.keywordEvents} / ${e.totals.negativeEvents}`],
  ];
  for (const k of keys) {
    const v = e.options[k];
    if (typeof v === 'number') entries.push([k, v]);
  }
  // Tolerances left unset use src/eval's defaults; say which, so the numbers can be reproduced.
  if (e.options.earlyMs === undefined && e.options.earlyFrames === undefined)
    entries.push(['earlyMs (default)', DEFAULT_EARLY_MS]);
  if (e.options.lateMs === undefined && e.options.lateFrames === undefined)
    entries.push(['lateMs (default)', DEFAULT_LATE_MS]);
  return keyValueTable(entries, 'evaluation setup');
}

function thresholdTable(e: ReportEventEvaluation): string {
  const chosen = e.operatingPoint.threshold;
  const rows = e.perThreshold.map((r): Cell[] => [
    r.threshold === chosen ? `${formatValue(r.threshold)} ◀` : r.threshold,
    formatPercent(r.frr),
    r.falseRejects,
    r.misclassifications,
    r.falseAccepts,
    r.faPerHour,
    r.latencyMs?.mean ?? null,
  ]);
  return (
    `<details><summary>All ${e.perThreshold.length} thresholds</summary><div class="scroll">` +
    table(['threshold', 'FRR', 'missed', 'misclassified', 'false accepts', 'FA/h', 'mean latency ms'], rows, {
      numeric: [0, 1, 2, 3, 4, 5, 6],
    }) +
    `</div></details>`
  );
}

/** The per-keyword detector beside the single θ (evaluate perKeywordThresholds), when evaluated. */
function perKeywordTable(model: ReportModel): string {
  const pk = model.evaluation?.perKeyword;
  if (pk === undefined) return '';
  const rows = Object.entries(pk.thresholds).map(([k, t]): Cell[] => [
    k,
    t,
    formatPercent(pk.frrByKeyword.tuning[k] ?? 0),
    formatPercent(pk.frrByKeyword.scored[k] ?? 0),
  ]);
  const at = (r: { frr: number; faPerHour: number }) =>
    `FRR ${formatPercent(r.frr)} at ${formatValue(r.faPerHour)} FA/h`;
  return (
    paragraph(
      `Per-keyword thresholds (λ = ${formatValue(pk.lambda)}, pooled FA prior ${formatValue(pk.pooledFaPrior)}), chosen on the tuning streams: ` +
        `tuning ${at(pk.tuning)}; scored ${at(pk.scored)} — target ${formatValue(pk.targetFaPerHour)} FA/h ${pk.scoredConstraintMet ? 'met' : 'NOT met'} on the scored streams. ${pk.reason}.`,
    ) +
    table(['keyword', 'θ_k', 'tuning FRR', 'scored FRR'], rows, {
      caption: 'Per-keyword thresholds (reported beside the single-θ operating point)',
      numeric: [1, 2, 3],
    })
  );
}

export async function eventsSection(model: ReportModel): Promise<RenderedSection> {
  const e = model.evaluation?.events;
  if (e === undefined) {
    return missing(
      'events',
      'Keyword events',
      model.evaluation === undefined ? undefined : 'the evaluation has no stream (event) results',
    );
  }
  const det = await detChart({
    id: 'det',
    title: 'DET curve (one point per threshold)',
    points: e.det,
    operatingPoint: {
      threshold: e.operatingPoint.threshold,
      frr: e.operatingPoint.result.frr,
      faPerHour: e.operatingPoint.result.faPerHour,
    },
    targetFaPerHour: e.operatingPoint.targetFaPerHour,
  });
  const confusion = await heatmap({
    id: 'event-confusion',
    title: `Event confusion at θ = ${formatValue(e.operatingPoint.threshold)}`,
    rows: e.eventConfusion.rows,
    columns: e.eventConfusion.columns,
    counts: e.eventConfusion.counts,
    rowTitle: 'what was said',
    columnTitle: 'what fired',
  });
  return present(
    'events',
    'Keyword events',
    `<div class="row">${operatingPointTable(e)}${settingsTable(e)}</div>` +
      (e.operatingPoint.constraintMet
        ? ''
        : paragraph('No threshold meets the false-accept target: the operating point is the lowest FA/h.', 'warn')) +
      `<div class="row">${figure(det)}${figure(confusion, '_unknown_: negative words; _background_: firings outside any word; _rejected_: nothing fired.')}</div>` +
      perKeywordTable(model) +
      (model.options.thresholdTable ? thresholdTable(e) : ''),
  );
}
