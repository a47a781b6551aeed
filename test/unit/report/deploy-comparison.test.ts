import { renderReportHtml } from '../../../src/report/render-html';
import { reportModelSchema, type ReportModel } from '../../../src/report/report-model';
import { fullModel } from './report-fixtures';

// Two deploys among the report's inputs (int8 and the 4-bit hybrid on the same board, issue #13):
// the Board section sets their measurements side by side, ratios against the first.
function deploy(
  stage: string,
  m: {
    weightBytes: number;
    modelFlashBytes: number;
    modelSramBytes: number;
    instructionsPerInference: number;
    instructionsPerMac: number;
    intAccuracy: number;
    boardAccuracy: number;
  },
) {
  return {
    stage,
    metrics: { ...m, bitExact: true },
    artifacts: [{ name: 'board', sha256: 'b'.repeat(64), bytes: 1, mediaType: 'application/json' }],
  };
}

function boardSectionOf(html: string): string {
  const at = html.indexOf('<section id="board">');
  return html.slice(at, html.indexOf('</section>', at));
}

describe('deploy comparison in the Board section', () => {
  it('shows flash, SRAM, instructions and accuracy of each deploy with ratios against the first', async () => {
    const m = fullModel();
    const model: ReportModel = {
      ...m,
      upstream: [
        ...m.upstream,
        deploy('deploy', {
          weightBytes: 22016,
          modelFlashBytes: 40000,
          modelSramBytes: 30000,
          instructionsPerInference: 5_000_000,
          instructionsPerMac: 1.9,
          intAccuracy: 0.931,
          boardAccuracy: 0.93,
        }),
        deploy('deploy-4bit', {
          weightBytes: 12672,
          modelFlashBytes: 26000,
          modelSramBytes: 31000,
          instructionsPerInference: 5_500_000,
          instructionsPerMac: 2.09,
          intAccuracy: 0.938,
          boardAccuracy: 0.94,
        }),
      ],
    };
    expect(reportModelSchema.safeParse(model).success).toBe(true);
    const section = boardSectionOf((await renderReportHtml(model)).html);
    expect(section).toContain('Deploys side by side');
    expect(section).toContain('<td>deploy-4bit</td>');
    expect(section).toContain('0.650×'); // 26000 / 40000 model flash
    expect(section).toContain('1.100×'); // instructions
    expect(section).toContain('93.8%');
    expect(section).toContain('2.09');
  });

  it('is absent with a single deploy', async () => {
    const m = fullModel();
    const model: ReportModel = {
      ...m,
      upstream: [
        ...m.upstream,
        deploy('deploy', {
          weightBytes: 1,
          modelFlashBytes: 1,
          modelSramBytes: 1,
          instructionsPerInference: 1,
          instructionsPerMac: 1,
          intAccuracy: 1,
          boardAccuracy: 1,
        }),
      ],
    };
    const section = boardSectionOf((await renderReportHtml(model)).html);
    expect(section).not.toContain('Deploys side by side');
  });
});
