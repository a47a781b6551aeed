import { frontEndCodes, quantizeModelInput, runIntModel } from '../nn/int-reference';
import type { IntModel } from '../quant/int-model';

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

export async function integerOutputs(model: IntModel, data: Float32Array, n: number, onProgress?: (done: number, total: number) => void): Promise<IntegerOutputs> {
  const size = n > 0 ? data.length / n : 0;
  const poolOp = model.ops.find((o) => o.name === 'pool');
  const poolT = poolOp ? model.tensors.find((t) => t.name === poolOp.output) : undefined;
  const outT = model.tensors.find((t) => t.name === model.output)!;
  const classes = outT.shape[0] * outT.shape[1] * outT.shape[2];
  const pooledDim = poolT ? poolT.shape[0] * poolT.shape[1] * poolT.shape[2] : 0;
  const posteriors = new Float32Array(n * classes);
  const pooled = new Float32Array(n * pooledDim);
  for (let i = 0; i < n; i++) {
    const values = runIntModel(model, quantizeModelInput(model, frontEndCodes(model, data.subarray(i * size, (i + 1) * size))));
    const codes = values.get(model.output)!;
    for (let k = 0; k < classes; k++) posteriors[i * classes + k] = Math.max(codes[k]! + 128, 0.5) / 256;
    if (poolT) {
      const p = values.get(poolT.name)!;
      for (let k = 0; k < pooledDim; k++) pooled[i * pooledDim + k] = (p[k]! - poolT.zeroPoint) * poolT.scale;
    }
    if (i % 32 === 31) {
      onProgress?.(i + 1, n);
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
  return { posteriors, pooled, pooledDim };
}
