/**
 * The DS-CNN as the integer model will run it, in tfjs ops over the tfjs model's own
 * variables (so gradients reach the same weights the layers model saves):
 *
 *   features ─fq→ conv0 (BN folded) → ReLU ─fq→ [dw (BN folded) → ReLU ─fq→ pw (BN folded)
 *   → ReLU ─fq→ (+ skip ─fq→)]×N → global mean ─fq→ (dropout) → dense ─fq→ logits
 *
 * BatchNorm is folded into the preceding conv as the deployed model has it (Jacob et al.
 * 2018 §3.2; Krishnamoorthi 2018 §3.2): w' = w·γ/√(σ² + ε) per output channel,
 * b' = β − γ·μ/√(σ² + ε), with BN's *moving* statistics. So while QAT runs the moving
 * statistics are frozen (Krishnamoorthi's "freeze batch norm statistics"): the forward pass
 * never updates them, and what training sees is exactly what the integer model gets
 * (weights fake-quantized after folding). γ and β keep training through the fold.
 *
 * Every `fq` above is an int8 activation fake-quant whose range comes from
 * ActivationRanges; the tensor names (`features`, `conv0_relu`, `block1_dw_relu`,
 * `block1_pw_relu`, `block1_add`, `pool`, `dense`) are the tfjs layer names whose outputs
 * they are, and the keys of quant.json's `activations`.
 */
import type * as TF from '@tensorflow/tfjs-node';
import type { LayerVariable } from '@tensorflow/tfjs-layers/dist/variables';
import { isLayerRegularized, layerBits } from '../../quant/quant-config';
import type { BitWidth, Reg1Variant } from '../../quant/regularizers';
import type { DsCnnNetwork } from '../ds-cnn';
import type { Tf } from '../tf';
import { activationParams, fakeQuantActivation, fakeQuantWeights } from './fake-quant';
import type { TrainQuantization } from './qat-config';
import { tfRegularizationPenalty } from './tf-regularizers';

interface FoldedBn {
  readonly name: string;
  readonly gamma: LayerVariable;
  readonly beta: LayerVariable;
  readonly mean: LayerVariable;
  readonly variance: LayerVariable;
  readonly epsilon: number;
}

/** One weight matrix of the network and how it is quantized. */
export interface QatLayer {
  readonly name: string;
  readonly kind: 'conv' | 'depthwise' | 'dense';
  readonly kernel: LayerVariable;
  readonly bias: LayerVariable | undefined;
  readonly bn: FoldedBn | undefined;
  readonly strides: readonly [number, number];
  /** Output-channel axis of the tfjs kernel ([kh,kw,in,out] → 3, depthwise → 2, dense → 1). */
  readonly channelAxis: number;
  readonly bits: BitWidth;
  /** The Reg_1 variant or Reg_N to apply, or null when the layer is not regularized. */
  readonly regularizer: { readonly variant: Reg1Variant } | null;
}

/** Ordered activation tensor names of a network (the quant.json `activations` keys). */
export function activationNames(net: DsCnnNetwork): string[] {
  const names = ['features', 'conv0_relu'];
  net.plan.blocks.forEach((b, i) => {
    names.push(`block${i + 1}_dw_relu`, `block${i + 1}_pw_relu`);
    if (b.skipKind !== 'none') names.push(`block${i + 1}_add`);
  });
  names.push('pool', 'dense');
  return names;
}

function weightOf(layer: TF.layers.Layer, suffix: string): LayerVariable {
  const w = (layer.weights as LayerVariable[]).find((v) => v.originalName.endsWith(`/${suffix}`));
  if (w === undefined) throw new Error(`layer ${layer.name} has no weight ${suffix}`);
  return w;
}

function regularizerVariant(q: TrainQuantization): Reg1Variant {
  return q.regularizer === 'reg-n' || q.regularizer === 'none'
    ? 'c'
    : (q.regularizer.slice('reg-1-'.length) as Reg1Variant);
}

/** The network's weight matrices with their bit widths and regularizers (thesis §4.2 hybrid bits). */
export function qatLayers(net: DsCnnNetwork, q: TrainQuantization): QatLayer[] {
  const model = net.model;
  const bnOf = (name: string): FoldedBn => {
    const l = model.getLayer(`${name}_bn`);
    const eps = (l.getConfig() as { epsilon?: number }).epsilon ?? 1e-3;
    return {
      name: `${name}_bn`,
      gamma: weightOf(l, 'gamma'),
      beta: weightOf(l, 'beta'),
      mean: weightOf(l, 'moving_mean'),
      variance: weightOf(l, 'moving_variance'),
      epsilon: eps,
    };
  };
  const make = (name: string, kind: QatLayer['kind'], strides: readonly [number, number]): QatLayer => {
    const l = model.getLayer(name);
    return {
      name,
      kind,
      kernel: weightOf(l, kind === 'depthwise' ? 'depthwise_kernel' : 'kernel'),
      bias: kind === 'dense' ? weightOf(l, 'bias') : undefined,
      bn: kind === 'dense' ? undefined : bnOf(name),
      strides,
      channelAxis: kind === 'conv' ? 3 : kind === 'depthwise' ? 2 : 1,
      bits: layerBits(q, name),
      regularizer: isLayerRegularized(q, name) ? { variant: regularizerVariant(q) } : null,
    };
  };
  const layers = [make('conv0', 'conv', net.plan.firstConv.stride)];
  net.plan.blocks.forEach((b, i) => {
    layers.push(make(`block${i + 1}_dw`, 'depthwise', b.stride), make(`block${i + 1}_pw`, 'conv', [1, 1]));
  });
  layers.push(make('dense', 'dense', [1, 1]));
  return layers;
}

/** Tracked min/max of each activation tensor: EMA of batch min/max (TF's MovingAverageQuantize). */
export class ActivationRanges {
  private readonly ranges = new Map<string, { min: number; max: number }>();

  constructor(
    readonly names: readonly string[],
    private readonly decay: number,
  ) {}

  get ready(): boolean {
    return this.names.every((n) => this.ranges.has(n));
  }

  /** Sets ranges directly (calibration, checkpoint restore). */
  set(values: Readonly<Record<string, { min: number; max: number }>>): void {
    for (const [k, v] of Object.entries(values)) this.ranges.set(k, { min: v.min, max: v.max });
  }

  /** EMA update with one batch's [min, max] per tensor (in `names` order); the first batch sets the range. */
  update(batch: ArrayLike<number>): void {
    this.names.forEach((n, i) => {
      const lo = batch[2 * i]!;
      const hi = batch[2 * i + 1]!;
      const r = this.ranges.get(n);
      this.ranges.set(
        n,
        r === undefined
          ? { min: lo, max: hi }
          : { min: this.decay * r.min + (1 - this.decay) * lo, max: this.decay * r.max + (1 - this.decay) * hi },
      );
    });
  }

  get(name: string): { min: number; max: number } {
    const r = this.ranges.get(name);
    if (r === undefined) throw new Error(`no range tracked for activation ${name}`);
    return r;
  }

  snapshot(): Record<string, { min: number; max: number }> {
    return Object.fromEntries(this.names.filter((n) => this.ranges.has(n)).map((n) => [n, { ...this.get(n) }]));
  }
}

export interface ForwardOptions {
  /** Fake-quantize weights (per-channel, layer bits) and activations (int8, tracked ranges). */
  readonly quantize: boolean;
  /** Inverted-dropout mask on the pooled features ([batch, features]), training only. */
  readonly dropoutMask?: TF.Tensor2D;
  /** Also return each activation's [min, max] before fake quantization, [names, 2]. */
  readonly observe: boolean;
}

/** The BN-folded kernel and bias of a layer (moving statistics). */
export function foldedWeights(tf: Tf, l: QatLayer): { kernel: TF.Tensor; bias: TF.Tensor } {
  const k = l.kernel.read();
  if (l.bn === undefined) return { kernel: k, bias: l.bias!.read() };
  const factor = tf.div(l.bn.gamma.read(), tf.sqrt(tf.add(l.bn.variance.read(), l.bn.epsilon)));
  const bias = tf.sub(l.bn.beta.read(), tf.mul(l.bn.mean.read(), factor));
  const f = l.kind === 'depthwise' ? tf.reshape(factor, [1, 1, -1, 1]) : factor;
  return { kernel: tf.mul(k, f), bias };
}

export class QatNetwork {
  readonly layers: readonly QatLayer[];
  readonly names: readonly string[];
  readonly ranges: ActivationRanges;

  constructor(
    private readonly tf: Tf,
    readonly net: DsCnnNetwork,
    readonly config: TrainQuantization,
  ) {
    this.layers = qatLayers(net, config);
    this.names = activationNames(net);
    this.ranges = new ActivationRanges(this.names, config.activationEmaDecay);
  }

  /** Logits of `x` [batch, frames, coeffs, 1] through the folded (and optionally fake-quantized) network. */
  forward(x: TF.Tensor4D, opts: ForwardOptions): { logits: TF.Tensor2D; observed?: TF.Tensor2D } {
    const tf = this.tf;
    const seen: TF.Tensor[] = [];
    const act = (name: string, t: TF.Tensor): TF.Tensor => {
      if (opts.observe) seen.push(tf.stack([tf.min(t), tf.max(t)]));
      return opts.quantize ? fakeQuantActivation(tf, t, activationParams(this.ranges.get(name))) : t;
    };
    const byName = new Map(this.layers.map((l) => [l.name, l]));
    const apply = (name: string, input: TF.Tensor): TF.Tensor => {
      const l = byName.get(name)!;
      const { kernel, bias } = foldedWeights(tf, l);
      const w = opts.quantize ? fakeQuantWeights(tf, kernel, l.channelAxis, l.bits) : kernel;
      const strides = [l.strides[0], l.strides[1]] as [number, number];
      const y =
        l.kind === 'conv'
          ? tf.conv2d(input as TF.Tensor4D, w as TF.Tensor4D, strides, 'same')
          : l.kind === 'depthwise'
            ? tf.depthwiseConv2d(input as TF.Tensor4D, w as TF.Tensor4D, strides, 'same')
            : tf.matMul(input as TF.Tensor2D, w as TF.Tensor2D);
      return tf.add(y, bias);
    };
    let h = act('features', x);
    h = act('conv0_relu', tf.relu(apply('conv0', h)));
    this.net.plan.blocks.forEach((b, i) => {
      const n = `block${i + 1}`;
      let y = act(`${n}_dw_relu`, tf.relu(apply(`${n}_dw`, h)));
      y = act(`${n}_pw_relu`, tf.relu(apply(`${n}_pw`, y)));
      if (b.skipKind === 'none') {
        h = y;
      } else {
        const shortcut =
          b.skipKind === 'identity'
            ? h
            : tf.avgPool(h as TF.Tensor4D, [b.stride[0], b.stride[1]], [b.stride[0], b.stride[1]], 'same');
        h = act(`${n}_add`, tf.add(y, shortcut));
      }
    });
    let pooled = act('pool', tf.mean(h, [1, 2]));
    if (opts.dropoutMask !== undefined) pooled = tf.mul(pooled, opts.dropoutMask);
    const logits = act('dense', apply('dense', pooled)) as TF.Tensor2D;
    return opts.observe ? { logits, observed: tf.stack(seen) as TF.Tensor2D } : { logits };
  }

  /** λ·Σ_i Σ_j Reg(W_i[j]/max|W_i,c|) over the regularized layers (Eq. 4.2 without S(t)); null if none is. */
  penalty(): TF.Scalar | null {
    const tf = this.tf;
    const terms = this.layers
      .filter((l) => l.regularizer !== null)
      .map((l) => tfRegularizationPenalty(tf, l.kernel.read(), l.channelAxis, l.bits, l.regularizer!.variant));
    if (terms.length === 0 || this.config.lambda === 0) return null;
    return tf.mul(tf.addN(terms), this.config.lambda) as TF.Scalar;
  }
}
