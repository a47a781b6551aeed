import type { QuantEpochMetrics } from './qat/quant-session';

/** Metrics of one finished epoch. Accuracies are fractions in [0, 1]. */
export interface EpochMetrics {
  /** Mean cross-entropy over the epoch's training batches (training mode: dropout on, batch BN statistics). */
  readonly loss: number;
  readonly accuracy: number;
  /** On the validation split in inference mode (moving BN statistics, no dropout). */
  readonly valLoss: number;
  readonly valAccuracy: number;
  /** Learning rate of the epoch's last step. */
  readonly learningRate: number;
  /** Regularized quantization / QAT of the epoch; only with a `quantization:` config. */
  readonly quant?: QuantEpochMetrics;
}

export type BestBy = 'valAccuracy' | 'valLoss';

/**
 * Whether `candidate` beats `best` on the chosen validation metric. Equal accuracy is
 * broken by lower validation loss; exact ties keep the earlier epoch. NaN never wins.
 */
export function isBetterEpoch(candidate: EpochMetrics, best: EpochMetrics | undefined, by: BestBy): boolean {
  if (best === undefined) return true;
  if (by === 'valLoss')
    return candidate.valLoss < best.valLoss || (Number.isNaN(best.valLoss) && !Number.isNaN(candidate.valLoss));
  if (candidate.valAccuracy !== best.valAccuracy) return candidate.valAccuracy > best.valAccuracy;
  // Equal accuracy: the more confident model (lower loss) generalizes at least as well.
  return candidate.valLoss < best.valLoss;
}
