import { planDsCnn, type DsCnnArchitecture, type Pair } from './ds-cnn-arch';

/**
 * Multiply-accumulate and parameter counts of a DS-CNN, from its plan alone (no tfjs).
 * MicroNets §3.2 uses ops (= 2 × MACs for conv/dense) as the latency proxy and parameter
 * bytes as the flash cost, so DNAS and the report read these numbers; they count what an
 * int8 deployment computes and stores, not training-time extras.
 */

export interface LayerMacs {
  /** Layer name as the builder names it (`conv0`, `block1_dw`, `block1_pw`, `dense`). */
  readonly name: string;
  readonly macs: number;
}

export interface MacCount {
  readonly layers: readonly LayerMacs[];
  /** Sum over conv, depthwise, pointwise and dense layers; BN/ReLU/pool/add count 0 (BN folds into the conv; the rest are not MACs). */
  readonly total: number;
}

/** MACs for one inference of one example of shape [frames, coeffs, 1]. */
export function countMacs(arch: DsCnnArchitecture, inputShape: Pair, numClasses: number): MacCount {
  const plan = planDsCnn(arch, inputShape, numClasses);
  const fc = plan.firstConv;
  const [oh, ow, oc] = fc.output;
  const layers: LayerMacs[] = [{ name: 'conv0', macs: oh * ow * oc * fc.kernel[0] * fc.kernel[1] * plan.input[2] }];
  plan.blocks.forEach((b, i) => {
    const [h, w, c] = b.output;
    const cin = b.input[2];
    layers.push({ name: `block${i + 1}_dw`, macs: h * w * cin * 3 * 3 });
    layers.push({ name: `block${i + 1}_pw`, macs: h * w * cin * c });
  });
  layers.push({ name: 'dense', macs: plan.features * numClasses });
  return { layers, total: layers.reduce((s, l) => s + l.macs, 0) };
}

export interface ParamCount {
  /** Weights the optimizer updates: conv kernels, BN gamma/beta, dense kernel and bias. */
  readonly trainable: number;
  /** BN moving mean and variance. */
  readonly nonTrainable: number;
  /** trainable + nonTrainable = tfjs `model.countParams()`. */
  readonly total: number;
  /**
   * What an int8 model stores after folding each BN into the conv before it: every conv
   * keeps its kernel and gains a per-channel bias; the dense layer is unchanged.
   */
  readonly folded: number;
}

/**
 * Parameters of the built network. Convs have no bias because a BN follows each one
 * (its beta is the bias); every BN has gamma, beta, moving mean and moving variance.
 */
export function countParams(arch: DsCnnArchitecture, inputShape: Pair, numClasses: number): ParamCount {
  const plan = planDsCnn(arch, inputShape, numClasses);
  const kernels: Array<{ weights: number; channels: number }> = [];
  const fc = plan.firstConv;
  kernels.push({ weights: fc.kernel[0] * fc.kernel[1] * plan.input[2] * fc.filters, channels: fc.filters });
  for (const b of plan.blocks) {
    kernels.push({ weights: 3 * 3 * b.input[2], channels: b.input[2] });
    kernels.push({ weights: b.input[2] * b.filters, channels: b.filters });
  }
  const convWeights = kernels.reduce((s, k) => s + k.weights, 0);
  const bnChannels = kernels.reduce((s, k) => s + k.channels, 0);
  const dense = plan.features * numClasses + numClasses;
  const trainable = convWeights + 2 * bnChannels + dense;
  const nonTrainable = 2 * bnChannels;
  return { trainable, nonTrainable, total: trainable + nonTrainable, folded: convWeights + bnChannels + dense };
}
