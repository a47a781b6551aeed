import { renderReportHtml } from '../../../src/report/render-html';
import { reportModelSchema, type ReportModel } from '../../../src/report/report-model';
import { binCounts } from '../../../src/report/sections/anomaly-section';
import { emptyModel } from './report-fixtures';

/** An evaluate-ad `evaluation` artifact as the stage writes it (two IDs, baseline, integer model). */
function adModel(): ReportModel {
  const id = (idName: string, normal: number[], anomalous: number[], threshold: number | null) => ({
    type: 'fan',
    id: idName,
    auc: 0.75,
    pauc: 0.5,
    normals: normal.length,
    anomalies: anomalous.length,
    normalScores: normal,
    anomalousScores: anomalous,
    roc: [
      { fpr: 0, tpr: 0 },
      { fpr: 0, tpr: 0.5 },
      { fpr: 0.5, tpr: 1 },
      { fpr: 1, tpr: 1 },
    ],
    threshold,
    tpr: 0.5,
    fpr: 0.25,
  });
  const evaluation = {
    task: 'anomaly-detection',
    score: 'embedding-mahalanobis',
    p: 0.1,
    falseAlarmRate: 0.1,
    auc: 0.75,
    pauc: 0.5,
    types: [{ type: 'fan', auc: 0.75, pauc: 0.5 }],
    ids: [id('id_00', [1, 2, 3, 4], [3.5, 9], 3.2), id('id_01', [0, 1], [2, 5], null)],
    baseline: { auc: 0.6, pauc: 0.2, ids: [{ type: 'fan', id: 'id_00', auc: 0.625, pauc: 0.2 }] },
    intModel: { auc: 0.74, pauc: 0.5 },
    clips: [],
  };
  return { ...emptyModel(), evaluation: reportModelSchema.shape.evaluation.parse(evaluation) } as ReportModel;
}

describe('anomaly-detection report section', () => {
  it('counts scores into equal bins, the top edge in the last bin', () => {
    expect(binCounts([0, 0.5, 1, 2, 2], 0, 2, 4)).toEqual([1, 1, 1, 2]);
    expect(binCounts([3, 3], 3, 3, 4)).toEqual([2, 0, 0, 0]);
  });

  it('renders the per-ID table with baseline, thresholds and rates, one ROC and one score histogram per ID', async () => {
    const model = adModel();
    expect(reportModelSchema.safeParse(model).success).toBe(true);
    const r = await renderReportHtml(model);
    expect(r.sectionIds).toContain('anomaly-detection');
    const start = r.html.indexOf('<section id="anomaly-detection">');
    const section = r.html.slice(start, r.html.indexOf('</section>', start));
    expect(section).toContain('<b>AUC 75.0%</b>');
    expect(section).toContain('FC-autoencoder baseline AUC 60.0%');
    expect(section).toContain('integer model AUC 74.0%');
    expect(section).toContain(
      '<td>id_00</td><td>75.0%</td><td>50.0%</td><td>62.5%</td><td>3.200</td><td>50.0%</td><td>25.0%</td><td>4 / 2</td>',
    );
    expect(section).toContain('<td>id_01</td><td>75.0%</td><td>50.0%</td><td>-</td><td>−∞</td>');
    expect(section.split('<svg').length - 1).toBe(4);
    expect(section).toContain('ROC fan/id_00');
    expect(section).toContain('Clip scores fan/id_01');
  });

  it('is absent for a keyword-spotting evaluation', async () => {
    const r = await renderReportHtml(emptyModel());
    expect(r.sectionIds).not.toContain('anomaly-detection');
  });
});
