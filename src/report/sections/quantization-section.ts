import { binnedHistogram, lineChart, type LinePoint } from '../charts';
import { figure, keyValueTable, table, type Cell } from '../html';
import type { ReportModel } from '../report-model';
import { missing, present, type RenderedSection } from './section';

/**
 * "Quantization": the regularization schedule S(t) over epochs (thesis Table 4.2.1, Fig.
 * 4.2.4), the penalty λ·S(t)·ΣReg and the weights' distance to their grid per epoch, and
 * per-layer histograms of w/max|w_c| before and after training (thesis Fig. 4.2.5: weights
 * gather at the minima k/K of their regularizer). Present only for a quantized train stage.
 */
export async function quantizationSection(model: ReportModel): Promise<RenderedSection> {
  const epochs = ((model.quantHistory ?? model.history)?.epochs ?? []).filter((e) => e.quant !== undefined);
  const hist = model.weightHistograms;
  const intModels = integerModelsTable(model);
  if (epochs.length === 0 && hist === undefined && intModels === '') {
    return missing(
      'quantization',
      'Quantization',
      'no train stage with a quantization block and no quantize stage among the inputs',
    );
  }
  const charts: string[] = [];
  const qatStart = epochs.find((e) => e.quant?.qat === true)?.epoch;
  const marker = qatStart === undefined ? undefined : { value: qatStart, label: `QAT from epoch ${qatStart}` };
  if (epochs.length > 0) {
    const s: LinePoint[] = epochs.map((e) => ({ x: e.epoch, y: e.quant!.schedule, series: 'S(t)' }));
    charts.push(
      figure(
        await lineChart({
          id: 'quant-schedule',
          title: 'Regularization schedule S(t)',
          xTitle: 'epoch',
          yTitle: 'S(t)',
          points: s,
          seriesOrder: ['S(t)'],
          marker,
        }),
      ),
    );
    const r: LinePoint[] = [
      ...epochs.map((e) => ({ x: e.epoch, y: e.quant!.regLoss, series: 'λ·S(t)·ΣReg' })),
      ...epochs
        .filter((e) => e.quant!.gridDistance !== undefined)
        .map((e) => ({ x: e.epoch, y: e.quant!.gridDistance!, series: 'distance to grid' })),
    ];
    charts.push(
      figure(
        await lineChart({
          id: 'quant-penalty',
          title: 'Regularization term and weight distance to grid',
          xTitle: 'epoch',
          yTitle: 'value',
          points: r,
          seriesOrder: ['λ·S(t)·ΣReg', 'distance to grid'],
          marker,
        }),
      ),
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
  if (last !== undefined && last.quant!.gridDistance !== undefined)
    entries.push(['final mean distance to grid', Number(last.quant!.gridDistance.toPrecision(3))]);
  return present(
    'quantization',
    'Quantization',
    `${intModels}<div class="row">${charts.join('')}</div><div class="row">${histCharts.join('')}</div>${keyValueTable(entries)}`,
  );
}

/**
 * The integer models among the inputs (stages with an `int-model` artifact: quantize),
 * side by side: weight bytes, size against int8, integer test accuracy, and points against
 * the all-int8 one (issue #5 target: a 4-bit hybrid ≥ 40% smaller within 1 point). Empty
 * when there is none.
 */
function integerModelsTable(model: ReportModel): string {
  const rows = model.upstream
    .filter((u) => u.artifacts.some((a) => a.name === 'int-model'))
    .map((u) => {
      const m = u.metrics;
      const num = (k: string): number | undefined => (typeof m[k] === 'number' ? (m[k] as number) : undefined);
      return {
        stage: u.stage,
        bytes: num('weightBytes'),
        int8: num('int8WeightBytes'),
        acc: num('intAccuracy'),
        source: m.rangeSource,
      };
    });
  if (rows.length === 0) return '';
  const ref = rows.find((r) => r.bytes !== undefined && r.bytes === r.int8 && r.acc !== undefined);
  const cells: Cell[][] = rows.map((r) => [
    r.stage,
    r.bytes ?? null,
    r.bytes !== undefined && r.int8 ? `${(((r.bytes - r.int8) / r.int8) * 100).toFixed(1)}%` : null,
    r.acc === undefined ? null : `${(r.acc * 100).toFixed(1)}%`,
    r.acc === undefined || ref?.acc === undefined || r === ref ? null : signedPoints(r.acc - ref.acc),
    typeof r.source === 'string' ? r.source : null,
  ]);
  return table(
    [
      'integer model (stage)',
      'weight bytes',
      'vs int8',
      'integer test accuracy',
      `vs ${ref?.stage ?? 'int8'}`,
      'activation ranges',
    ],
    cells,
    {
      caption: 'Integer models (host integer reference on the test split)',
      numeric: [1, 2, 3, 4],
    },
  );
}

/** An accuracy difference in points with its sign: "+1.1 pts", "-0.5 pts". */
function signedPoints(delta: number): string {
  const p = (delta * 100).toFixed(1);
  return `${delta > 0 && p !== '0.0' ? '+' : ''}${p} pts`;
}
