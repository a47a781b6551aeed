/**
 * Whole-model host integer reference: runs an IntModel (src/quant/int-model.ts) op by op with
 * the reference kernels of this directory. This is what the firmware must equal bit for bit,
 * per tensor, and what "integer model accuracy" is measured with.
 */
import type { IntModel, IntOp, IntTensor } from '../../quant/int-model';
import { add } from './add';
import { avgPool } from './avgpool';
import { conv2d, pointwiseConv2d } from './conv2d';
import { depthwiseConv2d } from './depthwise-conv2d';
import { fullyConnected } from './fully-connected';
import { multiplyByQuantizedMultiplier } from './requantize';
import { softmax } from './softmax';
import type { Dims } from './tensor';

function dimsOf(t: IntTensor): Dims {
  return { n: 1, h: t.shape[0], w: t.shape[1], c: t.shape[2] };
}

/**
 * Front-end int16 codes → int8 input codes, integers only (the C does the same):
 * q8 = clamp(MBQM(q16, multiplier, shift) + zeroPoint, −128, 127).
 */
export function quantizeModelInput(model: IntModel, frontEnd: Int16Array | ArrayLike<number>): Int8Array {
  const t = model.tensors.find((x) => x.name === model.input)!;
  const n = t.shape[0] * t.shape[1] * t.shape[2];
  if (frontEnd.length !== n) throw new RangeError(`model input needs ${n} front-end values, got ${frontEnd.length}`);
  const { multiplier, shift } = model.inputQuantization;
  const out = new Int8Array(n);
  for (let i = 0; i < n; i++) {
    const v = multiplyByQuantizedMultiplier(frontEnd[i] as number, multiplier, shift) + t.zeroPoint;
    out[i] = v < -128 ? -128 : v > 127 ? 127 : v;
  }
  return out;
}

/** Float features as the `features` stage stores them (front-end value × frontEndScale) back to int16 codes. */
export function frontEndCodes(model: IntModel, features: ArrayLike<number>): Int16Array {
  const s = model.inputQuantization.frontEndScale;
  return Int16Array.from({ length: features.length }, (_, i) => Math.round((features[i] as number) / s));
}

function runOp(
  model: IntModel,
  op: IntOp,
  values: ReadonlyMap<string, Int8Array>,
  tensor: (n: string) => IntTensor,
): Int8Array {
  const inT = tensor(op.inputs[0]!);
  const outT = tensor(op.output);
  const input = values.get(op.inputs[0]!)!;
  switch (op.kind) {
    case 'conv2d':
    case 'depthwise_conv2d': {
      const [n, kh, kw, c] = op.filterShape;
      const params = {
        inputOffset: -inT.zeroPoint,
        outputOffset: outT.zeroPoint,
        strideH: op.stride[0],
        strideW: op.stride[1],
        padH: op.padding[0],
        padW: op.padding[1],
        activation: op.activation,
      };
      const quant = { multiplier: op.multiplier, shift: op.shift };
      const filterDims = { n, h: kh, w: kw, c };
      if (op.kind === 'depthwise_conv2d')
        return depthwiseConv2d(params, quant, dimsOf(inT), input, filterDims, op.weights, op.bias, dimsOf(outT));
      const run = kh === 1 && kw === 1 && op.padding[0] === 0 && op.padding[1] === 0 ? pointwiseConv2d : conv2d;
      return run(params, quant, dimsOf(inT), input, filterDims, op.weights, op.bias, dimsOf(outT));
    }
    case 'fully_connected':
      return fullyConnected(
        { inputOffset: -inT.zeroPoint, outputOffset: outT.zeroPoint, activation: op.activation },
        { multiplier: op.multiplier, shift: op.shift },
        { n: 1, h: 1, w: 1, c: op.filterShape[1] },
        input,
        { n: op.filterShape[0], h: 1, w: 1, c: op.filterShape[1] },
        op.weights,
        op.bias,
        { n: 1, h: 1, w: 1, c: op.filterShape[0] },
      );
    case 'avgpool':
      return avgPool(
        {
          strideH: op.stride[0],
          strideW: op.stride[1],
          padH: op.padding[0],
          padW: op.padding[1],
          activation: op.activation,
        },
        dimsOf(inT),
        input,
        { n: 1, h: op.window[0], w: op.window[1], c: 1 },
        dimsOf(outT),
      );
    case 'add':
      return add(op, input, values.get(op.inputs[1]!)!);
    case 'softmax':
      return softmax(op.expLut, inT.shape[2], input);
  }
}

/**
 * Runs the model on one int8 input. Returns every tensor's codes by name (input included),
 * in op order, so a caller can compare layer by layer.
 */
export function runIntModel(model: IntModel, input: Int8Array): Map<string, Int8Array> {
  const byName = new Map(model.tensors.map((t) => [t.name, t]));
  const tensor = (n: string): IntTensor => byName.get(n)!;
  const values = new Map<string, Int8Array>([[model.input, input]]);
  for (const op of model.ops) values.set(op.output, runOp(model, op, values, tensor));
  return values;
}

/** The output tensor's codes for one input. */
export function predictInt(model: IntModel, input: Int8Array): Int8Array {
  return runIntModel(model, input).get(model.output)!;
}
