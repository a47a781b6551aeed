import { binnedHistogram, lineChart, type LinePoint } from '../charts';
import { figure, keyValueTable, type Cell } from '../html';
import type { ReportModel } from '../report-model';
import { missing, present, type RenderedSection } from './section';

/**
 * "Quantization": the regularization schedule S(t) over epochs (thesis Table 4.2.1, Fig.
 * 4.2.4), the penalty λ·S(t)·ΣReg and the weights' distance to their grid per epoch, and
 * per-layer histograms of w/max|w_c| before and after training (thesis Fig. 4.2.5: weights
 * gather at the minima k/K of their regularizer). Present only for a quantized train stage.
 */
export async function quantizationSection(model: ReportModel): Promise<RenderedSection> {
  const epochs = (model.history?.epochs ?? []).filter((e) => e.quant !== undefined);
  const hist = model.weightHistograms;
  if (epochs.length === 0 && hist === undefined) return missing('quantization', 'Quantization', 'the train stage has no quantization block');
  const charts: string[] = [];
  const qatStart = epochs.find((e) => e.quant?.qat === true)?.epoch;
  const marker = qatStart === undefined ? undefined : { value: qatStart, label: `QAT from epoch ${qatStart}` };
  if (epochs.length > 0) {
    const s: LinePoint[] = epochs.map((e) => ({ x: e.epoch, y: e.quant!.schedule, series: 'S(t)' }));
    charts.push(figure(await lineChart({ id: 'quant-schedule', title: 'Regularization schedule S(t)', xTitle: 'epoch', yTitle: 'S(t)', points: s, seriesOrder: ['S(t)'], marker })));
    const r: LinePoint[] = [
      ...epochs.map((e) => ({ x: e.epoch, y: e.quant!.regLoss, series: 'λ·S(t)·ΣReg' })),
      ...epochs.filter((e) => e.quant!.gridDistance !== undefined).map((e) => ({ x: e.epoch, y: e.quant!.gridDistance!, series: 'distance to grid' })),
    ];
    charts.push(
      figure(await lineChart({ id: 'quant-penalty', title: 'Regularization term and weight distance to grid', xTitle: 'epoch', yTitle: 'value', points: r, seriesOrder: ['λ·S(t)·ΣReg', 'distance to grid'], marker })),
    );
  }
  const histCharts: string[] = [];
  const entries: [string, Cell][] = [['from stage', model.sources.weightHistograms ?? model.sources.history ?? null]];
  if (hist !== undefined) {
    for (const [name, layer] of Object.entries(hist.layers)) {
      const k = layer.bits === 1 ? 1 : 2 ** (layer.bits - 1) - 1;
      const grid = layer.bits === 1 ? [-1, 1] : Array.from({ length: 2 * k + 1 }, (_, i) => (i - k) / k);
      histCharts.push(
        figure(
          await binnedHistogram({
            id: `quant-hist-${name}`,
            title: `${name}: ${layer.bits}-bit${layer.regularized ? ', regularized' : ''}`,
            xTitle: 'w / max|w_c|',
            range: [hist.range[0] ?? -1, hist.range[1] ?? 1],
            series: [
              { name: 'before', counts: layer.before },
              { name: 'after', counts: layer.after },
            ],
            gridLines: grid,
          }),
        ),
      );
      entries.push([`${name} bits`, layer.bits]);
    }
  }
  const last = epochs[epochs.length - 1];
  if (last !== undefined && last.quant!.gridDistance !== undefined) entries.push(['final mean distance to grid', Number(last.quant!.gridDistance.toPrecision(3))]);
  return present('quantization', 'Quantization', `<div class="row">${charts.join('')}</div><div class="row">${histCharts.join('')}</div>${keyValueTable(entries)}`);
}
