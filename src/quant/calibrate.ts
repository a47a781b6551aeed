/**
 * Post-training calibration: min/max of every tensor the integer model will have, observed by
 * running the float model on representative inputs (what TFLite's converter does with a
 * representative dataset). Uses the trained tfjs model itself, so the ranges are those of the
 * network that was validated, not of a re-implementation.
 */
import type * as TF from '@tensorflow/tfjs-node';
import type { Pair } from '../nn/ds-cnn-arch';
import { loadTf } from '../nn/tf';
import type { ActivationRange } from './quantize-graph';
import { yieldToEventLoop } from '../util/yield-to-event-loop';

/**
 * Ranges of the named layers' outputs (and of `inputName`, taken from `x` directly) over the
 * `n` examples in `x` (n × frames × coeffs). Batched; `onBatch` reports progress.
 */
export async function calibrateRanges(
  model: TF.LayersModel,
  inputName: string,
  layerNames: readonly string[],
  x: Float32Array,
  shape: Pair,
  onBatch?: (done: number, total: number) => void,
  batchSize = 128,
): Promise<Map<string, ActivationRange>> {
  const tf = loadTf();
  const size = shape[0] * shape[1];
  const n = x.length / size;
  const probe = tf.model({
    inputs: model.inputs,
    outputs: layerNames.map((l) => model.getLayer(l).output as TF.SymbolicTensor),
  });
  const min = new Float64Array(layerNames.length).fill(Infinity);
  const max = new Float64Array(layerNames.length).fill(-Infinity);
  for (let start = 0; start < n; start += batchSize) {
    const end = Math.min(n, start + batchSize);
    const outs = tf.tidy(() => {
      const r = probe.predict(tf.tensor4d(x.subarray(start * size, end * size), [end - start, shape[0], shape[1], 1]));
      const list = Array.isArray(r) ? r : [r];
      return list.map((t) => tf.stack([t.min(), t.max()]));
    });
    for (let i = 0; i < outs.length; i++) {
      const [lo, hi] = (await outs[i]!.data()) as Float32Array;
      min[i] = Math.min(min[i]!, lo!);
      max[i] = Math.max(max[i]!, hi!);
      outs[i]!.dispose();
    }
    onBatch?.(end, n);
    await yieldToEventLoop();
  }
  const ranges = new Map<string, ActivationRange>();
  let xmin = Infinity;
  let xmax = -Infinity;
  for (let i = 0; i < n * size; i++) {
    const v = x[i]!;
    if (v < xmin) xmin = v;
    if (v > xmax) xmax = v;
  }
  ranges.set(inputName, { min: xmin, max: xmax });
  layerNames.forEach((l, i) => ranges.set(l, { min: min[i]!, max: max[i]! }));
  return ranges;
}
