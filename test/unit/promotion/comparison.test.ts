import { compareMetrics, renderComparisonHtml } from '../../../src/promotion/comparison';
import { decide } from '../../../src/promotion/decide';
import { promotionSchema } from '../../../src/promotion/promotion-config';

describe('challenger vs champion comparison', () => {
  const promotion = promotionSchema.parse({
    model: 'train',
    rules: [
      { metric: 'evaluate.eventFrr', better: 'lower' },
      { metric: 'evaluate.accuracy', better: 'higher', by: 0.01 },
    ],
  });
  const champion = {
    'evaluate.accuracy': 0.9,
    'evaluate.eventFrr': 0.2,
    'train.epochs': 30,
    'deploy.board': 'stm32f746zg',
  };
  const challenger = {
    'evaluate.accuracy': 0.905,
    'evaluate.eventFrr': 0.1,
    'train.epochs': 40,
    'train.valAccuracy': 0.85,
  };

  it('lists rule metrics first in rule order, then every other metric of either run, with deltas', () => {
    const d = decide(promotion, challenger, champion);
    const rows = compareMetrics(promotion, d.outcomes, challenger, champion);
    expect(rows.map((r) => r.metric)).toEqual([
      'evaluate.eventFrr',
      'evaluate.accuracy',
      'deploy.board',
      'train.epochs',
      'train.valAccuracy',
    ]);
    expect(rows[0]).toMatchObject({ champion: 0.2, challenger: 0.1, passed: true });
    expect(rows[0]?.delta).toBeCloseTo(-0.1, 12);
    expect(rows[1]).toMatchObject({ passed: false, rule: 'evaluate.accuracy ≥ champion + 0.01' });
    expect(rows[2]).toMatchObject({ champion: 'stm32f746zg', challenger: null, delta: null });
    expect(rows[4]).toMatchObject({ champion: null, challenger: 0.85, delta: null });
    expect(rows[3]).not.toHaveProperty('rule');
  });

  it('renders a page that names both runs and the verdict, escaping text', () => {
    const d = decide(promotion, challenger, champion);
    const html = renderComparisonHtml({
      pipeline: 'kws<x>',
      runId: 'r2',
      championRunId: 'r1',
      promoted: d.promoted,
      rows: compareMetrics(promotion, d.outcomes, challenger, champion),
    });
    expect(html).toContain('<h1>kws&lt;x&gt;: challenger r2 vs champion r1</h1>');
    expect(html).toContain('Run r2 was not promoted; the champion stays r1.');
    expect(html).toContain('<td class="num">+10</td>'); // train.epochs 40 vs 30
  });

  it('without a champion every champion cell is empty and the run is the first champion', () => {
    const d = decide(promotion, challenger, undefined);
    const html = renderComparisonHtml({
      pipeline: 'kws',
      runId: 'r1',
      championRunId: null,
      promoted: d.promoted,
      rows: compareMetrics(promotion, d.outcomes, challenger, undefined),
    });
    expect(d.promoted).toBe(true);
    expect(html).toContain('Run r1 is the new champion of kws (the first champion).');
  });
});
