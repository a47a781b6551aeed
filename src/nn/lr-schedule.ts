import type { TrainConfig } from './train-config';

export type LearningRateConfig = TrainConfig['learningRate'];

/**
 * Learning rate for optimizer step `step` (0-based, counted over the whole run). A pure
 * function of the step, not a decayed running value, so a resumed run continues the
 * schedule exactly where the checkpoint left it.
 *
 * - constant: `initial`.
 * - step:     `initial · stepFactor^⌊epoch / stepEvery⌋` (Hello Edge's piecewise schedule).
 * - cosine:   `final + (initial − final) · ½(1 + cos(π · step / (totalSteps − 1)))`, so the
 *             first step uses `initial` and the last `final` (MicroNets §5.2.2 decays
 *             0.01 → 0.00001 with a cosine).
 */
export function learningRateAt(
  lr: LearningRateConfig,
  step: number,
  stepsPerEpoch: number,
  totalSteps: number,
): number {
  switch (lr.decay) {
    case 'constant':
      return lr.initial;
    case 'step': {
      const epoch = Math.floor(step / stepsPerEpoch);
      return lr.initial * Math.pow(lr.stepFactor, Math.floor(epoch / lr.stepEvery));
    }
    case 'cosine': {
      const progress = totalSteps > 1 ? Math.min(1, step / (totalSteps - 1)) : 0;
      return lr.final + (lr.initial - lr.final) * 0.5 * (1 + Math.cos(Math.PI * progress));
    }
  }
}
