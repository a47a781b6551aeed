import { renderReportHtml } from '../../../src/report/render-html';
import { reportModelSchema, type ReportModel } from '../../../src/report/report-model';
import { emptyModel, fullModel } from './report-fixtures';

/** A history of a quantized run (linear S(t), QAT from epoch 3) and 4-bit/8-bit histograms. */
function quantized(): ReportModel {
  const m = fullModel();
  const epochs = m.history!.epochs.slice(0, 5).map((e, i) => ({
    ...e,
    quant: { schedule: i / 4, regLoss: 0.01 * i, gridDistance: 0.03 - 0.005 * i, qat: i >= 2 },
  }));
  const bins = (peak: number) =>
    Array.from({ length: 64 }, (_, i) => Math.round(100 * Math.exp(-(((i - peak) / 6) ** 2))));
  return {
    ...m,
    history: { ...m.history!, epochs },
    weightHistograms: {
      bins: 64,
      range: [-1, 1],
      layers: {
        conv0: { bits: 8, regularized: false, before: bins(32), after: bins(30) },
        dense: { bits: 4, regularized: true, before: bins(32), after: bins(20) },
      },
    },
    sources: { ...m.sources, weightHistograms: 'train' },
  };
}

describe('quantization section', () => {
  it('is validated by the report model schema and plots S(t), the penalty and one histogram per layer', async () => {
    const model = quantized();
    expect(reportModelSchema.safeParse(model).success).toBe(true);
    const r = await renderReportHtml(model);
    expect(r.sectionIds).toContain('quantization');
    expect(r.sectionIds.indexOf('quantization')).toBe(r.sectionIds.indexOf('training') + 1);
    const section = r.html.slice(
      r.html.indexOf('<section id="quantization">'),
      r.html.indexOf('</section>', r.html.indexOf('<section id="quantization">')),
    );
    expect(section.split('<svg').length - 1).toBe(4); // S(t), penalty, 2 histograms
    expect(section).toContain('Regularization schedule S(t)');
    expect(section).toContain('QAT from epoch 3');
    expect(section).toContain('dense: 4-bit, regularized');
    expect(section).toContain('conv0: 8-bit');
  });

  it('takes S(t) from the fine-tuning stage that made the histograms and compares the integer models', async () => {
    const q = quantized();
    const float = fullModel();
    const intModel = (stage: string, weightBytes: number, intAccuracy: number) => ({
      stage,
      metrics: {
        weightBytes,
        int8WeightBytes: 22016,
        intAccuracy,
        rangeSource: weightBytes === 22016 ? 'calibration' : 'qat',
      },
      artifacts: [{ name: 'int-model', sha256: 'a'.repeat(64), bytes: 1, mediaType: 'application/json' }],
    });
    const model: ReportModel = {
      ...q,
      history: float.history, // the float train stage's curves
      quantHistory: q.history, // the QAT fine-tuning stage's
      upstream: [...q.upstream, intModel('quantize', 22016, 0.8944), intModel('quantize-4bit', 12672, 0.8889)],
    };
    expect(reportModelSchema.safeParse(model).success).toBe(true);
    const r = await renderReportHtml(model);
    const section = r.html.slice(
      r.html.indexOf('<section id="quantization">'),
      r.html.indexOf('</section>', r.html.indexOf('<section id="quantization">')),
    );
    expect(section).toContain('QAT from epoch 3');
    expect(section).toContain(
      '<td>quantize-4bit</td><td class="num">12,672</td><td class="num">-42.4%</td><td class="num">88.9%</td><td class="num">-0.5 pts</td>',
    );
    expect(section).toContain('vs quantize');
  });

  it('is left out entirely (not listed as missing) for a float training run', async () => {
    const full = await renderReportHtml(fullModel());
    expect(full.html).not.toContain('id="quantization"');
    const empty = await renderReportHtml(emptyModel());
    expect(empty.html).not.toContain('id="quantization"');
  });
});
