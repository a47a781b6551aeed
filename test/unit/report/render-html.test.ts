import { renderReportHtml } from '../../../src/report/render-html';
import type { ReportModel } from '../../../src/report/report-model';
import { emptyModel, fullModel } from './report-fixtures';

const ALL_SECTIONS = [
  'run',
  'stages',
  'dataset',
  'features',
  'training',
  'events',
  'classification',
  'latency',
  'board',
];

/** `<section id="x">` (present) vs `<section id="x" class="missing">`. */
function sectionState(html: string, id: string): 'present' | 'missing' | 'absent' {
  if (html.includes(`<section id="${id}">`)) return 'present';
  if (html.includes(`<section id="${id}" class="missing">`)) return 'missing';
  return 'absent';
}

function countOf(html: string, needle: string): number {
  return html.split(needle).length - 1;
}

/** A copy of the model with every occurrence of a JSON string value replaced (labels everywhere). */
function replaceString(model: ReportModel, from: string, to: string): ReportModel {
  return JSON.parse(JSON.stringify(model).split(JSON.stringify(from)).join(JSON.stringify(to))) as ReportModel;
}

describe('renderReportHtml', () => {
  let full: string;
  beforeAll(async () => {
    full = (await renderReportHtml(fullModel())).html;
  });

  it('shows every section, in report order, when every input exists', async () => {
    const r = await renderReportHtml(fullModel());
    expect(r.sectionIds).toEqual(ALL_SECTIONS);
    expect(r.sections).toBe(9);
    for (const id of ALL_SECTIONS) expect(sectionState(full, id)).toBe('present');
    // dataset balance, loss, accuracy, DET, event confusion, clip confusion, 2 latency histograms
    expect(countOf(full, '<svg')).toBe(8);
    expect(full).toContain('<title>kws report</title>');
    expect(full).toContain('stm32f746zg');
    expect(full).toContain('187,392 B (183.0 KiB)');
    expect(full).toContain('DET curve');
    expect(full).toContain('<th scope="row">MACs per inference</th><td>2,660,000</td>');
    expect(full).toContain('<th scope="row">test clips</th><td>372</td>');
  });

  it('with no inputs: only the run section, the rest listed as not run, no charts', async () => {
    const r = await renderReportHtml(emptyModel());
    expect(r.sectionIds).toEqual(['run']);
    for (const id of ALL_SECTIONS.slice(1)) expect(sectionState(r.html, id)).toBe('missing');
    expect(countOf(r.html, 'not run in this pipeline')).toBe(8); // 7 before the Sources section
    expect(r.html).not.toContain('<svg');
    expect(r.html).not.toContain('class="tiles"');
  });

  const only: Array<[string, (m: ReportModel) => Partial<ReportModel>, string[]]> = [
    ['dataset', (m) => ({ dataset: m.dataset }), ['run', 'dataset']],
    ['features', (m) => ({ features: m.features }), ['run', 'features']],
    ['history', (m) => ({ history: m.history }), ['run', 'training']],
    ['evaluation', (m) => ({ evaluation: m.evaluation }), ['run', 'events', 'classification', 'latency']],
    [
      'evaluation without events',
      (m) => ({ evaluation: { accuracy: 0.5, confusion: m.evaluation!.confusion } }),
      ['run', 'classification'],
    ],
    ['evaluation with events only', (m) => ({ evaluation: { events: m.evaluation!.events } }), ['run', 'events']],
    ['board', (m) => ({ board: m.board }), ['run', 'latency', 'board']],
    ['board without samples', (m) => ({ board: { ...m.board, latencySamplesMs: undefined } }), ['run', 'board']],
    ['upstream stages', (m) => ({ upstream: m.upstream }), ['run', 'stages']],
  ];
  it.each(only)('with only %s: exactly its sections', async (_name, pick, expected) => {
    const model = { ...emptyModel(), ...pick(fullModel()) };
    const r = await renderReportHtml(model);
    expect(r.sectionIds).toEqual(expected);
    for (const id of ALL_SECTIONS) expect(sectionState(r.html, id)).toBe(expected.includes(id) ? 'present' : 'missing');
  });

  it('says why a section is empty when its artifact exists but lacks the part', async () => {
    const m = fullModel();
    const r = await renderReportHtml({ ...emptyModel(), evaluation: { accuracy: m.evaluation!.accuracy } });
    expect(r.html).toContain('the evaluation has no stream (event) results');
    expect(r.html).toContain('no per-detection or per-inference latencies in the inputs');
  });

  it('escapes text from the data everywhere: labels, titles, stage names, metric keys', async () => {
    const evil = '<script>alert("x")</script>';
    let model = replaceString(fullModel(), 'yes', evil);
    model = replaceString(model, 'data', `<img src=x onerror=alert(1)>`);
    model = {
      ...model,
      run: { ...model.run, title: `<b>report</b> & "co"` },
      upstream: [...model.upstream, { stage: 'x', metrics: { [`<i>k</i>`]: `<u>v</u>` }, artifacts: [] }],
      notes: ['<em>note</em>'],
    };
    const html = (await renderReportHtml(model)).html;
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/<(img|b|i|u|em)[\s>]/i);
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    expect(html).toContain('<title>&lt;b&gt;report&lt;/b&gt; &amp; &quot;co&quot;</title>');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(html).toContain('&lt;i&gt;k&lt;/i&gt;');
  });

  it('is deterministic: same model, same bytes, whatever was rendered in between', async () => {
    const a = (await renderReportHtml(fullModel())).html;
    await renderReportHtml({ ...emptyModel(), board: fullModel().board });
    const b = (await renderReportHtml(fullModel())).html;
    expect(b).toBe(a);
    expect(a).toBe(full);
  });

  it('has no clock in it unless the model carries a time', async () => {
    expect(full).not.toMatch(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/);
    const m = fullModel();
    const stamped = (await renderReportHtml({ ...m, run: { ...m.run, generatedAt: '2025-01-02T03:04:05Z' } })).html;
    expect(stamped).toContain('2025-01-02T03:04:05Z');
  });

  it('is self-contained: no scripts, no external resources, no URLs except SVG namespaces', () => {
    expect(full).not.toMatch(/<script/i);
    expect(full).not.toMatch(/<link\b/i);
    expect(full).not.toMatch(/<img\b/i);
    expect(full).not.toMatch(/@import/i);
    expect(full).not.toMatch(/\b(src|href)\s*=\s*["']?\s*(https?:)?\/\//i);
    expect(full).not.toMatch(/url\((?!#)/);
    // Every href is an in-page anchor.
    for (const m of full.matchAll(/href="([^"]*)"/g)) expect(m[1]).toMatch(/^#/);
    const withoutNamespaces = full.replace(/xmlns(:xlink)?="http:\/\/www\.w3\.org\/[^"]*"/g, '');
    expect(withoutNamespaces).not.toMatch(/https?:/);
  });

  it('gives every element id once, so each chart references its own gradient', () => {
    const ids = [...full.matchAll(/ id="([^"]+)"/g)].map((m) => m[1]);
    expect(ids.length).toBeGreaterThan(9);
    expect(new Set(ids).size).toBe(ids.length);
    for (const m of full.matchAll(/url\(#([^)]+)\)/g)) expect(ids).toContain(m[1]);
  });

  it('includes the threshold table only when asked', async () => {
    expect(full).toContain('All 95 thresholds');
    const m = fullModel();
    const html = (await renderReportHtml({ ...m, options: { thresholdTable: false } })).html;
    expect(html).not.toContain('<details>');
    expect(sectionState(html, 'events')).toBe('present');
  });

  it('shows the per-keyword thresholds beside the single θ when the evaluation has them', async () => {
    expect(full).not.toContain('Per-keyword thresholds');
    const m = fullModel();
    const perKeyword = {
      lambda: 1.5,
      pooledFaPrior: 4,
      thresholds: { yes: 0.965, no: 0.98 },
      targetFaPerHour: 2,
      scoredConstraintMet: false,
      reason: 'λ = 1.5: lowest tuning FRR',
      tuning: { frr: 0.25, faPerHour: 2 },
      scored: { frr: 0.5, faPerHour: 6 },
      frrByKeyword: { tuning: { yes: 0.2, no: 0.3 }, scored: { yes: 0.4, no: 0.6 } },
    };
    const html = (await renderReportHtml({ ...m, evaluation: { ...m.evaluation!, perKeyword } })).html;
    expect(html).toContain('<caption>Per-keyword thresholds (reported beside the single-θ operating point)</caption>');
    expect(html).toContain('scored FRR 50% at 6 FA/h — target 2 FA/h NOT met on the scored streams');
    expect(html).toContain('<td>no</td><td class="num">0.98</td><td class="num">30%</td><td class="num">60%</td>');
  });

  it('shows notes about how inputs were chosen', async () => {
    const html = (await renderReportHtml({ ...emptyModel(), notes: ['2 inputs have a `history` artifact'] })).html;
    expect(html).toContain('<ul class="notes"><li>2 inputs have a `history` artifact</li></ul>');
  });
});
