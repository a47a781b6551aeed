/**
 * Clip accuracy of the integer model on a feature split, with the host integer reference (the
 * arithmetic the firmware reproduces bit for bit, so this is the board's accuracy). Yields to
 * the event loop between clips so a stage keeps heartbeating.
 */
import type { FeatureTensor } from '../dsp/feature-tensor';
import { frontEndCodes, predictInt, quantizeModelInput } from '../nn/int-reference';
import type { IntModel } from '../quant/int-model';
import { argmaxPerRow, confusionMatrix, type ConfusionCounts } from './confusion';

export interface IntegerAccuracy {
  readonly accuracy: number;
  readonly clips: number;
  /** counts[true][predicted], in the split's label order. */
  readonly confusion: ConfusionCounts;
  /** Predicted class per row (for breakdowns by clip source). */
  readonly predicted: readonly number[];
}

export async function integerAccuracy(model: IntModel, split: FeatureTensor, onClip?: (done: number, total: number) => void): Promise<IntegerAccuracy> {
  const n = split.header.shape[0] as number;
  const size = n > 0 ? split.data.length / n : 0;
  const predicted: number[] = [];
  for (let i = 0; i < n; i++) {
    const codes = frontEndCodes(model, split.data.subarray(i * size, (i + 1) * size));
    const out = predictInt(model, quantizeModelInput(model, codes));
    predicted.push(argmaxPerRow(out, out.length)[0]!);
    if (i % 16 === 15) {
      onClip?.(i + 1, n);
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
  const labels = split.header.labels.length;
  const confusion = confusionMatrix(split.header.labelIndex, predicted, labels);
  const correct = predicted.filter((p, i) => p === split.header.labelIndex[i]).length;
  return { accuracy: n > 0 ? correct / n : 0, clips: n, confusion, predicted };
}
