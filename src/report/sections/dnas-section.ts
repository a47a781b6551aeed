import type { TopLevelSpec } from 'vega-lite';
import { z } from 'zod';
import { lineChart } from '../charts';
import { figure, formatBytes, formatPercent, formatValue, paragraph, table, type Cell } from '../html';
import type { ReportModel } from '../report-model';
import { renderVegaLiteSvg } from '../vega-svg';
import { missing, present, type RenderedSection } from './section';

/**
 * "Architecture search" (stage `dnas`, docs/stages/dnas.md): the found model's predicted
 * flash / SRAM / latency next to what deploy measured (estimator error), the search trace
 * (accuracy, expected costs over budget, multipliers per epoch), the candidates seen (the
 * argmax architecture after each epoch) as accuracy vs latency, and the DS-CNN presets under
 * the same cost models.
 */

const costs = z
  .object({
    flashBytes: z.number(),
    sramBytes: z.number(),
    latencyMs: z.number(),
    macs: z.number(),
    params: z.number(),
  })
  .passthrough();
const arch = z
  .object({
    firstConv: z.object({ filters: z.number() }).passthrough(),
    blocks: z.array(z.object({ filters: z.number() }).passthrough()),
  })
  .passthrough();
const budgets = z.object({ flashBytes: z.number(), sramBytes: z.number(), latencyMs: z.number().optional() });

/** The `search` and `architecture` artifacts of a dnas stage, as the report reads them. */
export const dnasReportSchema = z.object({
  board: z.string(),
  budgets,
  presets: z.array(z.object({ name: z.string(), costs, overshoots: z.array(z.string()) })),
  epochs: z.array(
    z
      .object({
        epoch: z.number(),
        loss: z.number(),
        accuracy: z.number(),
        valAccuracy: z.number(),
        archPhase: z.boolean(),
        expected: z.object({ flashBytes: z.number(), sramBytes: z.number(), latencyMs: z.number() }),
        multipliers: z.object({ flash: z.number(), sram: z.number(), latency: z.number() }),
        derived: z.object({ architecture: arch, costs }),
      })
      .passthrough(),
  ),
  predicted: costs,
  architecture: arch,
});
export type DnasReport = z.infer<typeof dnasReportSchema>;

const archText = (a: {
  readonly firstConv: { readonly filters: number };
  readonly blocks: ReadonlyArray<{ readonly filters: number }>;
}) => `${a.firstConv.filters} | ${a.blocks.map((b) => b.filters).join(', ') || '–'}`;

function errorCell(predicted: number, measured: number | undefined): Cell {
  if (measured === undefined || measured === 0) return '–';
  const e = (predicted - measured) / measured;
  return `${e >= 0 ? '+' : ''}${formatPercent(e)}`;
}

async function paretoChart(d: NonNullable<ReportModel['dnas']>): Promise<string> {
  const values = d.epochs.map((e) => ({
    latency: e.derived.costs.latencyMs,
    accuracy: e.valAccuracy,
    label: `epoch ${e.epoch}: ${archText(e.derived.architecture)}`,
  }));
  const spec = {
    title: 'Candidates: supernet path accuracy vs predicted latency',
    width: 420,
    height: 240,
    data: { values },
    mark: { type: 'point', filled: true, size: 50 },
    encoding: {
      x: { field: 'latency', type: 'quantitative', title: 'predicted ms / inference' },
      y: {
        field: 'accuracy',
        type: 'quantitative',
        title: 'validation accuracy (supernet path)',
        axis: { format: '.0%' },
      },
      tooltip: { field: 'label', type: 'nominal' },
    },
  } as TopLevelSpec;
  return renderVegaLiteSvg(spec, 'dnas-pareto');
}

export async function dnasSection(model: ReportModel): Promise<RenderedSection> {
  const d = model.dnas;
  if (d === undefined) return missing('dnas', 'Architecture search');
  const b = model.board;
  const measuredLatency = typeof b?.estimatedLatencyMs === 'number' ? b.estimatedLatencyMs : undefined;
  const p = d.predicted;
  const rows: Cell[][] = [
    [
      'flash',
      formatBytes(Math.round(p.flashBytes)),
      b?.flashBytes === undefined ? '–' : formatBytes(b.flashBytes),
      errorCell(p.flashBytes, b?.flashBytes),
      formatBytes(d.budgets.flashBytes),
    ],
    [
      'SRAM',
      formatBytes(Math.round(p.sramBytes)),
      b?.sramBytes === undefined ? '–' : formatBytes(b.sramBytes),
      errorCell(p.sramBytes, b?.sramBytes),
      formatBytes(d.budgets.sramBytes),
    ],
    [
      'latency',
      `${formatValue(p.latencyMs)} ms`,
      measuredLatency === undefined ? '–' : `${formatValue(measuredLatency)} ms`,
      errorCell(p.latencyMs, measuredLatency),
      d.budgets.latencyMs === undefined ? 'none' : `${d.budgets.latencyMs} ms`,
    ],
  ];
  const parts = [
    paragraph(
      `Found for ${d.board}: first conv | block widths = ${archText(d.architecture)}; ${formatValue(p.macs / 1e6)} M MAC, ${formatValue(p.params / 1e3)} K parameters.`,
    ),
    table(['', 'predicted', 'measured (deploy)', 'estimator error', 'budget'], rows, {
      numeric: [1, 2, 3, 4],
      caption: 'Predicted vs measured (latency: deploy’s cycle-model estimate)',
    }),
  ];
  const ep = d.epochs;
  const trace = await lineChart({
    id: 'dnas-trace',
    title: 'Search trace: expected cost / budget, accuracy',
    xTitle: 'epoch',
    yTitle: 'fraction',
    seriesOrder: ['flash / budget', 'SRAM / budget', 'latency / budget', 'train accuracy', 'path val accuracy'],
    points: ep.flatMap((e) => [
      { x: e.epoch, y: e.expected.flashBytes / d.budgets.flashBytes, series: 'flash / budget' },
      { x: e.epoch, y: e.expected.sramBytes / d.budgets.sramBytes, series: 'SRAM / budget' },
      ...(d.budgets.latencyMs === undefined
        ? []
        : [{ x: e.epoch, y: e.expected.latencyMs / d.budgets.latencyMs, series: 'latency / budget' }]),
      { x: e.epoch, y: e.accuracy, series: 'train accuracy' },
      { x: e.epoch, y: e.valAccuracy, series: 'path val accuracy' },
    ]),
  });
  parts.push(
    `<div class="row">${figure(trace, 'Expected costs under softmax(α); warm-up epochs train weights only.')}${figure(await paretoChart(d), 'One point per epoch: the argmax architecture then.')}</div>`,
  );
  parts.push(
    table(
      ['epoch', 'loss', 'path val acc', 'architecture', 'flash', 'SRAM', 'latency', 'λ flash / SRAM / latency'],
      ep.map((e) => [
        e.epoch,
        formatValue(e.loss),
        formatPercent(e.valAccuracy),
        archText(e.derived.architecture),
        formatBytes(Math.round(e.derived.costs.flashBytes)),
        formatBytes(Math.round(e.derived.costs.sramBytes)),
        `${formatValue(e.derived.costs.latencyMs)} ms`,
        `${formatValue(e.multipliers.flash)} / ${formatValue(e.multipliers.sram)} / ${formatValue(e.multipliers.latency)}`,
      ]),
      { numeric: [0, 1, 2, 4, 5, 6], caption: 'Candidates per epoch' },
    ),
  );
  parts.push(
    table(
      ['preset', 'flash', 'SRAM', 'latency', 'MACs', 'fits'],
      d.presets.map((x) => [
        x.name,
        formatBytes(Math.round(x.costs.flashBytes)),
        formatBytes(Math.round(x.costs.sramBytes)),
        `${formatValue(x.costs.latencyMs)} ms`,
        `${formatValue(x.costs.macs / 1e6)} M`,
        x.overshoots.length === 0 ? 'yes' : x.overshoots.join('; '),
      ]),
      { numeric: [1, 2, 3, 4], caption: `DS-CNN presets under the same cost models, against the ${d.board} budgets` },
    ),
  );
  return present('dnas', 'Architecture search', parts.join('\n'));
}
