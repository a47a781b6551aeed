/**
 * int8 softmax by an exponent look-up table: the contract for C `tops_softmax_s8`.
 *
 * Prepare (float allowed, runs once on the host): for d = 0..255,
 *   expLut[d] = round(exp(−β · inputScale · d) · 2^16)   (so expLut[0] = 65536),
 * i.e. e^(x − max) for an input that is d steps below the row maximum. Entries must be ≥ 0
 * and expLut[0] > 0; C checks expLut[0] > 0 and reports TOPS_ARG_ERROR otherwise.
 *
 * Eval (integers only), for each row of `depth` values (the innermost dim):
 *   m = max(x);   e_i = expLut[m − x_i];   S = Σ e_i   (int64)
 *   q_i = ⌊(512 · e_i + S) / (2 · S)⌋         (= e_i·256/S rounded half up; all terms ≥ 0)
 *   out_i = min(q_i − 128, 127)
 * The output follows the TFLite int8 softmax convention: scale 1/256, zero point −128.
 */

export const SOFTMAX_LUT_SIZE = 256;
/** Fixed point of the LUT entries: expLut[0] = 2^16. */
export const SOFTMAX_LUT_ONE = 65536;

export function buildSoftmaxExpLut(inputScale: number, beta = 1): Int32Array {
  if (!(inputScale > 0) || !(beta > 0)) throw new RangeError('buildSoftmaxExpLut: scale and beta must be > 0');
  const lut = new Int32Array(SOFTMAX_LUT_SIZE);
  for (let d = 0; d < SOFTMAX_LUT_SIZE; d++) lut[d] = Math.round(Math.exp(-beta * inputScale * d) * SOFTMAX_LUT_ONE);
  return lut;
}

/** Softmax over the last dim of `input` (rows of `depth`), see the file comment for the rules. */
export function softmax(expLut: Int32Array, depth: number, input: Int8Array): Int8Array {
  if (expLut.length !== SOFTMAX_LUT_SIZE || !((expLut[0] as number) > 0)) throw new RangeError('softmax: bad exp LUT');
  if (depth <= 0 || input.length % depth !== 0) throw new RangeError('softmax: input is not whole rows');
  const out = new Int8Array(input.length);
  for (let row = 0; row < input.length; row += depth) {
    let m = -128;
    for (let i = 0; i < depth; i++) m = Math.max(m, input[row + i] as number);
    let sum = 0n;
    for (let i = 0; i < depth; i++) sum += BigInt(expLut[m - (input[row + i] as number)] as number);
    for (let i = 0; i < depth; i++) {
      const e = BigInt(expLut[m - (input[row + i] as number)] as number);
      const q = Number((512n * e + sum) / (2n * sum));
      out[row + i] = Math.min(q - 128, 127);
    }
  }
  return out;
}
