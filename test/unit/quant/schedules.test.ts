import { ZodError } from 'zod';
import { parseSchedule, scheduleFormula, scheduleValue, SCHEDULE_TYPES } from '../../../src/quant/schedules';
import { StageInputError } from '../../../src/errors';

// Thesis ch. 4, Table 4.2.1, with T = t_final = 100 and the table's default parameters
// (d = 0.01 / 0.001, rate = 0.8, step = 10); "middle" is t = 50 unless noted.
describe('schedule functions (Table 4.2.1)', () => {
  // [config, t, expected S(t) after clamping to [0, 1]]
  const cases: Array<[object, number, number]> = [
    [{ type: 'none' }, 0, 1],
    [{ type: 'none' }, 50, 1],
    // linear (t − 1)/(T − 1): t = 0 → −1/99 < 0, clamped to 0; t = 1 → 0
    [{ type: 'linear' }, 0, 0],
    [{ type: 'linear' }, 1, 0],
    [{ type: 'linear' }, 50, 49 / 99], // ≈ 0.494949
    [{ type: 'linear' }, 100, 1], // 99/99
    // 2-polynomial (t² − 1)/(T² − 1)
    [{ type: '2-polynomial' }, 0, 0], // −1/9999 → clamped 0
    [{ type: '2-polynomial' }, 50, 2499 / 9999], // (2500 − 1)/(10000 − 1) ≈ 0.249925
    [{ type: '2-polynomial' }, 100, 1],
    // N-polynomial (t/T)^N, default N = 3 (tinyops choice), and N = 2
    [{ type: 'n-polynomial' }, 0, 0],
    [{ type: 'n-polynomial' }, 50, 0.125], // 0.5³
    [{ type: 'n-polynomial' }, 100, 1],
    [{ type: 'n-polynomial', power: 2 }, 50, 0.25], // 0.5²
    // inverse linear 1/(1 + 1/(d·t)), d = 0.01
    [{ type: 'inverse-linear' }, 0, 0], // 1/(1 + ∞) = 0
    [{ type: 'inverse-linear' }, 50, 1 / 3], // d·t = 0.5 → 1/(1 + 2)
    [{ type: 'inverse-linear' }, 100, 0.5], // d·t = 1 → 1/(1 + 1)
    // inverse polynomial 1/(1 + 1/(d·t²)), d = 0.001
    [{ type: 'inverse-polynomial' }, 0, 0],
    [{ type: 'inverse-polynomial' }, 50, 5 / 7], // d·t² = 2.5 → 1/(1 + 0.4) = 5/7
    [{ type: 'inverse-polynomial' }, 100, 10 / 11], // d·t² = 10 → 1/(1 + 0.1)
    // step-based linear ⌊t/step⌋ / ⌊T/step⌋, step = 10
    [{ type: 'step-linear' }, 0, 0],
    [{ type: 'step-linear' }, 55, 0.5], // 5/10
    [{ type: 'step-linear' }, 59, 0.5], // still 5/10
    [{ type: 'step-linear' }, 60, 0.6], // 6/10
    [{ type: 'step-linear' }, 100, 1], // 10/10
    // step-based inverse: 1/(scale·rate^⌊t/10⌋), scale = 1/0.8^10 → 0.8^(10 − ⌊t/10⌋)
    [{ type: 'step-inverse' }, 0, 0.1073741824], // 0.8^10
    [{ type: 'step-inverse' }, 50, 0.32768], // 0.8^5
    [{ type: 'step-inverse' }, 100, 1], // 0.8^0
    // step-based bounded 1 − rate^⌊t/step⌋
    [{ type: 'step-bounded' }, 0, 0], // 1 − 0.8^0
    [{ type: 'step-bounded' }, 50, 0.67232], // 1 − 0.8^5 = 1 − 0.32768
    [{ type: 'step-bounded' }, 100, 0.8926258176], // 1 − 0.8^10
    [{ type: 'step-bounded', rate: 0.5, step: 25 }, 50, 0.75], // 1 − 0.5^2
  ];
  it.each(cases)('%j at t = %p is %p', (config, t, expected) => {
    expect(scheduleValue(parseSchedule(config), t, 100)).toBeCloseTo(expected, 12);
  });

  it('formula is verbatim (unclamped) and the clamp only acts outside [1, T]', () => {
    expect(scheduleFormula(parseSchedule({ type: 'linear' }), 0, 100)).toBeCloseTo(-1 / 99, 15);
    expect(scheduleFormula(parseSchedule({ type: '2-polynomial' }), 0, 100)).toBeCloseTo(-1 / 9999, 15);
    // step-inverse beyond T: 0.8^(10 − 11) = 1.25 → clamped to 1
    expect(scheduleFormula(parseSchedule({ type: 'step-inverse' }), 110, 100)).toBeCloseTo(1.25, 12);
    expect(scheduleValue(parseSchedule({ type: 'step-inverse' }), 110, 100)).toBe(1);
  });

  it('Fig. 4.2.4 values at t_final = 350: inverse linear 1/(1 + 1/3.5) = 7/9', () => {
    expect(scheduleValue(parseSchedule({ type: 'inverse-linear' }), 350, 350)).toBeCloseTo(7 / 9, 12);
  });

  it.each(SCHEDULE_TYPES)('%s satisfies the §4.2.3 properties on t = 1..350', (type) => {
    const c = parseSchedule({ type });
    let prev = -Infinity;
    for (let t = 1; t <= 350; t++) {
      const s = scheduleFormula(c, t, 350);
      expect(s).toBeGreaterThanOrEqual(0);
      expect(s).toBeLessThanOrEqual(1);
      expect(s).toBeGreaterThanOrEqual(prev); // S' ≥ 0
      prev = s;
    }
  });

  it('fills the thesis defaults', () => {
    expect(parseSchedule({ type: 'inverse-linear' })).toEqual({ type: 'inverse-linear', d: 0.01 });
    expect(parseSchedule({ type: 'inverse-polynomial' })).toEqual({ type: 'inverse-polynomial', d: 0.001 });
    expect(parseSchedule({ type: 'step-bounded' })).toEqual({ type: 'step-bounded', step: 10, rate: 0.8 });
    expect(parseSchedule({ type: 'step-inverse' })).toEqual({ type: 'step-inverse', step: 10, rate: 0.8 });
    expect(parseSchedule({ type: 'step-linear' })).toEqual({ type: 'step-linear', step: 10 });
  });

  it('is strict and validates parameters', () => {
    expect(() => parseSchedule({ type: 'linear', d: 0.1 })).toThrow(ZodError);
    expect(() => parseSchedule({ type: 'cosine' })).toThrow(ZodError);
    expect(() => parseSchedule({ type: 'step-bounded', rate: 1 })).toThrow(ZodError);
    expect(() => parseSchedule({ type: 'step-linear', step: 0 })).toThrow(ZodError);
  });

  it('rejects impossible times', () => {
    const lin = parseSchedule({ type: 'linear' });
    expect(() => scheduleValue(lin, -1, 10)).toThrow(StageInputError);
    expect(() => scheduleValue(lin, 1, 0)).toThrow(StageInputError);
    expect(scheduleValue(lin, 1, 1)).toBe(1); // T = 1: the only epoch is the final one
    expect(() => scheduleValue(parseSchedule({ type: 'step-linear' }), 3, 5)).toThrow(StageInputError);
  });
});
