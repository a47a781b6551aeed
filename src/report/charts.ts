import type { TopLevelSpec } from 'vega-lite';
import { renderVegaLiteSvg } from './vega-svg';

/**
 * The report's charts, each a Vega-Lite spec rendered to an inline SVG string
 * (vega-svg.ts). Every function takes plain numbers and labels and an `id` unique within
 * the page (it prefixes the SVG's internal ids). Text in the data is escaped by Vega's
 * SVG writer, so labels may contain anything.
 *
 * Specs are plain objects cast to TopLevelSpec: Vega-Lite's nested union types reject
 * many valid layered literals, so the check that matters is that every chart renders
 * (test/unit/report/charts.test.ts).
 */

/** A vertical marker on a chart's x axis (best epoch, median, target FA/h, ...). */
export interface XMarker {
  readonly value: number;
  readonly label: string;
}

export interface LinePoint {
  readonly x: number;
  readonly y: number;
  /** Legend entry, e.g. "train", "validation". */
  readonly series: string;
}

export interface LineChartOptions {
  readonly id: string;
  readonly title: string;
  readonly xTitle: string;
  readonly yTitle: string;
  readonly points: readonly LinePoint[];
  /** Legend order (and colour order) of the series. */
  readonly seriesOrder: readonly string[];
  readonly marker?: XMarker;
  /** Format of y tick labels, a d3-format string such as '.0%'. */
  readonly yFormat?: string;
}

const WIDTH = 420;
const HEIGHT = 240;

/** A dashed rule at the marker; its label goes in the subtitle, where it cannot cover data. */
function markerLayers(marker: XMarker | undefined): unknown[] {
  if (marker === undefined) return [];
  return [
    {
      data: { values: [{ x: marker.value }] },
      mark: { type: 'rule', strokeDash: [4, 3], color: '#666' },
      encoding: { x: { field: 'x', type: 'quantitative' } },
    },
  ];
}

/** Title plus subtitle lines (marker legend, caveats); a plain string when there are none. */
function titled(
  title: string,
  notes: ReadonlyArray<string | undefined>,
): string | { text: string; subtitle: string[] } {
  const lines = notes.filter((n): n is string => n !== undefined);
  return lines.length === 0 ? title : { text: title, subtitle: lines };
}

const markerNote = (m: XMarker | undefined) => (m === undefined ? undefined : `dashed line: ${m.label}`);

/** Curves over a shared x axis, e.g. loss per epoch for train and validation. */
export function lineChart(o: LineChartOptions): Promise<string> {
  const spec = {
    title: titled(o.title, [markerNote(o.marker)]),
    width: WIDTH,
    height: HEIGHT,
    layer: [
      {
        data: { values: o.points.map((p) => ({ ...p })) },
        mark: { type: 'line', point: { size: 18 }, strokeWidth: 1.5 },
        encoding: {
          x: { field: 'x', type: 'quantitative', title: o.xTitle, axis: { tickMinStep: 1 } },
          y: {
            field: 'y',
            type: 'quantitative',
            title: o.yTitle,
            ...(o.yFormat ? { axis: { format: o.yFormat } } : {}),
          },
          color: {
            field: 'series',
            type: 'nominal',
            title: null,
            sort: [...o.seriesOrder],
            legend: { orient: 'bottom' },
          },
        },
      },
      ...markerLayers(o.marker),
    ],
  } as TopLevelSpec;
  return renderVegaLiteSvg(spec, o.id);
}

export interface HeatmapOptions {
  readonly id: string;
  readonly title: string;
  /** Row names (y, top to bottom) and column names (x, left to right). */
  readonly rows: readonly string[];
  readonly columns: readonly string[];
  /** counts[row][column]. */
  readonly counts: readonly (readonly number[])[];
  readonly rowTitle: string;
  readonly columnTitle: string;
}

/**
 * A confusion matrix. Colour is the cell's share of its row (recall-style: where the items
 * of a true class went), so a class with few items is as readable as a big one; the
 * number printed is the raw count.
 */
export function heatmap(o: HeatmapOptions): Promise<string> {
  const values = o.rows.flatMap((row, r) => {
    const cells = o.counts[r] ?? [];
    const total = cells.reduce((a, b) => a + b, 0);
    return o.columns.map((column, c) => {
      const n = cells[c] ?? 0;
      return { row, column, n, share: total > 0 ? n / total : 0 };
    });
  });
  const cell = 30;
  const spec = {
    title: o.title,
    width: Math.max(120, cell * o.columns.length),
    height: Math.max(60, cell * o.rows.length),
    data: { values },
    encoding: {
      x: {
        field: 'column',
        type: 'nominal',
        sort: [...o.columns],
        title: o.columnTitle,
        axis: { labelAngle: -40, orient: 'top' },
      },
      y: { field: 'row', type: 'nominal', sort: [...o.rows], title: o.rowTitle },
    },
    layer: [
      {
        mark: { type: 'rect', stroke: '#fff', strokeWidth: 1 },
        encoding: {
          color: {
            field: 'share',
            type: 'quantitative',
            title: 'share of row',
            // White at 0 (the 'blues' scheme starts at a tint), so empty cells read as empty.
            scale: { domain: [0, 1], range: ['#ffffff', '#08519c'] },
            legend: { format: '.0%', orient: 'right', gradientLength: 120 },
          },
        },
      },
      {
        mark: { type: 'text', fontSize: 10 },
        encoding: {
          text: { field: 'n', type: 'quantitative' },
          color: { condition: { test: 'datum.share > 0.55', value: '#fff' }, value: '#222' },
          opacity: { condition: { test: 'datum.n === 0', value: 0.35 }, value: 1 },
        },
      },
    ],
  } as TopLevelSpec;
  return renderVegaLiteSvg(spec, o.id);
}

export interface DetChartPoint {
  readonly threshold: number;
  readonly frr: number;
  readonly faPerHour: number;
}

export interface DetChartOptions {
  readonly id: string;
  readonly title: string;
  /** One point per threshold. */
  readonly points: readonly DetChartPoint[];
  readonly operatingPoint?: DetChartPoint;
  /** The false-accept budget the operating point was chosen under. */
  readonly targetFaPerHour?: number;
}

/**
 * DET curve (thesis Fig. 3.3a axes): false accepts per hour on a log x axis against the
 * false reject rate, one point per threshold, joined in threshold order. A log axis cannot
 * show 0 FA/h, the best and a common value, so zeros are drawn at a floor one decade
 * below the smallest non-zero rate and the subtitle says so.
 */
export function detChart(o: DetChartOptions): Promise<string> {
  const positive = o.points.map((p) => p.faPerHour).filter((v) => v > 0);
  const minPositive = positive.length > 0 ? Math.min(...positive) : 1;
  const floor = 10 ** (Math.floor(Math.log10(minPositive)) - 1);
  const hasZero = o.points.some((p) => p.faPerHour <= 0) || (o.operatingPoint?.faPerHour ?? 1) <= 0;
  const place = (p: DetChartPoint) => ({
    threshold: p.threshold,
    frr: p.frr,
    fa: Math.max(p.faPerHour, floor),
    faPerHour: p.faPerHour,
  });
  const x = { field: 'fa', type: 'quantitative', title: 'false accepts per hour (log)', scale: { type: 'log' } };
  const y = {
    field: 'frr',
    type: 'quantitative',
    title: 'false reject rate',
    axis: { format: '.0%' },
    scale: { zero: true },
  };
  const layers: unknown[] = [
    {
      data: { values: o.points.map(place) },
      mark: { type: 'line', point: { size: 16 }, strokeWidth: 1.5, color: '#3366cc' },
      encoding: { x, y, order: { field: 'threshold', type: 'quantitative' } },
    },
  ];
  const target =
    o.targetFaPerHour !== undefined && o.targetFaPerHour > 0
      ? { value: o.targetFaPerHour, label: `target ${formatShort(o.targetFaPerHour)} FA/h` }
      : undefined;
  layers.push(...markerLayers(target));
  if (o.operatingPoint) {
    const op = { ...place(o.operatingPoint), label: `θ = ${formatShort(o.operatingPoint.threshold)}` };
    layers.push(
      {
        data: { values: [op] },
        mark: { type: 'point', shape: 'diamond', size: 110, filled: true, color: '#d62728' },
        encoding: { x, y },
      },
      {
        data: { values: [op] },
        mark: { type: 'text', dx: 8, dy: -8, align: 'left', color: '#d62728', fontWeight: 'bold' },
        encoding: { x, y, text: { field: 'label' } },
      },
    );
  }
  const spec = {
    title: titled(o.title, [
      markerNote(target),
      o.operatingPoint ? 'diamond: operating point' : undefined,
      hasZero ? `0 FA/h is drawn at ${formatShort(floor)}` : undefined,
    ]),
    width: WIDTH,
    height: HEIGHT,
    layer: layers,
  } as TopLevelSpec;
  return renderVegaLiteSvg(spec, o.id);
}

export interface HistogramOptions {
  readonly id: string;
  readonly title: string;
  readonly xTitle: string;
  readonly values: readonly number[];
  readonly maxBins?: number;
  readonly marker?: XMarker;
}

/** Distribution of a sample, e.g. detection latency of every hit. */
export function histogram(o: HistogramOptions): Promise<string> {
  const spec = {
    title: titled(o.title, [markerNote(o.marker)]),
    width: WIDTH,
    height: 180,
    layer: [
      {
        data: { values: o.values.map((v) => ({ v })) },
        mark: { type: 'bar', color: '#4c78a8', binSpacing: 1 },
        encoding: {
          x: { field: 'v', type: 'quantitative', bin: { maxbins: o.maxBins ?? 20 }, title: o.xTitle },
          y: { aggregate: 'count', type: 'quantitative', title: 'count' },
        },
      },
      ...markerLayers(o.marker),
    ],
  } as TopLevelSpec;
  return renderVegaLiteSvg(spec, o.id);
}

export interface BinnedSeries {
  readonly name: string;
  /** Counts per bin; all series share the bins. */
  readonly counts: readonly number[];
}

export interface BinnedHistogramOptions {
  readonly id: string;
  readonly title: string;
  readonly xTitle: string;
  /** [lo, hi] covered by the bins, which are equal-width. */
  readonly range: readonly [number, number];
  readonly series: readonly BinnedSeries[];
  /** Optional x positions to mark with thin rules (e.g. quantization grid points). */
  readonly gridLines?: readonly number[];
  /** y axis title (default "weights"). */
  readonly yTitle?: string;
}

/** Pre-binned counts of several series overlaid (e.g. weights before and after training). */
export function binnedHistogram(o: BinnedHistogramOptions): Promise<string> {
  const [lo, hi] = o.range;
  const values = o.series.flatMap((s) => {
    const w = (hi - lo) / Math.max(1, s.counts.length);
    return s.counts.map((c, i) => ({ x0: lo + i * w, x1: lo + (i + 1) * w, count: c, series: s.name }));
  });
  const spec = {
    title: o.title,
    width: 300,
    height: 140,
    layer: [
      ...(o.gridLines && o.gridLines.length > 0 && o.gridLines.length <= 33
        ? [
            {
              data: { values: o.gridLines.map((x) => ({ x })) },
              mark: { type: 'rule', color: '#ddd' },
              encoding: { x: { field: 'x', type: 'quantitative' } },
            },
          ]
        : []),
      {
        data: { values },
        mark: { type: 'rect', opacity: 0.55 },
        encoding: {
          x: { field: 'x0', type: 'quantitative', title: o.xTitle, scale: { domain: [lo, hi] } },
          x2: { field: 'x1' },
          y: { field: 'count', type: 'quantitative', title: o.yTitle ?? 'weights', stack: null },
          color: {
            field: 'series',
            type: 'nominal',
            title: null,
            sort: o.series.map((s) => s.name),
            legend: { orient: 'bottom' },
          },
        },
      },
    ],
  } as TopLevelSpec;
  return renderVegaLiteSvg(spec, o.id);
}

export interface StackedBar {
  readonly category: string;
  readonly group: string;
  readonly value: number;
}

export interface StackedBarChartOptions {
  readonly id: string;
  readonly title: string;
  readonly bars: readonly StackedBar[];
  readonly categoryOrder: readonly string[];
  readonly groupOrder: readonly string[];
  readonly yTitle: string;
}

/** Counts per category split by group, e.g. clips per label per split. */
export function stackedBarChart(o: StackedBarChartOptions): Promise<string> {
  const spec = {
    title: o.title,
    width: Math.max(200, 34 * o.categoryOrder.length),
    height: 200,
    data: { values: o.bars.map((b) => ({ ...b, groupRank: o.groupOrder.indexOf(b.group) })) },
    mark: { type: 'bar' },
    encoding: {
      x: { field: 'category', type: 'nominal', sort: [...o.categoryOrder], title: null, axis: { labelAngle: -40 } },
      y: { field: 'value', type: 'quantitative', title: o.yTitle, stack: 'zero' },
      color: { field: 'group', type: 'nominal', sort: [...o.groupOrder], title: null, legend: { orient: 'bottom' } },
      order: { field: 'groupRank', type: 'quantitative' },
    },
  } as TopLevelSpec;
  return renderVegaLiteSvg(spec, o.id);
}

export interface AccuracyBar {
  /** Row label, e.g. an engine or a measurement dataset. */
  readonly category: string;
  /** Bar within the row, e.g. "float" / "integer". */
  readonly series: string;
  /** A fraction in [0, 1]. */
  readonly value: number;
}

export interface AccuracyBarChartOptions {
  readonly id: string;
  readonly title: string;
  readonly bars: readonly AccuracyBar[];
  readonly categoryOrder: readonly string[];
  readonly seriesOrder: readonly string[];
  /** Subtitle lines (what the rows are). */
  readonly notes?: readonly string[];
}

/**
 * Accuracies side by side, one row per category and one bar per series in it (horizontal, so
 * long engine or stage names stay readable), on a fixed 0–100% axis so two reports compare.
 */
export function accuracyBarChart(o: AccuracyBarChartOptions): Promise<string> {
  const spec = {
    title: titled(o.title, [...(o.notes ?? [])]),
    width: WIDTH,
    height: { step: 12 * Math.max(1, o.seriesOrder.length) + 6 },
    data: { values: o.bars.map((b) => ({ ...b, label: `${Math.round(b.value * 1000) / 10}%` })) },
    encoding: {
      y: { field: 'category', type: 'nominal', sort: [...o.categoryOrder], title: null },
      yOffset: { field: 'series', type: 'nominal', sort: [...o.seriesOrder] },
      x: {
        field: 'value',
        type: 'quantitative',
        title: 'accuracy',
        scale: { domain: [0, 1] },
        axis: { format: '.0%' },
      },
    },
    layer: [
      {
        mark: { type: 'bar' },
        encoding: {
          color: {
            field: 'series',
            type: 'nominal',
            title: null,
            sort: [...o.seriesOrder],
            legend: { orient: 'bottom' },
          },
        },
      },
      {
        mark: { type: 'text', align: 'left', dx: 3, fontSize: 9, color: '#333' },
        encoding: { text: { field: 'label' } },
      },
    ],
  } as TopLevelSpec;
  return renderVegaLiteSvg(spec, o.id);
}

/** Up to 3 significant digits, no exponent for everyday magnitudes: 0.01, 2.5, 120. */
export function formatShort(v: number): string {
  return String(Number(v.toPrecision(3)));
}
