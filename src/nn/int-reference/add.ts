import { checkInt32, multiplyByQuantizedMultiplier, quantizeMultiplier } from './requantize';
import { Activation, checkActivation, clampToInt8 } from './tensor';

/** Mirrors C `tops_add_params`. Offsets are negated input zero points; outputOffset is the output zero point. */
export interface AddParams {
  readonly input1Offset: number;
  readonly input1Multiplier: number;
  readonly input1Shift: number;
  readonly input2Offset: number;
  readonly input2Multiplier: number;
  readonly input2Shift: number;
  /** Headroom shift applied before rescaling; 20 for int8 as in TFLite. */
  readonly leftShift: number;
  readonly outputOffset: number;
  readonly outputMultiplier: number;
  readonly outputShift: number;
  readonly activation: Activation;
}

/**
 * Element-wise int8 add of two same-shape tensors with their own scales (TFLite scheme):
 *   a = MBQM((in1 + input1Offset) · 2^leftShift, input1Multiplier, input1Shift)
 *   b = MBQM((in2 + input2Offset) · 2^leftShift, input2Multiplier, input2Shift)
 *   out = clamp(MBQM(a + b, outputMultiplier, outputShift) + outputOffset, activation)
 * (in + offset) ≤ 255 in magnitude, so the shifted values and a + b fit int32 for leftShift ≤ 22.
 */
export function add(params: AddParams, input1: Int8Array, input2: Int8Array): Int8Array {
  checkActivation(params.activation);
  if (input1.length !== input2.length) throw new RangeError('add: inputs differ in size');
  if (params.leftShift < 0 || params.leftShift > 22)
    throw new RangeError(`add: leftShift ${params.leftShift} outside [0, 22]`);
  const scale = 2 ** params.leftShift;
  const out = new Int8Array(input1.length);
  for (let i = 0; i < input1.length; i++) {
    const a = multiplyByQuantizedMultiplier(
      ((input1[i] as number) + params.input1Offset) * scale,
      params.input1Multiplier,
      params.input1Shift,
    );
    const b = multiplyByQuantizedMultiplier(
      ((input2[i] as number) + params.input2Offset) * scale,
      params.input2Multiplier,
      params.input2Shift,
    );
    const sum = multiplyByQuantizedMultiplier(
      checkInt32(a + b, 'add: rescaled sum'),
      params.outputMultiplier,
      params.outputShift,
    );
    out[i] = clampToInt8(sum + params.outputOffset, params.activation);
  }
  return out;
}

/** Real-valued quantization of one tensor: real = scale · (q − zeroPoint). */
export interface TensorQuant {
  readonly scale: number;
  readonly zeroPoint: number;
}

/**
 * Prepare-time: the TFLite rule for add's integers. twiceMax = 2·max(s1, s2); input k gets
 * real multiplier s_k / twiceMax (≤ 0.5), the output 1 / (2^leftShift · s_out / twiceMax).
 */
export function prepareAddParams(
  in1: TensorQuant,
  in2: TensorQuant,
  out: TensorQuant,
  activation: Activation,
  leftShift = 20,
): AddParams {
  const twiceMax = 2 * Math.max(in1.scale, in2.scale);
  const m1 = quantizeMultiplier(in1.scale / twiceMax);
  const m2 = quantizeMultiplier(in2.scale / twiceMax);
  const mo = quantizeMultiplier(twiceMax / (2 ** leftShift * out.scale));
  return {
    input1Offset: -in1.zeroPoint,
    input1Multiplier: m1.multiplier,
    input1Shift: m1.shift,
    input2Offset: -in2.zeroPoint,
    input2Multiplier: m2.multiplier,
    input2Shift: m2.shift,
    leftShift,
    outputOffset: out.zeroPoint,
    outputMultiplier: mo.multiplier,
    outputShift: mo.shift,
    activation,
  };
}
