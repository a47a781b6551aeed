/**
 * Clip accuracy of the integer model on a feature split, with the host integer reference (the
 * arithmetic the firmware reproduces bit for bit, so this is the board's accuracy). Yields to
 * the event loop between clips so a stage keeps heartbeating.
 */
import type { FeatureTensor } from '../dsp/feature-tensor';
import { frontEndCodes, predictInt, quantizeModelInput } from '../nn/int-reference';
import { HostIntModel } from '../nn/host-int-model';
import { tensorByName, tensorBytes, type IntModel } from '../quant/int-model';
import { argmaxPerRow, confusionMatrix, type ConfusionCounts } from './confusion';
import { yieldToEventLoop } from '../util/yield-to-event-loop';

export interface IntegerAccuracy {
  readonly accuracy: number;
  readonly clips: number;
  /** counts[true][predicted], in the split's label order. */
  readonly confusion: ConfusionCounts;
  /** Predicted class per row (for breakdowns by clip source). */
  readonly predicted: readonly number[];
}

/**
 * `runtime`: 'host-c' (default) runs the generated C with the ref kernels built by the host gcc
 * (src/nn/host-int-model.ts: the same bytes, tens of times faster), built here and removed after;
 * a `HostIntModel` of `model` runs on that build, which the caller shares (evaluate scores the
 * test split and its measurement datasets with one build) and disposes; 'typescript' the
 * interpreted reference.
 */
export async function integerAccuracy(
  model: IntModel,
  split: FeatureTensor,
  onClip?: (done: number, total: number) => void,
  runtime: 'host-c' | 'typescript' | HostIntModel = 'host-c',
): Promise<IntegerAccuracy> {
  const n = split.header.shape[0] as number;
  const size = n > 0 ? split.data.length / n : 0;
  if (runtime instanceof HostIntModel && runtime.model !== model)
    throw new RangeError('integerAccuracy: the host build given is of another integer model');
  const predicted: number[] =
    runtime === 'typescript' || n === 0
      ? []
      : runtime === 'host-c'
        ? await HostIntModel.using(model, (host) => predictedOnHost(host, split, onClip))
        : await predictedOnHost(runtime, split, onClip);
  for (let i = predicted.length; i < n; i++) {
    const codes = frontEndCodes(model, split.data.subarray(i * size, (i + 1) * size));
    const out = predictInt(model, quantizeModelInput(model, codes));
    predicted.push(argmaxPerRow(out, out.length)[0]!);
    if (i % 16 === 15) {
      onClip?.(i + 1, n);
      await yieldToEventLoop();
    }
  }
  const labels = split.header.labels.length;
  const confusion = confusionMatrix(split.header.labelIndex, predicted, labels);
  const correct = predicted.filter((p, i) => p === split.header.labelIndex[i]).length;
  return { accuracy: n > 0 ? correct / n : 0, clips: n, confusion, predicted };
}

/** Predicted class per row from the host build of the generated C, in chunks (progress per chunk). */
async function predictedOnHost(
  host: HostIntModel,
  split: FeatureTensor,
  onClip?: (done: number, total: number) => void,
): Promise<number[]> {
  const model = host.model;
  const n = split.header.shape[0] as number;
  const size = split.data.length / n;
  const inBytes = tensorBytes(tensorByName(model, model.input));
  const outBytes = tensorBytes(tensorByName(model, model.output));
  const predicted: number[] = [];
  const chunk = 512;
  for (let from = 0; from < n; from += chunk) {
    const count = Math.min(chunk, n - from);
    const inputs = new Int8Array(count * inBytes);
    for (let i = 0; i < count; i++) {
      inputs.set(
        quantizeModelInput(model, frontEndCodes(model, split.data.subarray((from + i) * size, (from + i + 1) * size))),
        i * inBytes,
      );
    }
    const { outputs } = await host.run(inputs);
    predicted.push(...argmaxPerRow(outputs, outBytes));
    onClip?.(from + count, n);
  }
  return predicted;
}
