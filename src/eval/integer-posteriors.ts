import { frontEndCodes, quantizeModelInput, runIntModel } from '../nn/int-reference';
import { HostIntModel } from '../nn/host-int-model';
import { tensorByName, tensorBytes, type IntModel } from '../quant/int-model';
import { yieldToEventLoop } from '../util/yield-to-event-loop';

/**
 * Outputs of the integer model (the host reference of what the board computes) for `n`
 * stored feature rows, for the anomaly scores of evaluate-ad:
 *  - posteriors: the softmax output codes q ∈ [−128, 127] (scale 1/256, zero point −128;
 *    src/quant/int-model.ts) as probabilities (q + 128)/256. A code of −128 (p = 0) is read
 *    as half a step, 1/512, so −log p stays finite at the resolution the board has;
 *  - pooled: the embedding for the embedding score: the output of the op `embeddingLayer`
 *    (default `pool`, the global average pool; or `conv0`, `block<i>_dw`, `block<i>_pw`,
 *    each after its fused ReLU), dequantized (q − zeroPoint)·scale and averaged over its
 *    h × w positions per channel, as the float side does (src/eval/embedding-scores.ts).
 *    pooledDim is 0 when the model has no such op.
 */
export interface IntegerOutputs {
  readonly posteriors: Float32Array;
  readonly pooled: Float32Array;
  readonly pooledDim: number;
}

/** Which implementation of the integer model computes the outputs (the same bytes either way). */
export type IntegerRuntime = 'host-c' | 'typescript';

export async function integerOutputs(
  model: IntModel,
  data: Float32Array,
  n: number,
  onProgress?: (done: number, total: number) => void,
  embeddingLayer = 'pool',
): Promise<IntegerOutputs> {
  const size = n > 0 ? data.length / n : 0;
  const { classes, pooledDim, poolT } = outputShapes(model, embeddingLayer);
  const posteriors = new Float32Array(n * classes);
  const pooled = new Float32Array(n * pooledDim);
  for (let i = 0; i < n; i++) {
    const values = runIntModel(
      model,
      quantizeModelInput(model, frontEndCodes(model, data.subarray(i * size, (i + 1) * size))),
    );
    decodeRow(values.get(model.output)!, poolT ? values.get(poolT.name)! : undefined, i);
    if (i % 32 === 31) {
      onProgress?.(i + 1, n);
      await yieldToEventLoop();
    }
  }
  return { posteriors, pooled, pooledDim };

  function decodeRow(codes: Int8Array, p: Int8Array | undefined, i: number): void {
    for (let k = 0; k < classes; k++) posteriors[i * classes + k] = Math.max(codes[k]! + 128, 0.5) / 256;
    if (poolT && p) averageDequantized(p, 0, poolT, pooled, i * pooledDim);
  }
}

function outputShapes(model: IntModel, embeddingLayer: string) {
  const poolOp = model.ops.find((o) => o.name === embeddingLayer);
  const poolT = poolOp ? model.tensors.find((t) => t.name === poolOp.output) : undefined;
  const outT = model.tensors.find((t) => t.name === model.output)!;
  const classes = outT.shape[0] * outT.shape[1] * outT.shape[2];
  const pooledDim = poolT ? poolT.shape[2] : 0;
  return { classes, pooledDim, poolT };
}

/**
 * Per-channel mean over the h × w positions of one int8 [h, w, c] tensor (NHWC,
 * src/nn/int-reference/tensor.ts) starting at codes[from], dequantized, into out[at..at + c).
 */
function averageDequantized(
  codes: Int8Array,
  from: number,
  t: { readonly shape: readonly [number, number, number]; readonly scale: number; readonly zeroPoint: number },
  out: Float32Array,
  at: number,
): void {
  const [h, w, c] = t.shape;
  const positions = h * w;
  for (let k = 0; k < c; k++) {
    let sum = 0;
    for (let p = 0; p < positions; p++) sum += codes[from + p * c + k]!;
    out[at + k] = (sum / positions - t.zeroPoint) * t.scale;
  }
}

/**
 * The same outputs from the generated C compiled for the host (src/nn/host-int-model.ts), in
 * chunks so the stage keeps reporting progress. The input quantization (front-end codes →
 * int8) stays in TypeScript: it is cheap and the same code the deploy stage checks.
 * `build`: a host build of `model` to run on, shared with the caller's other runs (evaluate-ad
 * runs every feature file it scores on one build) and disposed by the caller; without it, one
 * is built here and removed after.
 */
export async function integerOutputsHost(
  model: IntModel,
  data: Float32Array,
  n: number,
  onProgress?: (done: number, total: number) => void,
  embeddingLayer = 'pool',
  build?: HostIntModel,
): Promise<IntegerOutputs> {
  if (build && build.model !== model)
    throw new RangeError('integerOutputsHost: the host build given is of another integer model');
  if (!build)
    return HostIntModel.using(model, (own) => integerOutputsHost(model, data, n, onProgress, embeddingLayer, own));
  const size = n > 0 ? data.length / n : 0;
  const { classes, pooledDim, poolT } = outputShapes(model, embeddingLayer);
  const tapBytes = poolT ? tensorBytes(poolT) : 0;
  const inBytes = tensorBytes(tensorByName(model, model.input));
  const posteriors = new Float32Array(n * classes);
  const pooled = new Float32Array(n * pooledDim);
  const chunk = 512;
  for (let from = 0; from < n; from += chunk) {
    const count = Math.min(chunk, n - from);
    const inputs = new Int8Array(count * inBytes);
    for (let i = 0; i < count; i++) {
      const row = data.subarray((from + i) * size, (from + i + 1) * size);
      inputs.set(quantizeModelInput(model, frontEndCodes(model, row)), i * inBytes);
    }
    const r = await build.run(inputs, poolT ? embeddingLayer : undefined);
    if (poolT && r.tapBytes !== tapBytes)
      throw new RangeError(
        `host integer runner: op ${embeddingLayer} wrote ${r.tapBytes} B per patch, its tensor has ${tapBytes} B`,
      );
    for (let i = 0; i < count; i++) {
      for (let k = 0; k < classes; k++)
        posteriors[(from + i) * classes + k] = Math.max(r.outputs[i * classes + k]! + 128, 0.5) / 256;
      if (poolT) averageDequantized(r.taps, i * tapBytes, poolT, pooled, (from + i) * pooledDim);
    }
    onProgress?.(from + count, n);
  }
  return { posteriors, pooled, pooledDim };
}
