import { frontEndCodes, quantizeModelInput, runIntModel } from '../nn/int-reference';
import { HostIntModel } from '../nn/host-int-model';
import { tensorByName, tensorBytes, type IntModel } from '../quant/int-model';

/**
 * Outputs of the integer model (the host reference of what the board computes) for `n`
 * stored feature rows, for the anomaly scores of evaluate-ad:
 *  - posteriors: the softmax output codes q ∈ [−128, 127] (scale 1/256, zero point −128;
 *    src/quant/int-model.ts) as probabilities (q + 128)/256. A code of −128 (p = 0) is read
 *    as half a step, 1/512, so −log p stays finite at the resolution the board has;
 *  - pooled: the global-average-pool output (the op made from the tfjs layer `pool`),
 *    dequantized (q − zeroPoint)·scale, for the embedding score.
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
): Promise<IntegerOutputs> {
  const size = n > 0 ? data.length / n : 0;
  const { classes, pooledDim, poolT } = outputShapes(model);
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
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
  return { posteriors, pooled, pooledDim };

  function decodeRow(codes: Int8Array, p: Int8Array | undefined, i: number): void {
    for (let k = 0; k < classes; k++) posteriors[i * classes + k] = Math.max(codes[k]! + 128, 0.5) / 256;
    if (poolT && p)
      for (let k = 0; k < pooledDim; k++) pooled[i * pooledDim + k] = (p[k]! - poolT.zeroPoint) * poolT.scale;
  }
}

function outputShapes(model: IntModel) {
  const poolOp = model.ops.find((o) => o.name === 'pool');
  const poolT = poolOp ? model.tensors.find((t) => t.name === poolOp.output) : undefined;
  const outT = model.tensors.find((t) => t.name === model.output)!;
  const classes = outT.shape[0] * outT.shape[1] * outT.shape[2];
  const pooledDim = poolT ? poolT.shape[0] * poolT.shape[1] * poolT.shape[2] : 0;
  return { classes, pooledDim, poolT };
}

/**
 * The same outputs from the generated C compiled for the host (src/nn/host-int-model.ts), in
 * chunks so the stage keeps reporting progress. The input quantization (front-end codes →
 * int8) stays in TypeScript: it is cheap and the same code the deploy stage checks.
 */
export async function integerOutputsHost(
  model: IntModel,
  data: Float32Array,
  n: number,
  onProgress?: (done: number, total: number) => void,
): Promise<IntegerOutputs> {
  const size = n > 0 ? data.length / n : 0;
  const { classes, pooledDim, poolT } = outputShapes(model);
  const inBytes = tensorBytes(tensorByName(model, model.input));
  const posteriors = new Float32Array(n * classes);
  const pooled = new Float32Array(n * pooledDim);
  const host = await HostIntModel.build(model);
  try {
    const chunk = 512;
    for (let from = 0; from < n; from += chunk) {
      const count = Math.min(chunk, n - from);
      const inputs = new Int8Array(count * inBytes);
      for (let i = 0; i < count; i++) {
        const row = data.subarray((from + i) * size, (from + i + 1) * size);
        inputs.set(quantizeModelInput(model, frontEndCodes(model, row)), i * inBytes);
      }
      const r = await host.run(inputs, poolT ? 'pool' : undefined);
      for (let i = 0; i < count; i++) {
        for (let k = 0; k < classes; k++)
          posteriors[(from + i) * classes + k] = Math.max(r.outputs[i * classes + k]! + 128, 0.5) / 256;
        for (let k = 0; k < pooledDim; k++)
          pooled[(from + i) * pooledDim + k] = (r.taps[i * pooledDim + k]! - poolT!.zeroPoint) * poolT!.scale;
      }
      onProgress?.(from + count, n);
    }
  } finally {
    host.dispose();
  }
  return { posteriors, pooled, pooledDim };
}
