import { clipSourcesFrom, type SourcesFile } from '../../../src/eval/clip-sources';
import { conditionBreakdown } from '../../../src/eval/condition-accuracy';
import { sourceBreakdown } from '../../../src/eval/source-accuracy';
import { renderReportHtml } from '../../../src/report/render-html';
import { evaluationSchema, reportModelSchema, type ReportModel } from '../../../src/report/report-model';
import { accuracyCell } from '../../../src/report/html';
import { fullModel } from './report-fixtures';

/**
 * The Conditions section from what the evaluate stage writes: the breakdown is computed by
 * src/eval (not hand-typed) and goes through the report's evaluation schema.
 *
 *   clip              heldOut  eff. SNR  quiet  background  float  int
 *   yes/a_nohash_0    voice    5         no     babble      wrong  right
 *   no/a_nohash_0     voice    25        no     pink        right  right
 *   yes/b_nohash_0    voice    40        yes    pink        right  right
 *   yes/f_nohash_0    engine   8         no     babble      wrong  wrong
 *   no/f_nohash_0     engine   35        yes    pink        right  wrong
 */

const [YES, NO] = [2, 3];
const conditions = (snr: number, background: string) => ({
  snrDb: snr,
  effectiveSnrDb: snr,
  quiet: snr > 30,
  background,
  augment: [],
});
const SOURCES: SourcesFile = {
  format: 1,
  engines: {},
  clips: {
    'yes/a_nohash_0.wav': { engine: 'pico', voice: 'a', heldOut: 'voice', conditions: conditions(5, 'babble') },
    'no/a_nohash_0.wav': { engine: 'pico', voice: 'a', heldOut: 'voice', conditions: conditions(25, 'pink') },
    'yes/b_nohash_0.wav': { engine: 'pico', voice: 'b', heldOut: 'voice', conditions: conditions(40, 'pink') },
    'yes/f_nohash_0.wav': { engine: 'flite', voice: 'kal', heldOut: 'engine', conditions: conditions(8, 'babble') },
    'no/f_nohash_0.wav': { engine: 'flite', voice: 'kal', heldOut: 'engine', conditions: conditions(35, 'pink') },
  },
};
const CLIPS = Object.keys(SOURCES.clips);
const TRUTH = [YES, NO, YES, YES, NO];
const FLOAT = [NO, NO, YES, NO, NO];
const INT = [YES, NO, YES, NO, YES];

function withConditions(): ReportModel {
  const m = fullModel();
  const sources = clipSourcesFrom('sources.json', SOURCES);
  const input = { clips: CLIPS, truth: TRUTH, predicted: FLOAT, intPredicted: INT, sources };
  const evaluation = evaluationSchema.parse({
    ...m.evaluation,
    sources: { ...sourceBreakdown({ ...input, numClasses: 4 }), engines: {}, dataStage: 'data' },
    conditions: conditionBreakdown({ ...input, edgesDb: [10, 20, 30] }),
  });
  return { ...m, evaluation };
}

function sectionOf(html: string, id: string): string {
  const at = html.indexOf(`<section id="${id}"`);
  return at < 0 ? '' : html.slice(at, html.indexOf('</section>', at));
}

describe('conditions section', () => {
  it('tabulates accuracy per effective-SNR band, quiet and background for every set, with a chart', async () => {
    const model = withConditions();
    expect(reportModelSchema.safeParse(model).success).toBe(true);
    const r = await renderReportHtml(model);
    expect(r.sectionIds.indexOf('conditions')).toBe(r.sectionIds.indexOf('sources') + 1);
    const s = sectionOf(r.html, 'conditions');
    expect(s.split('<svg').length - 1).toBe(1);
    expect(s).toContain('Accuracy by effective SNR (float model)');
    const num = (x: string | number) => `<td class="num">${x}</td>`;
    // < 10 dB: all 2 clips (float 0 %, int 50 %); held-out voices 1 clip (0 %, 100 %); held-out engines 1 (0 %, 0 %).
    expect(s).toContain(
      `<td>&lt; 10 dB</td>${num(2)}${num('0% ±65.8')}${num('50% ±40.5')}${num(1)}${num('0% ±79.3')}${num('100% ±79.3')}${num(1)}${num('0% ±79.3')}${num('0% ±79.3')}`,
    );
    // 10–20 dB: no clip in any set → not a row.
    expect(s).not.toContain('10–20 dB');
    // 20–30 dB: only a held-out voice; the held-out engines have no clip there (0, empty cells).
    expect(s).toContain(
      `<td>20–30 dB</td>${num(1)}${num('100% ±79.3')}${num('100% ±79.3')}${num(1)}${num('100% ±79.3')}${num('100% ±79.3')}${num(0)}${num('—')}${num('—')}`,
    );
    expect(s).toContain('<th>effective SNR</th><th class="num">all test clips: clips</th>');
    expect(s).toContain('<td>quiet (near-silent floor)</td>');
    expect(s).toMatch(
      /<td>pink<\/td><td class="num">3<\/td><td class="num">100% ±56.2<\/td><td class="num">66.7% ±45.9<\/td>/,
    );
  });

  it('is listed as missing for a per-source evaluation without conditions, and left out otherwise', async () => {
    const m = withConditions();
    const { conditions: _, ...rest } = m.evaluation!;
    const r = await renderReportHtml({ ...m, evaluation: rest });
    expect(r.sectionIds).not.toContain('conditions');
    expect(r.html).toContain('<section id="conditions" class="missing"><h2>Conditions</h2>');
    // An evaluation without per-source results (e.g. anomaly detection): no Conditions line at all.
    expect((await renderReportHtml(fullModel())).html).not.toContain('id="conditions"');
  });

  it('shows accuracy with the larger distance to its 95 % Wilson bounds in points', () => {
    expect(accuracyCell(0.5, 100)).toBe('50% ±9.6');
    expect(accuracyCell(0.9, 400)).toBe('90% ±3.3');
    // Not ±0 at 100 %: seven right of seven still allows 64.6 %.
    expect(accuracyCell(1, 7)).toBe('100% ±35.4');
  });
});
