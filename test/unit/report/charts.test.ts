import { detChart, heatmap, histogram, lineChart, stackedBarChart } from '../../../src/report/charts';
import { chartLibraryVersions, renderVegaLiteSvg } from '../../../src/report/vega-svg';

/** Text of every <text> and <tspan> (multi-line titles), in document order. */
function texts(svg: string): string[] {
  return [...svg.matchAll(/<(?:text|tspan)[^>]*>([^<]+)</g)].map((m) => m[1]!);
}

describe('charts (Vega-Lite → SVG in Node)', () => {
  it('uses vega 5 / vega-lite 5 (CommonJS builds; 6.x cannot be required)', () => {
    expect(chartLibraryVersions.vega).toMatch(/^5\./);
    expect(chartLibraryVersions['vega-lite']).toMatch(/^5\./);
  });

  it('lineChart: one path per series, axis titles and the marker note', async () => {
    const svg = await lineChart({
      id: 'l',
      title: 'Loss',
      xTitle: 'epoch',
      yTitle: 'loss',
      points: [1, 2, 3].flatMap((x) => [
        { x, y: 1 / x, series: 'train' },
        { x, y: 1.2 / x, series: 'validation' },
      ]),
      seriesOrder: ['train', 'validation'],
      marker: { value: 2, label: 'best epoch 2' },
    });
    expect(svg).toMatch(/^<svg [^>]*viewBox="0 0 \d+ \d+"/);
    expect(svg).toContain('role-mark');
    expect(texts(svg)).toEqual(
      expect.arrayContaining(['Loss', 'dashed line: best epoch 2', 'epoch', 'loss', 'train', 'validation']),
    );
    expect(svg.match(/aria-roledescription="line mark"/g)).toHaveLength(2);
  });

  it('heatmap: every count printed, gradient id prefixed and referenced, labels escaped', async () => {
    const svg = await heatmap({
      id: 'cm',
      title: 'Confusion',
      rows: ['a', '<b>'],
      columns: ['a', '<b>'],
      counts: [
        [7, 1],
        [0, 5],
      ],
      rowTitle: 'true',
      columnTitle: 'predicted',
    });
    expect(texts(svg)).toEqual(expect.arrayContaining(['7', '1', '0', '5', '&lt;b&gt;']));
    expect(svg).not.toContain('<b>');
    const ids = [...svg.matchAll(/ id="([^"]+)"/g)].map((m) => m[1]);
    expect(ids.length).toBeGreaterThan(0);
    for (const id of ids) expect(id).toMatch(/^cm-/);
    expect(svg).toContain(`url(#${ids[0]})`);
  });

  it('detChart: log x axis, zero FA/h drawn at a floor and said so, operating point labelled', async () => {
    const points = [
      { threshold: 0.3, frr: 0.02, faPerHour: 40 },
      { threshold: 0.5, frr: 0.05, faPerHour: 3 },
      { threshold: 0.9, frr: 0.3, faPerHour: 0 },
    ];
    const svg = await detChart({ id: 'det', title: 'DET', points, operatingPoint: points[1], targetFaPerHour: 5 });
    const t = texts(svg);
    expect(t).toEqual(
      expect.arrayContaining([
        'false accepts per hour (log)',
        'false reject rate',
        'θ = 0.5',
        'dashed line: target 5 FA/h',
      ]),
    );
    expect(t).toContain('0 FA/h is drawn at 0.1');
    const noZero = await detChart({ id: 'det2', title: 'DET', points: points.slice(0, 2) });
    expect(texts(noZero).some((s) => s.includes('drawn at'))).toBe(false);
  });

  it('histogram: bars from binned values', async () => {
    const svg = await histogram({
      id: 'h',
      title: 'Latency',
      xTitle: 'ms',
      values: [1, 2, 2, 3, 3, 3, 10],
      maxBins: 10,
    });
    expect(svg).toContain('aria-roledescription="bar"');
    expect(texts(svg)).toEqual(expect.arrayContaining(['Latency', 'ms', 'count']));
  });

  it('stackedBarChart: one bar segment per category and group', async () => {
    const svg = await stackedBarChart({
      id: 'bars',
      title: 'Clips',
      bars: ['x', 'y'].flatMap((category) => ['train', 'test'].map((group) => ({ category, group, value: 3 }))),
      categoryOrder: ['x', 'y'],
      groupOrder: ['train', 'test'],
      yTitle: 'clips',
    });
    expect(svg.match(/aria-roledescription="bar"/g)).toHaveLength(4);
  });

  it('rejects an id prefix that is not an XML name', async () => {
    await expect(renderVegaLiteSvg({ mark: 'point', data: { values: [] } }, 'a b')).rejects.toThrow(RangeError);
  });

  it('same spec, same bytes (gradient counters are reset per chart)', async () => {
    const spec = { id: 'cm', title: 't', rows: ['a'], columns: ['a'], counts: [[1]], rowTitle: 'r', columnTitle: 'c' };
    const a = await heatmap(spec);
    await heatmap({ ...spec, id: 'other' });
    expect(await heatmap(spec)).toBe(a);
  });
});
