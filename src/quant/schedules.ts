/**
 * Schedule functions S(t) for regularized quantization: thesis ch. 4, §4.2.3, Table 4.2.1
 * ("Schedule functions for regularization"), used as Reg(W, t) = Reg(W)·S(t) (Eq. 4.8).
 *
 * t is the current epoch (or step) and T = t_final the total. As in the thesis, t counts
 * from 1: the properties required of S are S(1) ≈ 0 and ≥ 0, S(t_final) ≤ 1, S' ≥ 0.
 * `scheduleFormula` evaluates the table's formulas verbatim; `scheduleValue` clamps them to
 * [0, 1], which enforces those properties for t outside [1, T] (e.g. t = 0, where the
 * linear and 2-polynomial formulas are negative) and changes no value with 1 ≤ t ≤ T.
 *
 * Defaults (Table 4.2.1 caption): d = 0.01 (inverse linear), d = 0.001 (inverse
 * polynomial), rate = 0.8, step = 10. The table gives no default exponent for the
 * N-polynomial schedule; tinyops uses 3 (the first exponent not already covered by the
 * separate 2-polynomial entry).
 */
import { z } from 'zod';
import { StageInputError } from '../errors';

const rate = z.number().gt(0).lt(1).default(0.8);
const step = z.number().int().min(1).default(10);

export const scheduleSchema = z.discriminatedUnion('type', [
  /** No schedule: S(t) = 1 (the thesis' "without schedule" runs). */
  z.strictObject({ type: z.literal('none') }),
  /** S(t, T) = (t − 1)/(T − 1). */
  z.strictObject({ type: z.literal('linear') }),
  /** S(t, T) = (t² − 1)/(T² − 1). */
  z.strictObject({ type: z.literal('2-polynomial') }),
  /** S(t, T, N) = (t/T)^N. */
  z.strictObject({ type: z.literal('n-polynomial'), power: z.number().positive().max(64).default(3) }),
  /** S(t, d) = 1 / (1 + 1/(d·t)). */
  z.strictObject({ type: z.literal('inverse-linear'), d: z.number().positive().default(0.01) }),
  /** S(t, d) = 1 / (1 + 1/(d·t²)). */
  z.strictObject({ type: z.literal('inverse-polynomial'), d: z.number().positive().default(0.001) }),
  /** S(t, T, step) = ⌊t/step⌋ / ⌊T/step⌋. */
  z.strictObject({ type: z.literal('step-linear'), step }),
  /** scale = 1/rate^⌊T/step⌋; S(t) = 1/(scale·rate^⌊t/step⌋). Higher rate = faster. */
  z.strictObject({ type: z.literal('step-inverse'), step, rate }),
  /** S(t, step, rate) = 1 − rate^⌊t/step⌋. Higher rate = slower. */
  z.strictObject({ type: z.literal('step-bounded'), step, rate }),
]);

/** A parsed schedule (every default filled in). */
export type ScheduleConfig = z.output<typeof scheduleSchema>;
/** A schedule as a user writes it (defaults optional). */
export type ScheduleInput = z.input<typeof scheduleSchema>;
export type ScheduleType = ScheduleConfig['type'];

export const SCHEDULE_TYPES: readonly ScheduleType[] = [
  'none',
  'linear',
  '2-polynomial',
  'n-polynomial',
  'inverse-linear',
  'inverse-polynomial',
  'step-linear',
  'step-inverse',
  'step-bounded',
];

/** Parse a user's schedule block, filling in the thesis defaults. */
export function parseSchedule(input: unknown): ScheduleConfig {
  return scheduleSchema.parse(input);
}

function checkTime(t: number, total: number): void {
  if (!Number.isFinite(t) || t < 0) throw new StageInputError(`schedule time t must be ≥ 0, got ${t}`);
  if (!Number.isFinite(total) || total < 1) {
    throw new StageInputError(`schedule total T must be ≥ 1, got ${total}`);
  }
}

/**
 * Table 4.2.1, verbatim (no clamping). With T = 1, where the linear and 2-polynomial
 * formulas divide by zero, S = 1 (the only epoch is the final one). Step-linear needs
 * ⌊T/step⌋ ≥ 1, else its denominator is 0 and this throws.
 */
export function scheduleFormula(config: ScheduleConfig, t: number, total: number): number {
  checkTime(t, total);
  switch (config.type) {
    case 'none':
      return 1;
    case 'linear':
      return total === 1 ? 1 : (t - 1) / (total - 1);
    case '2-polynomial':
      return total === 1 ? 1 : (t * t - 1) / (total * total - 1);
    case 'n-polynomial':
      return (t / total) ** config.power;
    case 'inverse-linear':
      // t = 0: 1/(d·0) = ∞ and 1/(1 + ∞) = 0, the limit.
      return 1 / (1 + 1 / (config.d * t));
    case 'inverse-polynomial':
      return 1 / (1 + 1 / (config.d * t * t));
    case 'step-linear': {
      const steps = Math.floor(total / config.step);
      if (steps === 0) {
        throw new StageInputError(
          `step-linear schedule: total ${total} is shorter than one step (${config.step}); lower 'step'`,
        );
      }
      return Math.floor(t / config.step) / steps;
    }
    case 'step-inverse': {
      const scale = 1 / config.rate ** Math.floor(total / config.step);
      return 1 / (scale * config.rate ** Math.floor(t / config.step));
    }
    case 'step-bounded':
      return 1 - config.rate ** Math.floor(t / config.step);
  }
}

/** S(t) of Table 4.2.1 clamped to [0, 1] (see the file comment). t counts from 1. */
export function scheduleValue(config: ScheduleConfig, t: number, total: number): number {
  const s = scheduleFormula(config, t, total);
  return Math.min(1, Math.max(0, s));
}
