import { decide } from '../../../src/promotion/decide';
import { promotionSchema } from '../../../src/promotion/promotion-config';

describe('champion / challenger rules', () => {
  const promotion = promotionSchema.parse({
    model: 'quantize',
    rules: [
      { metric: 'evaluate.accuracy', better: 'higher', by: 0.005 },
      { metric: 'evaluate.eventFrr', better: 'lower' },
      { metric: 'deploy.bitExact', equals: true },
    ],
  });
  const champion = { 'evaluate.accuracy': 0.9, 'evaluate.eventFrr': 0.2, 'deploy.bitExact': true };

  it('promotes the first model when its own checks hold', () => {
    const d = decide(promotion, champion, undefined);
    expect(d.promoted).toBe(true);
    expect(d.outcomes[0]!.detail).toBe('challenger 0.9000; no champion yet');
  });

  it('promotes a challenger that improves accuracy by at least `by` and does not raise FRR (ties pass)', () => {
    const d = decide(promotion, { ...champion, 'evaluate.accuracy': 0.905 }, champion);
    expect(d.outcomes.map((o) => o.passed)).toEqual([true, true, true]);
    expect(d.promoted).toBe(true);
  });

  it.each([
    ['too small a gain', { 'evaluate.accuracy': 0.904 }, [false, true, true]],
    ['a higher FRR', { 'evaluate.accuracy': 0.95, 'evaluate.eventFrr': 0.21 }, [true, false, true]],
    ['not bit-exact on the board', { 'evaluate.accuracy': 0.95, 'deploy.bitExact': false }, [true, true, false]],
  ])('keeps the champion on %s', (_what, change, passed) => {
    const d = decide(promotion, { ...champion, ...change }, champion);
    expect(d.outcomes.map((o) => o.passed)).toEqual(passed);
    expect(d.promoted).toBe(false);
  });

  it('a missing metric fails its rule, naming it', () => {
    const d = decide(promotion, { 'evaluate.accuracy': 0.99, 'deploy.bitExact': true }, champion);
    expect(d.promoted).toBe(false);
    expect(d.outcomes[1]!.detail).toBe('the run has no metric evaluate.eventFrr');
  });

  it('a negative `by` tolerates that much regression', () => {
    const lax = promotionSchema.parse({
      model: 'train',
      rules: [{ metric: 'evaluate.accuracy', better: 'higher', by: -0.01 }],
    });
    expect(decide(lax, { 'evaluate.accuracy': 0.891 }, champion).promoted).toBe(true);
    expect(decide(lax, { 'evaluate.accuracy': 0.889 }, champion).promoted).toBe(false);
  });
});
