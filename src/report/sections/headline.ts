import { escapeHtml, formatSize, formatPercent, formatValue } from '../html';
import type { ReportModel } from '../report-model';
import { formatHalfWidth95 } from '../../eval/accuracy-interval';

/**
 * The numbers a reader looks for first, as tiles at the top: event FRR and FA/h at the
 * operating point (the KWS headline, docs/methods.md#event-based-evaluation), then clip accuracy, then what the model
 * costs on the board. Only tiles whose inputs exist are shown.
 */

interface Tile {
  readonly label: string;
  readonly value: string;
  readonly detail?: string;
}

function tiles(model: ReportModel): Tile[] {
  const out: Tile[] = [];
  const op = model.evaluation?.events?.operatingPoint;
  if (op !== undefined) {
    out.push({
      label: 'false reject rate',
      value: formatPercent(op.result.frr),
      detail: `at θ = ${formatValue(op.threshold)}`,
    });
    out.push({
      label: 'false accepts / hour',
      value: formatValue(op.result.faPerHour),
      detail: `target ${formatValue(op.targetFaPerHour)}${op.constraintMet ? '' : ' (not met)'}`,
    });
  }
  // Leave-one-source-out (docs/methods.md#event-based-evaluation): accuracy on engines the model never trained on, and on
  // each measurement dataset (e.g. real recordings) — what "hears people" is judged by.
  const heldOut = model.evaluation?.sources?.byHeldOut.find((h) => h.heldOut === 'held-out-engine');
  if (heldOut !== undefined) {
    out.push({
      label: 'held-out engines',
      value: formatPercent(heldOut.accuracy),
      detail: `${formatHalfWidth95(heldOut.accuracy, heldOut.clips)} (95 %); ${heldOut.engines.join(', ')}: ${heldOut.clips} clips never trained on`,
    });
  }
  for (const m of model.evaluation?.measurements ?? []) {
    out.push({
      label: `measured: ${m.stage}`,
      value: formatPercent(m.accuracy),
      detail: `${formatHalfWidth95(m.accuracy, m.clips)} (95 %); ${m.clips} clips, ${m.speakers.length || '?'} speakers`,
    });
  }
  const acc = model.evaluation?.accuracy;
  if (acc !== undefined) out.push({ label: 'test accuracy (clips)', value: formatPercent(acc) });
  const b = model.board;
  if (b?.flashBytes !== undefined) out.push({ label: 'flash', value: formatSize(b.flashBytes), detail: b.board });
  if (b?.sramBytes !== undefined) out.push({ label: 'SRAM', value: formatSize(b.sramBytes), detail: b.board });
  if (b?.estimatedLatencyMs !== undefined)
    out.push({ label: 'latency / inference', value: `${formatValue(b.estimatedLatencyMs)} ms`, detail: b.board });
  if (out.length === 0 && model.dataset !== undefined) {
    const d = model.dataset;
    const clips = Object.values(d.counts).reduce((a, split) => a + Object.values(split).reduce((x, y) => x + y, 0), 0);
    out.push({ label: 'clips', value: formatValue(clips), detail: `${d.labels.length} labels` });
  }
  return out;
}

export function headlineHtml(model: ReportModel): string {
  const t = tiles(model);
  if (t.length === 0) return '';
  const html = t
    .map(
      (x) =>
        `<div class="tile"><div class="tile-label">${escapeHtml(x.label)}</div><div class="tile-value">${escapeHtml(x.value)}</div>` +
        (x.detail ? `<div class="tile-detail">${escapeHtml(x.detail)}</div>` : '') +
        `</div>`,
    )
    .join('');
  return `<div class="tiles">${html}</div>`;
}
