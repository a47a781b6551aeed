import { renderReportHtml } from '../../../src/report/render-html';
import { reportModelSchema, type ReportModel } from '../../../src/report/report-model';
import { fullModel } from './report-fixtures';

const costs = (flashBytes: number, sramBytes: number, latencyMs: number) => ({
  flashBytes,
  sramBytes,
  latencyMs,
  macs: 1.2e6,
  params: 20000,
});
const arch = (c: number) => ({ firstConv: { filters: c }, blocks: [{ filters: c }, { filters: 16 }] });

function withDnas(): ReportModel {
  const m = fullModel();
  return {
    ...m,
    board: { ...m.board, flashBytes: 100_000, sramBytes: 50_000, estimatedLatencyMs: 20 },
    dnas: {
      board: 'stm32f446re',
      budgets: { flashBytes: 471_859, sramBytes: 117_964, latencyMs: 50 },
      presets: [
        { name: 'ds-cnn-s', costs: costs(93_000, 53_000, 14), overshoots: [] },
        {
          name: 'ds-cnn-m',
          costs: costs(260_000, 90_000, 70),
          overshoots: ['latency: needs 70.00 ms, budget 50 ms (+20.00 ms, +40.0%)'],
        },
      ],
      epochs: [1, 2, 3].map((epoch) => ({
        epoch,
        loss: 1 / epoch,
        accuracy: 0.3 * epoch,
        valAccuracy: 0.25 * epoch,
        archPhase: epoch > 1,
        expected: { flashBytes: 120_000, sramBytes: 60_000, latencyMs: 30 - epoch },
        multipliers: { flash: 1, sram: 1, latency: epoch },
        derived: { architecture: arch(8 * (epoch + 1)), costs: costs(101_000, 51_000, 21) },
      })),
      predicted: costs(101_000, 51_000, 21),
      architecture: arch(32),
    },
  };
}

describe('dnas report section', () => {
  it('shows predicted vs measured with the estimator error, the trace, the candidates and the presets', async () => {
    const model = withDnas();
    expect(reportModelSchema.safeParse(model).success).toBe(true);
    const r = await renderReportHtml(model);
    expect(r.sectionIds).toContain('dnas');
    const at = r.html.indexOf('<section id="dnas">');
    const section = r.html.slice(at, r.html.indexOf('</section>', at));
    expect(section).toContain('+1%'); // flash 101,000 vs 100,000
    expect(section).toContain('+2%'); // SRAM 51,000 vs 50,000
    expect(section).toContain('+5%'); // latency 21 vs 20 ms
    expect(section.split('<svg').length - 1).toBe(2); // trace + candidates
    expect(section).toContain('32 | 32, 16');
    expect(section).toContain('latency: needs 70.00 ms');
  });

  it('is left out when no dnas stage ran', async () => {
    const r = await renderReportHtml(fullModel());
    expect(r.sectionIds).not.toContain('dnas');
  });
});
