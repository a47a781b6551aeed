/**
 * Shapes and shared rules of the int8 reference kernels. Tensors are NHWC, row-major,
 * in Int8Array (activations, weights) or Int32Array (bias); dims mirror C `tops_dims`.
 */

/** NHWC dims. Filters reuse it: conv [C_OUT, KH, KW, C_IN], depthwise [1, KH, KW, C], FC [C_OUT, 1, 1, C_IN]. */
export interface Dims {
  readonly n: number;
  readonly h: number;
  readonly w: number;
  readonly c: number;
}

/** Fused activation as a clamp of the final int8 value (after the output zero point is added). */
export interface Activation {
  readonly min: number;
  readonly max: number;
}

export type PaddingMode = 'same' | 'valid';

export function dimsSize(d: Dims): number {
  return d.n * d.h * d.w * d.c;
}

/** Offset of element (n, y, x, c) in an NHWC tensor. */
export function nhwcIndex(d: Dims, n: number, y: number, x: number, c: number): number {
  return ((n * d.h + y) * d.w + x) * d.c + c;
}

/**
 * TFLite padding along one axis. valid: out = floor((in − k) / stride) + 1, pad 0.
 * same: out = ceil(in / stride), total pad = max(0, (out − 1)·stride + k − in), of which the
 * top/left side gets floor(total / 2) (the extra one goes bottom/right, as in TFLite).
 */
export function computePadding(
  mode: PaddingMode,
  inSize: number,
  kernel: number,
  stride: number,
): { out: number; pad: number } {
  if (mode === 'valid') {
    if (inSize < kernel) throw new RangeError(`valid padding: input ${inSize} smaller than kernel ${kernel}`);
    return { out: Math.floor((inSize - kernel) / stride) + 1, pad: 0 };
  }
  const out = Math.ceil(inSize / stride);
  const total = Math.max(0, (out - 1) * stride + kernel - inSize);
  return { out, pad: Math.floor(total / 2) };
}

/** Final step shared by all kernels, after the output zero point is added: clamp to the activation (inside int8). */
export function clampToInt8(value: number, activation: Activation): number {
  const lo = Math.max(activation.min, -128);
  const hi = Math.min(activation.max, 127);
  return value < lo ? lo : value > hi ? hi : value;
}

export function checkActivation(a: Activation): void {
  if (a.min > a.max || a.min < -128 || a.max > 127) throw new RangeError(`bad activation range [${a.min}, ${a.max}]`);
}
