import type * as TF from '@tensorflow/tfjs-node';
import { NATIVE_BACKEND, TfBackendError, type Tf } from './tf';

/**
 * TensorFlow ops that tfjs has no kernel for, run directly through tfjs-node's native backend.
 *
 * Why: tfjs-node executes eagerly, one libtensorflow op per tfjs kernel, and several tfjs
 * kernels are composites or have composite gradients. A training-mode BatchNorm → ReLU in
 * tfjs-layers costs ~30 ops forward and ~70 backward (moments, broadcasting, and the ReLU
 * gradient's `Step`, which tfjs-node builds from IsNan/Greater/Select/Fill), all over the
 * full activation tensor; TensorFlow's own FusedBatchNormV3 / FusedBatchNormGradV3 / ReluGrad
 * do the same math in 4 ops. Ops run here bypass tfjs' tape, so each gets its gradient
 * through `tf.customGrad`.
 */

/** One attribute of a TF op, as tfjs-node's binding takes it (TFEOpAttr). */
interface NativeOpAttr {
  readonly name: string;
  readonly type: number;
  readonly value: boolean | number | string | number[];
}

/** The part of tfjs-node's NodeJSKernelBackend used here (public methods of that class). */
interface NativeBackend {
  readonly binding: {
    readonly TF_FLOAT: number;
    readonly TF_ATTR_FLOAT: number;
    readonly TF_ATTR_STRING: number;
    readonly TF_ATTR_BOOL: number;
    readonly TF_ATTR_TYPE: number;
  };
  executeSingleOutput(name: string, attrs: NativeOpAttr[], inputs: TF.Tensor[]): TF.Tensor;
  executeMultipleOutputs(name: string, attrs: NativeOpAttr[], inputs: TF.Tensor[], numOutputs: number): TF.Tensor[];
}

function nativeBackend(tf: Tf): NativeBackend {
  const b = tf.backend() as unknown as Partial<NativeBackend>;
  if (
    tf.getBackend() !== NATIVE_BACKEND ||
    typeof b.executeMultipleOutputs !== 'function' ||
    typeof b.executeSingleOutput !== 'function' ||
    b.binding === undefined
  ) {
    throw new TfBackendError(`native TF ops need tfjs-node's "${NATIVE_BACKEND}" backend`, tf.getBackend());
  }
  return b as NativeBackend;
}

/** Per-channel batch statistics of one training-mode BatchNorm call (biased variance, as tf.moments). */
export interface BatchMoments {
  readonly mean: TF.Tensor1D;
  readonly variance: TF.Tensor1D;
}

/**
 * relu(batchNorm(x)) in training mode over NHWC `x` (statistics over N, H, W), with its
 * gradient w.r.t. x, gamma and beta. Same math as tfjs-layers' BatchNormalization(training)
 * followed by ReLU: y = max(0, gamma·(x − μ)/√(σ² + ε) + beta) with the batch mean μ and
 * biased variance σ². `onMoments` receives μ and σ² so the caller can update the moving
 * statistics; they are freed when the op returns unless the callback `tf.keep`s them.
 */
export type BatchNormReluTraining = (
  x: TF.Tensor4D,
  gamma: TF.Tensor1D,
  beta: TF.Tensor1D,
  onMoments: (m: BatchMoments) => void,
) => TF.Tensor4D;

export function batchNormReluTraining(tf: Tf, epsilon: number): BatchNormReluTraining {
  const nb = nativeBackend(tf);
  const { binding } = nb;
  const t: NativeOpAttr = { name: 'T', type: binding.TF_ATTR_TYPE, value: binding.TF_FLOAT };
  const u: NativeOpAttr = { name: 'U', type: binding.TF_ATTR_TYPE, value: binding.TF_FLOAT };
  const common: NativeOpAttr[] = [
    t,
    u,
    { name: 'epsilon', type: binding.TF_ATTR_FLOAT, value: epsilon },
    { name: 'data_format', type: binding.TF_ATTR_STRING, value: 'NHWC' },
    { name: 'is_training', type: binding.TF_ATTR_BOOL, value: true },
  ];
  // exponential_avg_factor 1: the op returns this batch's statistics and ignores the
  // (empty) running mean/variance inputs; the caller keeps its own moving averages.
  const forwardAttrs = [...common, { name: 'exponential_avg_factor', type: binding.TF_ATTR_FLOAT, value: 1 }];

  return (x, gamma, beta, onMoments) => {
    const op = tf.customGrad((...args: (TF.Tensor | TF.GradSaveFunc)[]) => {
      const [xIn, g, b] = args as [TF.Tensor4D, TF.Tensor1D, TF.Tensor1D];
      const save = args[3] as TF.GradSaveFunc;
      const empty = tf.tensor1d([], 'float32');
      // Outputs: y, batch mean, batch variance (Bessel-corrected), then reserve spaces 1–3
      // that FusedBatchNormGradV3 takes back (on CPU: mean, biased variance, workspace).
      const [bn, , , r1, r2, r3] = nb.executeMultipleOutputs(
        'FusedBatchNormV3',
        forwardAttrs,
        [xIn, g, b, empty, empty],
        6,
      ) as [TF.Tensor4D, TF.Tensor1D, TF.Tensor1D, TF.Tensor1D, TF.Tensor1D, TF.Tensor];
      const y = nb.executeSingleOutput('Relu', [t], [bn]) as TF.Tensor4D;
      onMoments({ mean: r1, variance: r2 });
      save([xIn, g, r1, r2, r3, y]);
      return {
        value: y,
        gradFunc: (dy: TF.Tensor4D, saved: TF.Tensor[]) => {
          const [sx, sg, s1, s2, s3, sy] = saved as [
            TF.Tensor4D,
            TF.Tensor1D,
            TF.Tensor1D,
            TF.Tensor1D,
            TF.Tensor,
            TF.Tensor4D,
          ];
          // ReluGrad passes dy where the ReLU's output is > 0, i.e. where its input was.
          const dBn = nb.executeSingleOutput('ReluGrad', [t], [dy, sy]);
          const [dx, dGamma, dBeta] = nb.executeMultipleOutputs(
            'FusedBatchNormGradV3',
            common,
            [dBn, sx, sg, s1, s2, s3],
            5,
          ) as [TF.Tensor, TF.Tensor, TF.Tensor];
          return [dx, dGamma, dBeta];
        },
      };
    });
    return op(x, gamma, beta);
  };
}
