import { renderReportHtml } from '../../../src/report/render-html';
import { reportModelSchema, type ReportModel } from '../../../src/report/report-model';
import { fullModel } from './report-fixtures';

/** The training section of a `weightAveraging:` run says the exported model is the average. */
function averaged(): ReportModel {
  const m = fullModel();
  return {
    ...m,
    history: {
      ...m.history!,
      weightAveraging: { fromEpoch: 21, every: 'step', snapshots: 1430, valLoss: 0.31, valAccuracy: 0.9123 },
    },
  };
}

function trainingSection(html: string): string {
  const start = html.indexOf('<section id="training">');
  return html.slice(start, html.indexOf('</section>', start));
}

describe('training section', () => {
  it('with weight averaging: names the averaged model as the exported one and gives its validation accuracy', async () => {
    const model = averaged();
    expect(reportModelSchema.safeParse(model).success).toBe(true);
    const section = trainingSection((await renderReportHtml(model)).html);
    expect(section).toContain('weight average over epochs 21–30 (1430 steps), BatchNorm statistics recomputed');
    expect(section).toContain('averaged: validation accuracy');
    expect(section).toContain('91.2');
    expect(section).toContain('best (epoch 22)');
  });

  it('without it: no averaging rows', async () => {
    const section = trainingSection((await renderReportHtml(fullModel())).html);
    expect(section).toContain('best (epoch 22)');
    expect(section).not.toContain('averaged');
  });
});
