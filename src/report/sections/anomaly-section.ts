import { z } from 'zod';
import { binnedHistogram, lineChart, type LinePoint } from '../charts';
import { escapeHtml } from '../html';
import type { ReportModel } from '../report-model';
import { missing, present, type RenderedSection } from './section';

/**
 * Anomaly detection (the `evaluation` artifact of an `evaluate-ad` stage, MicroNets §4.3,
 * docs/stages/evaluate-ad.md): a table per machine ID (AUC, pAUC, the operating threshold
 * chosen on validation normals with its TPR / FPR on the test clips, the FC-autoencoder
 * baseline's AUC), then per ID its ROC curve and the histogram of its normal and anomalous
 * test clip scores with the threshold.
 */

const rate = z.number().min(0).max(1);

/** Fields of an evaluate-ad `evaluation` artifact (spread into the report's evaluationSchema). */
export const anomalyEvaluationFields = {
  task: z.string().optional(),
  auc: rate.optional(),
  pauc: rate.optional(),
  p: rate.optional(),
  score: z.string().optional(),
  falseAlarmRate: rate.optional(),
  thresholdNormals: z.string().optional(),
  thresholdRule: z.string().optional(),
  ids: z
    .array(
      z.object({
        type: z.string(),
        id: z.string(),
        auc: rate,
        pauc: rate,
        normals: z.number().int().nonnegative(),
        anomalies: z.number().int().nonnegative(),
        normalScores: z.array(z.number()).optional(),
        anomalousScores: z.array(z.number()).optional(),
        roc: z.array(z.object({ fpr: rate, tpr: rate })),
        /** JSON has no ±Infinity: a threshold every normal passes is written as null. */
        threshold: z.number().nullable().optional(),
        tpr: rate.optional(),
        fpr: rate.optional(),
      }),
    )
    .optional(),
  baseline: z
    .object({
      auc: rate,
      pauc: rate,
      ids: z.array(z.object({ type: z.string(), id: z.string(), auc: rate, pauc: rate })),
    })
    .optional(),
  intModel: z.object({ auc: rate, pauc: rate }).optional(),
};

const ID = 'anomaly-detection';
const TITLE = 'Anomaly detection';
const pct = (v: number): string => `${(100 * v).toFixed(1)}%`;
const HISTOGRAM_BINS = 20;

/** Counts of `values` in `bins` equal bins over [lo, hi] (hi falls in the last bin). */
export function binCounts(values: readonly number[], lo: number, hi: number, bins: number): number[] {
  const counts = new Array<number>(bins).fill(0);
  const w = (hi - lo) / bins;
  for (const v of values) {
    const i = w > 0 ? Math.min(bins - 1, Math.max(0, Math.floor((v - lo) / w))) : 0;
    counts[i]!++;
  }
  return counts;
}

export async function anomalySection(model: ReportModel): Promise<RenderedSection> {
  const e = model.evaluation;
  if (e?.ids === undefined || e.ids.length === 0 || e.auc === undefined || e.pauc === undefined)
    return missing(ID, TITLE);
  const baseline = new Map((e.baseline?.ids ?? []).map((r) => [`${r.type}/${r.id}`, r]));
  const head =
    `<p>Score <code>${escapeHtml(e.score ?? '')}</code>; mean over ${e.ids.length} machine IDs: ` +
    `<b>AUC ${pct(e.auc)}</b>, <b>pAUC ${pct(e.pauc)}</b> (p = ${e.p ?? 0.1})` +
    (e.baseline ? `; FC-autoencoder baseline AUC ${pct(e.baseline.auc)}, pAUC ${pct(e.baseline.pauc)}` : '') +
    (e.intModel ? `; integer model AUC ${pct(e.intModel.auc)}, pAUC ${pct(e.intModel.pauc)}` : '') +
    `. Thresholds: per ID on its ${escapeHtml(e.thresholdNormals ?? 'validation')} normals` +
    (e.thresholdRule ? ` (rule ${escapeHtml(e.thresholdRule)})` : '') +
    ` at a false-alarm rate of ${e.falseAlarmRate ?? '-'}.</p>`;
  const rows = e.ids
    .map((r) => {
      const b = baseline.get(`${r.type}/${r.id}`);
      const thr = r.threshold === undefined ? '-' : r.threshold === null ? '−∞' : r.threshold.toPrecision(4);
      return (
        `<tr><td>${escapeHtml(r.type)}</td><td>${escapeHtml(r.id)}</td><td>${pct(r.auc)}</td><td>${pct(r.pauc)}</td>` +
        `<td>${b ? pct(b.auc) : '-'}</td><td>${thr}</td><td>${r.tpr === undefined ? '-' : pct(r.tpr)}</td>` +
        `<td>${r.fpr === undefined ? '-' : pct(r.fpr)}</td><td>${r.normals} / ${r.anomalies}</td></tr>`
      );
    })
    .join('');
  const table =
    `<table><thead><tr><th>type</th><th>ID</th><th>AUC</th><th>pAUC</th><th>baseline AUC</th><th>threshold</th>` +
    `<th>TPR</th><th>FPR</th><th>normal / anomalous</th></tr></thead><tbody>${rows}</tbody></table>`;
  const charts: string[] = [];
  for (const r of e.ids) {
    const name = `${r.type}/${r.id}`;
    const slug = `${r.type}-${r.id}`.replace(/[^A-Za-z0-9_-]/g, '_');
    const points: LinePoint[] = [
      ...r.roc.map((p) => ({ x: p.fpr, y: p.tpr, series: 'ROC' })),
      { x: 0, y: 0, series: 'chance' },
      { x: 1, y: 1, series: 'chance' },
    ];
    charts.push(
      await lineChart({
        id: `ad-roc-${slug}`,
        title: `ROC ${name} (AUC ${pct(r.auc)})`,
        xTitle: 'false-positive rate',
        yTitle: 'true-positive rate',
        points,
        seriesOrder: ['ROC', 'chance'],
      }),
    );
    const normal = r.normalScores ?? [];
    const anomalous = r.anomalousScores ?? [];
    const all = [...normal, ...anomalous];
    if (all.length > 0) {
      const lo = Math.min(...all);
      const hi = Math.max(...all);
      const series = [
        { name: 'normal', counts: binCounts(normal, lo, hi, HISTOGRAM_BINS) },
        { name: 'anomalous', counts: binCounts(anomalous, lo, hi, HISTOGRAM_BINS) },
      ];
      const thr = typeof r.threshold === 'number' && r.threshold >= lo && r.threshold <= hi ? [r.threshold] : [];
      charts.push(
        await binnedHistogram({
          id: `ad-hist-${slug}`,
          title: `Clip scores ${name}${thr.length ? ' (rule: threshold)' : ''}`,
          xTitle: 'clip score',
          range: [lo, hi],
          series,
          gridLines: thr,
          yTitle: 'clips',
        }),
      );
    }
  }
  return present(ID, TITLE, head + onBoard(model) + table + `<div class="charts">${charts.join('')}</div>`);
}

/**
 * The deploy stage's anomaly-detection measurements (src/deploy/ad-vectors.ts, activities/deploy.ts
 * adRealTime), when the run deployed the classifier: latency per patch and MicroNets' real-time figure.
 */
function onBoard(model: ReportModel): string {
  const b = model.board;
  const ad = b?.anomalyDetection as Readonly<Record<string, unknown>> | undefined;
  const num = (k: string): number | undefined => (typeof ad?.[k] === 'number' ? ad[k] : undefined);
  const rt = num('realTimeFactor');
  const latency = num('patchLatencyMs');
  const hop = num('patchHopMs');
  if (rt === undefined || latency === undefined || hop === undefined) return '';
  return (
    `<p>On the board (${escapeHtml(String(b?.board ?? ''))}, deploy: audio → fixed-point log-mel → classifier, bit-exact with the host on ` +
    `${escapeHtml(String(b?.vectorsChecked ?? '-'))} test patches): ${latency.toFixed(1)} ms per patch hop ` +
    `(front end ${(num('frontEndLatencyPerPatchHopMs') ?? 0).toFixed(1)} ms for the new frames, ${(num('frontEndInstructionsPerFrame') ?? 0).toLocaleString('en-US')} instructions each; ` +
    `model ${(num('modelLatencyMs') ?? 0).toFixed(1)} ms) every ${hop} ms of audio: <b>real-time factor ${rt.toFixed(3)}</b> ` +
    `(MicroNets §5.2.3: patch latency / patch hop, must be &lt; 1).</p>`
  );
}
