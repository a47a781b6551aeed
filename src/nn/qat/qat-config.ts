/**
 * The `quantization:` block of a train stage: the thesis' regularized hybrid quantization
 * (src/quant/quant-config.ts: bits, regularizer, λ, schedule — thesis ch. 4, Eq. 4.2–4.8,
 * Table 4.2.1) plus quantization-aware training of the TFLite int8 scheme (MicroNets §5.2.2:
 * "we quantize weights, activations and input to 8-bit using fake quantization nodes").
 *
 *   quantization:
 *     bits: {default: 8, overrides: {block1_pw: 4, dense: 4}}
 *     regularizer: reg-n
 *     lambda: 0.0001
 *     schedule: {type: step-bounded}
 *     qat: true            # fake-quant forward pass from epoch `qatStartEpoch` on
 *     qatStartEpoch: 11    # default: ⌊epochs/3⌋ + 1, ≥ 2 (the first third trains in float)
 *
 * Pure zod (no tfjs), so it also feeds the editor JSON Schema.
 */
import { z } from 'zod';
import { quantConfigSchema } from '../../quant/quant-config';

export const trainQuantizationSchema = quantConfigSchema.extend({
  /** Fake-quantize weights (symmetric per channel, per-layer bits) and activations (int8) in training. */
  qat: z
    .boolean()
    .default(true)
    .describe('Fake-quantize weights (symmetric per channel, per-layer bits) and activations (int8) in training.'),
  /**
   * First epoch (1-based) trained with fake quantization; earlier epochs train in float
   * (with the regularizer). Default ⌊epochs/3⌋ + 1, and at least 2 when epochs ≥ 2: QAT
   * freezes BN's moving statistics, so at least one float epoch should estimate them first.
   * Values past `epochs` mean no QAT epoch.
   */
  qatStartEpoch: z
    .number()
    .int()
    .min(1)
    .max(10000)
    .optional()
    .describe(
      "First epoch (1-based) trained with fake quantization; earlier epochs train in float (with the regularizer). Default ⌊epochs/3⌋ + 1, and at least 2 when epochs ≥ 2: QAT freezes BN's moving statistics, so at least one float epoch should estimate them first. Values past `epochs` mean no QAT epoch.",
    ),
  /**
   * Decay of the exponential moving average of each activation tensor's batch min/max
   * (TF's MovingAverageQuantize uses 0.999 over long runs; short runs need a faster EMA).
   */
  activationEmaDecay: z
    .number()
    .min(0)
    .lt(1)
    .default(0.9)
    .describe(
      "Decay of the exponential moving average of each activation tensor's batch min/max (TF's MovingAverageQuantize uses 0.999 over long runs; short runs need a faster EMA).",
    ),
  /** Training batches whose min/max initialise the activation ranges when QAT starts. */
  calibrationBatches: z
    .number()
    .int()
    .min(1)
    .max(1000)
    .default(8)
    .describe('Training batches whose min/max initialise the activation ranges when QAT starts.'),
});

export type TrainQuantization = z.output<typeof trainQuantizationSchema>;
export type TrainQuantizationInput = z.input<typeof trainQuantizationSchema>;

/** The 1-based epoch QAT starts at for a run of `epochs` epochs. */
export function qatStartEpoch(q: TrainQuantization, epochs: number): number {
  return q.qatStartEpoch ?? (epochs < 2 ? 1 : Math.max(2, Math.floor(epochs / 3) + 1));
}
