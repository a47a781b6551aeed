/**
 * Folded float graph + activation ranges → integer model (int-model.ts), with the TFLite int8
 * scheme of int8-scheme.ts. Ranges come from calibration (post-training quantization) or from
 * the ranges QAT tracked during training; either way this is the one place that turns reals
 * into the integers the kernels use.
 *
 * Sub-byte layers (thesis ch. 4 hybrid bits): weights are rounded to the nearest minimum of the
 * layer's regularizer. For Reg_N on weights normalized by the per-channel scale
 * s_c = max|w_c| / (2^(N−1) − 1) those minima are exactly the codes k ∈ [−(2^(N−1)−1), 2^(N−1)−1]
 * (src/quant/regularizers.ts `regularizerMinima`), so the post-training rounding is the
 * symmetric per-channel quantizer with the N-bit qmax.
 */
import { StageInputError } from '../errors';
import { buildSoftmaxExpLut, prepareAddParams, quantizeMultiplier } from '../nn/int-reference';
import type { FloatGraph, FloatOp, Shape3 } from './float-graph';
import { chooseActivationParams, quantizeBias, quantizeWeightsPerChannel, type AffineParams } from './int8-scheme';
import type { Clamp, InputQuantization, IntModel, IntOp, IntTensor } from './int-model';

export type WeightBitWidth = 2 | 4 | 8;

export interface QuantizeGraphOptions {
  readonly labels: readonly string[];
  /** Real value of one step of the front end's int16 output (1/32 for the Q5 MFCC). */
  readonly frontEndScale: number;
  /** Weight bit width of a layer (by float layer name). */
  readonly bitsFor: (layer: string) => WeightBitWidth;
}

export interface ActivationRange {
  readonly min: number;
  readonly max: number;
}

const NO_CLAMP: Clamp = { min: -128, max: 127 };

/** Softmax output quantization fixed by the TFLite convention (and our kernel). */
export const SOFTMAX_OUTPUT: AffineParams = { scale: 1 / 256, zeroPoint: -128 };

function reluClamp(out: AffineParams): Clamp {
  return { min: Math.max(-128, Math.min(127, out.zeroPoint)), max: 127 };
}

export function quantizeFloatGraph(
  graph: FloatGraph,
  ranges: ReadonlyMap<string, ActivationRange>,
  opts: QuantizeGraphOptions,
): IntModel {
  const params = new Map<string, AffineParams>();
  const tensors: IntTensor[] = [];
  const addTensor = (name: string, shape: Shape3, p: AffineParams): void => {
    params.set(name, p);
    tensors.push({ name, shape: [shape[0], shape[1], shape[2]], scale: p.scale, zeroPoint: p.zeroPoint });
  };
  const rangeOf = (name: string): AffineParams => {
    const r = ranges.get(name);
    if (!r) throw new StageInputError(`no activation range for tensor "${name}" (calibration or QAT must record it)`);
    return chooseActivationParams(r.min, r.max);
  };
  const paramsOf = (name: string): AffineParams => params.get(name)!;

  addTensor(graph.input, graph.inputShape, rangeOf(graph.input));
  const inP = paramsOf(graph.input);
  const iq = quantizeMultiplier(opts.frontEndScale / inP.scale);
  const inputQuantization: InputQuantization = {
    frontEndScale: opts.frontEndScale,
    multiplier: iq.multiplier,
    shift: iq.shift,
  };

  const ops: IntOp[] = graph.ops.map((op: FloatOp): IntOp => {
    const inQ = paramsOf(op.inputs[0]!);
    switch (op.kind) {
      case 'conv2d':
      case 'depthwise_conv2d': {
        const outQ = rangeOf(op.output);
        addTensor(op.output, op.outShape, outQ);
        const bits = opts.bitsFor(op.name);
        const axis = op.kind === 'conv2d' ? 0 : 3;
        const w = quantizeWeightsPerChannel(op.weights, op.filterShape, axis, bits);
        const b = quantizeBias(op.bias, inQ.scale, w.scales);
        const channels = w.scales.length;
        const multiplier = new Int32Array(channels);
        const shift = new Int32Array(channels);
        for (let c = 0; c < channels; c++) {
          const m = quantizeMultiplier((inQ.scale * w.scales[c]!) / outQ.scale);
          multiplier[c] = m.multiplier;
          shift[c] = m.shift;
        }
        return {
          kind: op.kind,
          name: op.name,
          inputs: op.inputs,
          output: op.output,
          filterShape: op.filterShape,
          stride: op.stride,
          padding: op.padding,
          weightBits: bits,
          weights: w.values,
          bias: b.values,
          multiplier,
          shift,
          activation: op.relu ? reluClamp(outQ) : NO_CLAMP,
        };
      }
      case 'fully_connected': {
        const outQ = rangeOf(op.output);
        addTensor(op.output, op.outShape, outQ);
        const bits = opts.bitsFor(op.name);
        // TFLite fully connected weights are per tensor: one "channel" spanning the matrix.
        const w = quantizeWeightsPerChannel(op.weights, [1, op.weights.length], 0, bits);
        const b = quantizeBias(op.bias, inQ.scale, w.scales);
        const m = quantizeMultiplier((inQ.scale * w.scales[0]!) / outQ.scale);
        return {
          kind: 'fully_connected',
          name: op.name,
          inputs: op.inputs,
          output: op.output,
          filterShape: op.filterShape,
          weightBits: bits,
          weights: w.values,
          bias: b.values,
          multiplier: m.multiplier,
          shift: m.shift,
          activation: op.relu ? reluClamp(outQ) : NO_CLAMP,
        };
      }
      case 'avgpool':
        // Pooling keeps its input's quantization (TFLite), so it needs no requantization.
        addTensor(op.output, op.outShape, inQ);
        return {
          kind: 'avgpool',
          name: op.name,
          inputs: op.inputs,
          output: op.output,
          window: op.window,
          stride: op.stride,
          padding: op.padding,
          activation: NO_CLAMP,
        };
      case 'add': {
        const outQ = rangeOf(op.output);
        addTensor(op.output, op.outShape, outQ);
        const p = prepareAddParams(inQ, paramsOf(op.inputs[1]!), outQ, NO_CLAMP);
        return { kind: 'add', name: op.name, inputs: op.inputs, output: op.output, ...p };
      }
      case 'softmax':
        addTensor(op.output, op.outShape, SOFTMAX_OUTPUT);
        return {
          kind: 'softmax',
          name: op.name,
          inputs: op.inputs,
          output: op.output,
          expLut: buildSoftmaxExpLut(inQ.scale),
        };
    }
  });
  return {
    format: 'tinyops-int-model',
    version: 1,
    labels: [...opts.labels],
    input: graph.input,
    inputQuantization,
    output: graph.output,
    tensors,
    ops,
  };
}
